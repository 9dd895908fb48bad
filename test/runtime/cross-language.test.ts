import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { startMotoServer, MotoServer } from './moto-server';
import { registerTestSdk } from './otel-sdk';
import { createQueue, receiveAsLambdaEvent, TestQueue } from './sqs-lambda-event';
import { injectEventBridgeEntry, injectSnsMessage, injectSqsMessage, processSqsBatch } from '../../src/runtime';
import { pinnedTool } from '../test-tools';

/*
 * The Node runtime and its Python twin (runtime/python) carry trace context to each other through real
 * SDK calls against moto: @aws-sdk/client-* on this side, boto3 in runtime/python/tests/cross_language_peer.py.
 * Each direction goes over SQS, SNS -> SQS (raw delivery) and EventBridge -> SQS, and every consumer span
 * must link to the producer span of the other language.
 */

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const PYTHON_RUNTIME = path.join(__dirname, '..', '..', 'runtime', 'python');

interface Hops {
  readonly sqs: TestQueue;
  readonly sns: TestQueue;
  readonly topicArn: string;
  readonly events: TestQueue;
  readonly source: string;
}

interface PythonConsumed {
  readonly result: { batchItemFailures: unknown[] };
  readonly producers: Array<string | null>;
  readonly bodies: unknown[];
  readonly spans: Array<{ name: string; kind: string; traceId: string; links: Array<{ traceId: string; spanId: string }> }>;
}

let moto: MotoServer;
let sqs: SQSClient;
let sns: SNSClient;
let events: EventBridgeClient;
let sdk: ReturnType<typeof registerTestSdk>;

async function python<T>(...args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(pinnedTool('python'), [path.join(PYTHON_RUNTIME, 'tests', 'cross_language_peer.py'), ...args, '--endpoint', moto.endpoint], {
    env: { ...process.env, PYTHONPATH: path.join(PYTHON_RUNTIME, 'src') },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as T;
}

/** A queue fed directly, one fed by a topic with raw delivery, one fed by an EventBridge rule on `source`. */
async function hops(prefix: string, source: string): Promise<Hops> {
  const direct = await createQueue(sqs, `${prefix}-sqs`);
  const fromTopic = await createQueue(sqs, `${prefix}-sns`);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `${prefix}-topic` }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: fromTopic.arn, Attributes: { RawMessageDelivery: 'true' } }));
  const fromBus = await createQueue(sqs, `${prefix}-events`);
  await events.send(new PutRuleCommand({ Name: `${prefix}-rule`, EventPattern: JSON.stringify({ source: [source] }) }));
  await events.send(new PutTargetsCommand({ Rule: `${prefix}-rule`, Targets: [{ Id: 'queue', Arn: fromBus.arn }] }));
  return { sqs: direct, sns: fromTopic, topicArn: TopicArn!, events: fromBus, source };
}

beforeAll(async () => {
  moto = await startMotoServer();
  sqs = new SQSClient({ endpoint: moto.endpoint, region: REGION, credentials });
  sns = new SNSClient({ endpoint: moto.endpoint, region: REGION, credentials });
  events = new EventBridgeClient({ endpoint: moto.endpoint, region: REGION, credentials });
  sdk = registerTestSdk();
}, 60_000);

afterAll(async () => {
  sqs?.destroy();
  sns?.destroy();
  events?.destroy();
  await sdk?.shutdown();
  await moto?.stop();
});

test('Node produces, Python consumes: over SQS, SNS -> SQS and EventBridge -> SQS each Python span links to the Node producer', async () => {
  const to = await hops('node-to-python', 'node.producer');
  const producer = sdk.tracer.startSpan('node-producer');
  const { traceId, spanId } = producer.spanContext();
  await context.with(trace.setSpan(context.active(), producer), async () => {
    await sqs.send(new SendMessageCommand(injectSqsMessage({ QueueUrl: to.sqs.url, MessageBody: '{"hop":"sqs"}' })));
    await sns.send(new PublishCommand(injectSnsMessage({ TopicArn: to.topicArn, Message: '{"hop":"sns"}' })));
    const { FailedEntryCount } = await events.send(new PutEventsCommand({
      Entries: [injectEventBridgeEntry({ Source: to.source, DetailType: 'PaymentCompleted', Detail: '{"hop":"eventbridge"}' })],
    }));
    expect(FailedEntryCount).toBe(0);
  });
  producer.end();

  for (const [hop, queue] of [['sqs', to.sqs], ['sns', to.sns], ['eventbridge', to.events]] as const) {
    const consumed = await python<PythonConsumed>('consume', '--queue-url', queue.url, '--queue-arn', queue.arn);
    expect({ hop, result: consumed.result, producers: consumed.producers }).toEqual({ hop, result: { batchItemFailures: [] }, producers: [spanId] });
    expect(consumed.spans).toEqual([{ name: `node-to-python-${hop === 'eventbridge' ? 'events' : hop} process`, kind: 'CONSUMER', traceId: expect.not.stringMatching(traceId), links: [{ traceId, spanId }] }]);
  }
}, 120_000);

test('Python produces, Node consumes: over SQS, SNS -> SQS and EventBridge -> SQS each Node span links to the Python producer', async () => {
  const from = await hops('python-to-node', 'python.producer');
  const producer = await python<{ traceId: string; spanId: string }>('produce',
    '--queue-url', from.sqs.url, '--topic-arn', from.topicArn, '--source', from.source);
  expect(producer.traceId).toMatch(/^[0-9a-f]{32}$/);

  for (const [hop, queue] of [['sqs', from.sqs], ['sns', from.sns], ['eventbridge', from.events]] as const) {
    const event = await receiveAsLambdaEvent(sqs, queue, 1, REGION);
    expect(event.Records).toHaveLength(1);
    const record = event.Records[0];
    if (hop === 'sqs') {
      // The Python side wrote both carriers byte for byte as the Node runtime would.
      expect(record.attributes.AWSTraceHeader).toBe(`Root=1-${producer.traceId.slice(0, 8)}-${producer.traceId.slice(8)};Parent=${producer.spanId};Sampled=1`);
      expect(record.messageAttributes.traceparent.stringValue).toBe(`00-${producer.traceId}-${producer.spanId}-01`);
    }
    if (hop === 'eventbridge') {
      expect(JSON.parse(record.body).detail).toEqual({ _trace: { traceparent: `00-${producer.traceId}-${producer.spanId}-01` }, hop: 'eventbridge' });
    }
    sdk.exporter.reset();
    const seen: Array<string | undefined> = [];
    expect(await processSqsBatch(event, (_record, scope) => { seen.push(scope.producer?.parentId); })).toEqual({ batchItemFailures: [] });
    expect({ hop, seen }).toEqual({ hop, seen: [producer.spanId] });
    const spans = sdk.exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0].kind).toBe(SpanKind.CONSUMER);
    expect(spans[0].spanContext().traceId).not.toBe(producer.traceId);
    expect(spans[0].links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId }))).toEqual([producer]);
  }
}, 120_000);
