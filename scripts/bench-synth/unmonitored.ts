/**
 * Scenario (f), the floor: the functions and queues of (a) and (c) with no alarms and no dashboard, which
 * every scenario synthesizes. What a scenario costs above it is what its monitoring costs.
 */
import { App, Stack } from 'aws-cdk-lib';
import { ENV, plainResources, stackSizes } from './shape';

export function build(app: App, functions: number): void {
  stackSizes(functions).forEach((count, s) => {
    const stack = new Stack(app, `Service${s + 1}`, { env: ENV });
    plainResources(stack, count);
  });
}
