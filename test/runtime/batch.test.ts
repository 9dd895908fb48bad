import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { SQSRecord } from 'aws-lambda';
import { registerTestSdk } from './otel-sdk';
import { processSqsBatch } from '../../src/runtime';

const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:orders';
const PRODUCER_TRACE = '5759e988bd862e3fe1be46a994272793';
const PRODUCER_SPAN = '53995c3f42cd8ad8';

function record(id: number, extra: Partial<SQSRecord> = {}): SQSRecord {
  return {
    messageId: `m-${id}`,
    receiptHandle: `r-${id}`,
    body: JSON.stringify({ id }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
      AWSTraceHeader: `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${PRODUCER_SPAN};Sampled=1`,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: 'eu-west-1',
    ...extra,
  } as SQSRecord;
}

describe('processSqsBatch', () => {
  let sdk: ReturnType<typeof registerTestSdk>;
  beforeEach(() => { sdk = registerTestSdk(); });
  afterEach(async () => { await sdk.shutdown(); });

  test('one CONSUMER span per record, linked to its producer, with messaging attributes', async () => {
    const seen: string[] = [];
    const result = await processSqsBatch({ Records: [record(1), record(2)] }, (r, scope) => {
      seen.push(`${r.messageId}:${scope.producer?.traceId}:${trace.getActiveSpan()?.spanContext().traceId !== PRODUCER_TRACE}`);
    });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([`m-1:${PRODUCER_TRACE}:true`, `m-2:${PRODUCER_TRACE}:true`]);
    const spans = sdk.exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    for (const [i, span] of spans.entries()) {
      expect(span.name).toBe('orders process');
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.attributes).toEqual({
        'messaging.system': 'aws_sqs',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': 'orders',
        'messaging.message.id': `m-${i + 1}`,
      });
      const producer = expect.objectContaining({ traceId: PRODUCER_TRACE, spanId: PRODUCER_SPAN, isRemote: true });
      expect(span.links).toEqual([expect.objectContaining({ context: producer })]);
      expect(span.spanContext().traceId).not.toBe(PRODUCER_TRACE);
    }
  });

  test('producerRelation "parent" puts each record span in its producer\'s trace', async () => {
    const w3c = record(1, {
      messageAttributes: {
        traceparent: { stringValue: `00-${PRODUCER_TRACE}-${PRODUCER_SPAN}-01`, dataType: 'String' },
        tracestate: { stringValue: 'rojo=1', dataType: 'String' },
      },
    });
    await processSqsBatch({ Records: [w3c] }, () => undefined, { producerRelation: 'parent' });
    const [span] = sdk.exporter.getFinishedSpans();
    expect(span.spanContext().traceId).toBe(PRODUCER_TRACE);
    expect(span.parentSpanContext?.spanId).toBe(PRODUCER_SPAN);
    expect(span.parentSpanContext?.traceState?.get('rojo')).toBe('1');
    expect(span.links).toEqual([]);
  });

  test('fault injection: 17 of 100 records throw; exactly those 17 are reported, none lost', async () => {
    const failing = new Set([3, 7, 11, 12, 19, 23, 31, 42, 47, 50, 58, 63, 71, 77, 84, 90, 99]);
    expect(failing.size).toBe(17);
    const processed: number[] = [];
    const result = await processSqsBatch({ Records: Array.from({ length: 100 }, (_, i) => record(i)) }, async (r) => {
      const id = Number(r.messageId.slice(2));
      processed.push(id);
      await new Promise((resolve) => setImmediate(resolve));
      if (failing.has(id)) throw new Error(`record ${id} failed`);
    });
    expect(processed).toHaveLength(100);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual([...failing].map((i) => `m-${i}`).sort());
    const spans = sdk.exporter.getFinishedSpans();
    expect(spans).toHaveLength(100);
    const errored = spans.filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(errored.map((s) => s.attributes['messaging.message.id']).sort()).toEqual([...failing].map((i) => `m-${i}`).sort());
    expect(errored[0].events.map((e) => e.name)).toEqual(['exception']);
  });

  test('FIFO: after a failure, later records of the same message group fail unprocessed; other groups carry on', async () => {
    const fifo = (id: number, group: string) => record(id, { attributes: { ...record(id).attributes, MessageGroupId: group } });
    const processed: string[] = [];
    const result = await processSqsBatch({ Records: [fifo(1, 'a'), fifo(2, 'b'), fifo(3, 'a'), fifo(4, 'b'), fifo(5, 'a')] }, (r) => {
      processed.push(r.messageId);
      if (r.messageId === 'm-1') throw new Error('first of group a fails');
    });
    expect(processed).toEqual(['m-1', 'm-2', 'm-4']);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-3' }, { itemIdentifier: 'm-5' }]);
    expect(sdk.exporter.getFinishedSpans().map((s) => s.attributes['messaging.message.conversation_id'])).toEqual(['a', 'b', 'b']);
  });

  test('malformed carriers start a fresh trace and the record is still processed', async () => {
    const broken = record(1, {
      attributes: { ...record(1).attributes, AWSTraceHeader: 'Root=nonsense;Sampled=7' },
      messageAttributes: { traceparent: { stringValue: 'ff-garbage', dataType: 'String' } },
      body: '{"traceparent": not json',
    });
    const scopes: unknown[] = [];
    const result = await processSqsBatch({ Records: [broken] }, (_r, scope) => { scopes.push(scope); });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(scopes).toEqual([{}]);
    const [span] = sdk.exporter.getFinishedSpans();
    expect(span.links).toEqual([]);
    expect(span.parentSpanContext).toBeUndefined();
  });

  test('EventBridge events delivered through SQS are linked to the event\'s producer', async () => {
    const body = JSON.stringify({ 'detail-type': 'PaymentCompleted', 'detail': { _trace: { traceparent: `00-${PRODUCER_TRACE}-${PRODUCER_SPAN}-01` } } });
    const event = record(1, { body, attributes: { ...record(1).attributes, AWSTraceHeader: undefined as never } });
    await processSqsBatch({ Records: [event] }, () => undefined);
    expect(sdk.exporter.getFinishedSpans()[0].links[0].context).toMatchObject({ traceId: PRODUCER_TRACE, spanId: PRODUCER_SPAN });
  });

  test('an empty or missing batch reports nothing', async () => {
    expect(await processSqsBatch({ Records: [] }, () => undefined)).toEqual({ batchItemFailures: [] });
    expect(await processSqsBatch({}, () => undefined)).toEqual({ batchItemFailures: [] });
  });
});

describe('processSqsBatch without a registered tracer provider', () => {
  test('processes records and reports failures the same way (the API is a no-op)', async () => {
    const result = await processSqsBatch({ Records: [record(1), record(2)] }, (r) => {
      if (r.messageId === 'm-2') throw new Error('boom');
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
  });
});
