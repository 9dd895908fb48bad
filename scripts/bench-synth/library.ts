/**
 * Scenario (b): the same functions and queues with this library: `TracedFunction` (inline code, so no
 * bundling), `TracedQueue` with `addProducer`/`addConsumer`, `TracingDashboard` and `TracingAlarms`.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CODE, ENV, stackSizes, TIMEOUT } from './shape';
import { TracedFunction, TracedQueue, TracingAlarms, TracingDashboard } from '../../src';

export function build(app: App, functions: number): void {
  stackSizes(functions).forEach((count, s) => {
    const stack = new Stack(app, `Service${s + 1}`, { env: ENV });
    const fns = Array.from({ length: count }, (_, i) => new TracedFunction(stack, `Fn${i + 1}`, {
      code: lambda.Code.fromInline(CODE),
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      memorySize: 256,
      timeout: TIMEOUT,
    }));
    for (let q = 0; 2 * q + 1 < count; q++) {
      const queue = new TracedQueue(stack, `Queue${q + 1}`);
      queue.addProducer(fns[2 * q]);
      queue.addConsumer(fns[2 * q + 1]);
    }
    new TracingDashboard(stack, 'Dashboard');
    new TracingAlarms(stack, 'Alarms');
  });
}
