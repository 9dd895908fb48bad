/**
 * The reference app of the consumer packaging test (scripts/consumer-apps.sh): a traced function, a traced
 * queue with a producer and a consumer, and a traced event bus. python/app.py and the Java App build the
 * same app through the jsii packages; their templates must equal this one's.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { TracedEventBus, TracedFunction, TracedQueue } from '../../src';

const app = new App({ outdir: process.argv[2], context: { 'aws:cdk:version-reporting': false } });
const stack = new Stack(app, 'ConsumerApp', { env: { account: '123456789012', region: 'eu-west-1' } });
const code = lambda.Code.fromInline('exports.handler = async () => ({});');
const props = { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code, memorySize: 256 };
const api = new TracedFunction(stack, 'Api', props);
const worker = new TracedFunction(stack, 'Worker', { ...props, timeout: Duration.seconds(30) });
const jobs = new TracedQueue(stack, 'Jobs');
jobs.addProducer(api);
jobs.addConsumer(worker);
const bus = new TracedEventBus(stack, 'Events');
bus.addProducer(worker);
bus.addConsumer('JobDone', api, { eventPattern: { source: ['consumer.app'], detailType: ['JobDone'] } });
app.synth();
