/**
 * The library's app-wide checks at scale: an app of N traced functions (40 per stack), then one `TracedTopic`,
 * one `TracingSamplingRule` and one `TracingGroup` per stack, each of which counts what its account and Region
 * hold across the app's stacks (X-Ray's resource-policy, sampling-rule and group quotas). Counting by walking
 * the app per stack is quadratic in the stack count; counting through the registries is not.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CODE, ENV, stackSizes, TIMEOUT } from './shape';
import { TracedFunction, TracedTopic, TracingFilter, TracingGroup, TracingSamplingRule } from '../../src';

export interface AppWideFigures {
  readonly stacks: number;
  /** Milliseconds to add one topic, one sampling rule and one group to every stack, by kind. */
  readonly topicsMs: number;
  readonly samplingRulesMs: number;
  readonly groupsMs: number;
}

export function measure(app: App, functions: number): AppWideFigures {
  const stacks = stackSizes(functions).map((count, s) => {
    const stack = new Stack(app, `Service${s + 1}`, { env: ENV });
    for (let i = 0; i < count; i++) {
      new TracedFunction(stack, `Fn${i + 1}`, {
        code: lambda.Code.fromInline(CODE), runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', timeout: TIMEOUT,
      });
    }
    return stack;
  });
  const time = (add: (stack: Stack, s: number) => void) => {
    const t0 = process.hrtime.bigint();
    stacks.forEach(add);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  return {
    stacks: stacks.length,
    topicsMs: time((stack) => new TracedTopic(stack, 'Events')),
    samplingRulesMs: time((stack, s) => new TracingSamplingRule(stack, 'Sampling', { priority: 100 + s, fixedRate: 0.05 })),
    groupsMs: time((stack, s) => new TracingGroup(stack, 'Group', { groupName: `group-${s + 1}`, filter: TracingFilter.fault() })),
  };
}
