import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { context, trace } from '@opentelemetry/api';
import { startMotoServer, MotoServer } from './moto-server';
import { registerTestSdk } from './otel-sdk';
import { createQueue, receiveAsLambdaEvent as receiveLambdaEvent, TestQueue } from './sqs-lambda-event';
import { injectEventBridgeEntry, injectSqsMessage, processSqsBatch } from '../../src/runtime';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let moto: MotoServer;
let sqs: SQSClient;
let events: EventBridgeClient;
let sdk: ReturnType<typeof registerTestSdk>;

beforeAll(async () => {
  moto = await startMotoServer();
  sqs = new SQSClient({ endpoint: moto.endpoint, region: REGION, credentials });
  events = new EventBridgeClient({ endpoint: moto.endpoint, region: REGION, credentials });
  sdk = registerTestSdk();
}, 60_000);

afterAll(async () => {
  sqs?.destroy();
  events?.destroy();
  await sdk?.shutdown();
  await moto?.stop();
});

const queue = (name: string) => createQueue(sqs, name);
const receiveAsLambdaEvent = (q: TestQueue, expected: number) => receiveLambdaEvent(sqs, q, expected, REGION);

test('SQS: a producer sends through injectSqsMessage, the consumer links each record to the producer span', async () => {
  const orders = await queue('orders');
  const producer = sdk.tracer.startSpan('validate');
  const producerContext = producer.spanContext();
  const xrayHeader = `Root=1-${producerContext.traceId.slice(0, 8)}-${producerContext.traceId.slice(8)};Parent=${producerContext.spanId};Sampled=1`;
  await context.with(trace.setSpan(context.active(), producer), async () => {
    await sqs.send(new SendMessageCommand(injectSqsMessage({
      QueueUrl: orders.url,
      MessageBody: '{"orderId":"1"}',
      MessageAttributes: { tenant: { DataType: 'String', StringValue: 'acme' } },
    })));
    const entries = [{ Id: 'a', MessageBody: '{"orderId":"2"}' }, { Id: 'b', MessageBody: '{"orderId":"3"}' }].map((e) => injectSqsMessage(e));
    for (const entry of entries) expect(entry.MessageSystemAttributes?.AWSTraceHeader?.StringValue).toBe(xrayHeader);
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: orders.url, Entries: entries }));
  });
  producer.end();

  const event = await receiveAsLambdaEvent(orders, 3);
  expect(event.Records).toHaveLength(3);
  for (const record of event.Records) {
    expect(record.messageAttributes.traceparent.stringValue).toBe(`00-${producerContext.traceId}-${producerContext.spanId}-01`);
  }
  const single = event.Records.find((r) => r.body.includes('"1"'))!;
  expect(single.messageAttributes.tenant.stringValue).toBe('acme');
  // moto 5.2 keeps the system attribute of SendMessage but drops those of SendMessageBatch entries (checked above).
  expect(single.attributes.AWSTraceHeader).toBe(xrayHeader);

  sdk.exporter.reset();
  const result = await processSqsBatch(event, () => undefined);
  expect(result).toEqual({ batchItemFailures: [] });
  const spans = sdk.exporter.getFinishedSpans();
  expect(spans).toHaveLength(3);
  for (const span of spans) {
    expect(span.name).toBe('orders process');
    expect(span.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([[producerContext.traceId, producerContext.spanId]]);
  }
}, 60_000);

test('EventBridge -> SQS: the W3C carrier in detail survives the bus and the consumer links to the producer', async () => {
  const payments = await queue('payment-events');
  await events.send(new PutRuleCommand({ Name: 'payments', EventPattern: JSON.stringify({ 'source': ['orders.charge'], 'detail-type': ['PaymentCompleted'] }) }));
  await events.send(new PutTargetsCommand({ Rule: 'payments', Targets: [{ Id: 'queue', Arn: payments.arn }] }));

  const producer = sdk.tracer.startSpan('charge');
  const producerContext = producer.spanContext();
  const entry = context.with(trace.setSpan(context.active(), producer), () => injectEventBridgeEntry({
    Source: 'orders.charge', DetailType: 'PaymentCompleted', Detail: JSON.stringify({ orderId: '1', amountCents: 2500 }),
  }));
  producer.end();
  expect(entry.TraceHeader).toContain(`Parent=${producerContext.spanId}`);
  const { FailedEntryCount } = await events.send(new PutEventsCommand({ Entries: [entry, { Source: 'elsewhere', DetailType: 'Other', Detail: '{}' }] }));
  expect(FailedEntryCount).toBe(0);

  const event = await receiveAsLambdaEvent(payments, 1);
  expect(event.Records).toHaveLength(1);
  const delivered = JSON.parse(event.Records[0].body);
  expect(delivered.detail).toEqual({ _trace: { traceparent: `00-${producerContext.traceId}-${producerContext.spanId}-01` }, orderId: '1', amountCents: 2500 });

  sdk.exporter.reset();
  const seen: string[] = [];
  await processSqsBatch(event, (_record, scope) => { seen.push(scope.producer?.parentId ?? 'none'); });
  expect(seen).toEqual([producerContext.spanId]);
  expect(sdk.exporter.getFinishedSpans()[0].links[0].context).toMatchObject({ traceId: producerContext.traceId, spanId: producerContext.spanId });
}, 60_000);
