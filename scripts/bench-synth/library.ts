/**
 * Scenario (b): the same functions and queues with this library: `TracedFunction` (inline code, so no
 * bundling), `TracedQueue` with `addProducer`/`addConsumer`, `TracingDashboard` and `TracingAlarms`. The
 * library is loaded as it ships when bench-synth gives its compiled index in `BENCH_SYNTH_LIBRARY`, else
 * from its sources.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CODE, ENV, stackSizes, TIMEOUT } from './shape';
import type * as Library from '../../src';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TracedFunction, TracedQueue, TracingAlarms, TracingDashboard } = require(process.env.BENCH_SYNTH_LIBRARY ?? '../../src') as typeof Library;

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
