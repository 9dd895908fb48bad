import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { inlineFunctionProps, regionalStack } from './helpers';
import { TracedFunction, TracedQueue, TracingRegistry, TracingReport } from '../src';

describe('TracingRegistry', () => {
  test('is one per stack, found from any scope inside it', () => {
    const stack = regionalStack();
    const nested = new Construct(stack, 'Nested');
    expect(TracingRegistry.of(nested)).toBe(TracingRegistry.of(stack));
    const other = new Stack(stack.node.root as App, 'Other');
    expect(TracingRegistry.of(other)).not.toBe(TracingRegistry.of(stack));
  });

  test('synthesizes nothing', () => {
    const stack = regionalStack();
    TracingRegistry.of(stack);
    expect(Template.fromStack(stack).toJSON().Resources).toBeUndefined();
  });

  test('keeps each stack\'s resources apart', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: { region: 'us-east-1' } });
    const b = new Stack(app, 'B', { env: { region: 'us-east-1' } });
    new TracedFunction(a, 'Fn', inlineFunctionProps());
    new TracedQueue(b, 'Queue');
    expect(TracingRegistry.of(a).functions).toHaveLength(1);
    expect(TracingRegistry.of(a).queues).toHaveLength(0);
    expect(TracingRegistry.of(b).functions).toHaveLength(0);
    expect(TracingRegistry.of(b).queues).toHaveLength(1);
  });

  test('refuses a second registration of the same function', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'Fn', inlineFunctionProps());
    expect(() => TracingRegistry.of(stack)._registerFunction(fn.tracingRecord)).toThrow(/is already registered as traced/);
  });

  test('refuses a foreign construct with its reserved id', () => {
    const stack = regionalStack();
    new Construct(stack, 'TracingRegistry');
    expect(() => TracingRegistry.of(stack)).toThrow(/reserved for the tracing registry/);
  });

  test('the lists it returns are copies', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'Fn', inlineFunctionProps());
    TracingRegistry.of(stack).functions.pop();
    expect(TracingRegistry.of(stack).functions).toHaveLength(1);
  });
});

describe('TracingReport', () => {
  test('reports a concrete region, literal layer ARNs and an empty stack', () => {
    const stack = regionalStack('eu-west-1');
    expect(TracingReport.render(stack)).toBe('Stack TestStack (region: eu-west-1)\n  Functions traced: 0\n  Queues traced: 0');
    new TracedFunction(stack, 'Fn', inlineFunctionProps());
    const queue = new TracedQueue(stack, 'Jobs');
    const report = TracingReport.render(stack);
    expect(report).toContain('layer: arn:aws:lambda:eu-west-1:615299751070:layer:AWSOpenTelemetryDistroJs:15');
    expect(report).toMatch(/Jobs\n\s+dead-letter queue: Jobs\/DeadLetterQueue\n\s+producers: -\n\s+consumers: -/);
    expect(queue.maxReceiveCount).toBe(5);
  });
});
