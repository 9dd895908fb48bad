import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { TracedEventBus } from '../src/events/traced-event-bus';
import { TracedFunction } from '../src/function/traced-function';
import { TracedQueue } from '../src/queue/traced-queue';
import { TracedTopic } from '../src/topic/traced-topic';

/** A stack in a concrete region (us-east-1 unless given). */
export function regionalStack(region = 'us-east-1', props: StackProps = {}, context: Record<string, unknown> = {}): Stack {
  return new Stack(new App({ context }), 'TestStack', { env: { account: '123456789012', region }, ...props });
}

/** A stack whose region is only known at deploy time. */
export function agnosticStack(): Stack {
  return new Stack(new App(), 'AgnosticStack');
}

/** Minimal function props: inline code, so no asset hashes appear in templates. */
export function inlineFunctionProps(runtime: lambda.Runtime = lambda.Runtime.NODEJS_22_X): lambda.FunctionProps {
  return { runtime, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});') };
}

/** The single resource of `type` in a template's JSON. */
export function onlyResource(template: { Resources: Record<string, { Type: string; Properties?: any }> }, type: string): any {
  const found = Object.values(template.Resources).filter((r) => r.Type === type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

/**
 * A template for snapshot comparison, with bundled assets' hashes replaced: esbuild's source maps record
 * paths relative to the staging directory, so the hash of a bundle depends on where the repository is
 * cloned. Bundle contents are asserted by their own tests.
 */
export function snapshotOf(template: { toJSON(): unknown }): unknown {
  return JSON.parse(JSON.stringify(template.toJSON()).replace(/\b[0-9a-f]{64}\b/g, '<asset-hash>'));
}

/**
 * A small traced app for the observability tests: `Api` (10 s timeout) produces to the `Jobs` queue,
 * which `Worker` (30 s timeout) consumes.
 */
export function shopResources(stack: Stack): { api: TracedFunction; worker: TracedFunction; jobs: TracedQueue } {
  const api = new TracedFunction(stack, 'Api', { ...inlineFunctionProps(), timeout: Duration.seconds(10) });
  const worker = new TracedFunction(stack, 'Worker', { ...inlineFunctionProps(), timeout: Duration.seconds(30) });
  const jobs = new TracedQueue(stack, 'Jobs');
  jobs.addProducer(api);
  jobs.addConsumer(worker);
  return { api, worker, jobs };
}

/**
 * `shopResources` plus a `Payments` bus (Api produces, a `Paid` rule delivers to Worker) and an `Orders`
 * topic (Api publishes, the Jobs queue subscribes).
 */
export function shopWithMessaging(stack: Stack): ReturnType<typeof shopResources> & { bus: TracedEventBus; topic: TracedTopic } {
  const shop = shopResources(stack);
  const bus = new TracedEventBus(stack, 'Payments');
  bus.addProducer(shop.api);
  bus.addConsumer('Paid', shop.worker, { eventPattern: { detailType: ['PaymentCompleted'] } });
  const topic = new TracedTopic(stack, 'Orders');
  topic.addProducer(shop.api);
  topic.addSubscriber(shop.jobs);
  return { ...shop, bus, topic };
}
