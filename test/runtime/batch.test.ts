import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { SQSRecord } from 'aws-lambda';
import { registerTestSdk } from './otel-sdk';
import { DEFAULT_DEADLINE_MARGIN_MS, processSqsBatch, SqsRecordLike } from '../../src/runtime';

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
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(await processSqsBatch({ Records: [] }, () => undefined)).toEqual({ batchItemFailures: [] });
      expect(warn).not.toHaveBeenCalled();
      expect(await processSqsBatch({}, () => undefined)).toEqual({ batchItemFailures: [] });
      expect(warn.mock.calls).toEqual([['cdk-serverless-tracing: no SQS Records: nothing processed']]);
    } finally {
      warn.mockRestore();
    }
  });

  test.each<[string, unknown, string]>([
    ['a string', 'boom', 'boom'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a plain object', { code: 7 }, '[object Object]'],
    ['an object without a prototype (String() throws)', Object.create(null), 'object'],
    ['an object whose toString throws', { toString: () => { throw new Error('no'); } }, 'object'],
    ['an empty string', '', 'string'],
    ['an Error without a message', new TypeError(''), 'TypeError'],
    ['a number', 42, '42'],
  ])('a handler that throws %s: the record is reported, its span is ERROR with a message', async (_name, thrown, message) => {
    const result = await processSqsBatch({ Records: [record(1), record(2)] }, (r) => {
      if (r.messageId === 'm-1') throw thrown;
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    const [failed, ok] = sdk.exporter.getFinishedSpans();
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message });
    expect(failed.events.map((e) => e.name)).toEqual(['exception']);
    expect(ok.status.code).toBe(SpanStatusCode.UNSET);
  });

  test('an Error the SDK cannot record (a code without toString) still fails only its record, and its span ends as ERROR', async () => {
    const odd = Object.assign(new Error('odd'), { code: Object.create(null) });
    const seen: string[] = [];
    const result = await processSqsBatch({ Records: [record(1), record(2)] }, (r) => {
      seen.push(r.messageId);
      if (r.messageId === 'm-1') throw odd;
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(seen).toEqual(['m-1', 'm-2']);
    expect(sdk.exporter.getFinishedSpans().map((s) => s.status)).toEqual([{ code: SpanStatusCode.ERROR, message: 'odd' }, { code: SpanStatusCode.UNSET }]);
  });

  test('a failure names the message id Lambda sent, even when the handler changed the record', async () => {
    const result = await processSqsBatch({ Records: [record(1)] }, (r) => {
      r.messageId = 'changed';
      throw new Error('no');
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
  });

  test('a rejected promise that is not an Error is a failure like any other', async () => {
    const result = await processSqsBatch({ Records: [record(1)] }, () => Promise.reject('declined'));
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(sdk.exporter.getFinishedSpans()[0].status).toEqual({ code: SpanStatusCode.ERROR, message: 'declined' });
  });

  test('a record whose ARN or message id is not a string is still processed', async () => {
    const odd = { ...record(1), eventSourceARN: 42, messageId: 7 } as unknown as SQSRecord;
    const seen: unknown[] = [];
    expect(await processSqsBatch({ Records: [odd] }, (r) => { seen.push(r.messageId); })).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([7]);
    expect(sdk.exporter.getFinishedSpans()[0].name).toBe('unknown process');
  });

  test('an eventBridgeKey no carrier can have finds nothing, and the record is processed', async () => {
    const body = JSON.stringify({ detail: { _trace: { traceparent: `00-${PRODUCER_TRACE}-${PRODUCER_SPAN}-01` } } });
    const scopes: unknown[] = [];
    for (const eventBridgeKey of ['constructor', '__proto__', 'toString']) {
      const event = record(1, { body, attributes: { ...record(1).attributes, AWSTraceHeader: undefined as never } });
      const result = await processSqsBatch({ Records: [event] }, (_r, scope) => { scopes.push(scope); }, { eventBridgeKey });
      expect(result).toEqual({ batchItemFailures: [] });
    }
    expect(scopes).toEqual([{}, {}, {}]);
  });
});

describe('processSqsBatch on malformed events: processed as far as they can be, one warning, never a throw', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => { warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined); });
  afterEach(() => warn.mockRestore());

  test.each<[string, unknown]>([
    ['no event at all', undefined],
    ['a null event', null],
    ['a string event', 'event'],
    ['Records that is a string', { Records: 'abc' }],
    ['Records that is an object', { Records: { 0: { messageId: '1' } } }],
    ['Records that is null', { Records: null }],
  ])('%s: nothing processed, one warning', async (_name, event) => {
    const calls: unknown[] = [];
    await expect(processSqsBatch(event as never, (r) => { calls.push(r); })).resolves.toEqual({ batchItemFailures: [] });
    expect(calls).toEqual([]);
    expect(warn.mock.calls).toEqual([['cdk-serverless-tracing: no SQS Records: nothing processed']]);
  });

  test('entries that are not records among good ones: the good ones are processed, one warning for the rest', async () => {
    const processed: string[] = [];
    const event = { Records: [null, record(1), 'x', 42, [record(9)], undefined, record(2)] } as unknown as { Records: SQSRecord[] };
    const result = await processSqsBatch(event, (r) => {
      processed.push(r.messageId);
      if (r.messageId === 'm-2') throw new Error('x');
    });
    expect(processed).toEqual(['m-1', 'm-2']);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] });
    expect(warn.mock.calls).toEqual([['cdk-serverless-tracing: 5 SQS records not objects: skipped']]);
  });

  test('a good batch warns nothing', async () => {
    await processSqsBatch({ Records: [record(1)] }, () => undefined);
    expect(warn).not.toHaveBeenCalled();
  });
});

/** A Lambda context whose deadline is `ms` from now, on whatever clock Date.now reads (jest's fake one too). */
function contextWithin(ms: number) {
  const deadline = Date.now() + ms;
  return { getRemainingTimeInMillis: () => deadline - Date.now() };
}

const NEVER = new Promise<never>(() => undefined);

describe('processSqsBatch against the Lambda deadline', () => {
  let sdk: ReturnType<typeof registerTestSdk>;
  let warn: jest.SpyInstance;
  beforeEach(() => {
    sdk = registerTestSdk();
    warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    warn.mockRestore();
    jest.useRealTimers();
    await sdk.shutdown();
  });

  test('the default margin is 1000 ms, as in the Python twin', () => {
    expect(DEFAULT_DEADLINE_MARGIN_MS).toBe(1000);
  });

  test('real time: margin 1000 ms, 1500 ms left, a record that never settles: resolved after ~500 ms with it and the rest reported', async () => {
    const started: string[] = [];
    const begin = Date.now();
    const result = await processSqsBatch({ Records: [record(1), record(2), record(3)] }, (r) => {
      started.push(r.messageId);
      return r.messageId === 'm-2' ? NEVER : undefined;
    }, { context: contextWithin(1500), deadlineMarginMs: 1000 });
    const elapsed = Date.now() - begin;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(1000);
    expect(started).toEqual(['m-1', 'm-2']);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }, { itemIdentifier: 'm-3' }] });
    const spans = sdk.exporter.getFinishedSpans();
    expect(spans.map((s) => [s.attributes['messaging.message.id'], s.status])).toEqual([
      ['m-1', { code: SpanStatusCode.UNSET }],
      ['m-2', { code: SpanStatusCode.ERROR, message: 'deadline' }],
    ]);
    expect(warn.mock.calls).toEqual([['cdk-serverless-tracing: 1000 ms left: unfinished records reported failed']]);
  });

  test('fake timers: the batch resolves exactly at remaining - margin, not a tick later, whatever the handler does', async () => {
    jest.useFakeTimers();
    let settled: unknown;
    const batch = processSqsBatch({ Records: [record(1), record(2)] }, () => NEVER, { context: contextWithin(60_000) })
      .then((result) => { settled = result; });
    await jest.advanceTimersByTimeAsync(58_999);
    expect(settled).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    await batch;
    expect(settled).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }] });
  });

  test('fake timers: records finished before the deadline are not reported; the one running is, and the rest are not started', async () => {
    jest.useFakeTimers();
    const started: string[] = [];
    const batch = processSqsBatch({ Records: [record(1), record(2), record(3), record(4)] }, async (r) => {
      started.push(r.messageId);
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }, { context: contextWithin(8_000), deadlineMarginMs: 500 });
    await jest.advanceTimersByTimeAsync(7_500);
    expect(await batch).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-3' }, { itemIdentifier: 'm-4' }] });
    expect(started).toEqual(['m-1', 'm-2', 'm-3']);
  });

  test('FIFO and the deadline: an abandoned record\'s group is not resumed, nor any other record started', async () => {
    jest.useFakeTimers();
    const fifo = (id: number, group: string) => record(id, { attributes: { ...record(id).attributes, MessageGroupId: group } });
    const started: string[] = [];
    const batch = processSqsBatch({ Records: [fifo(1, 'a'), fifo(2, 'b'), fifo(3, 'a'), fifo(4, 'c')] }, (r) => {
      started.push(r.messageId);
      return r.messageId === 'm-2' ? NEVER : undefined;
    }, { context: contextWithin(5_000) });
    await jest.advanceTimersByTimeAsync(4_000);
    expect(await batch).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }, { itemIdentifier: 'm-3' }, { itemIdentifier: 'm-4' }] });
    expect(started).toEqual(['m-1', 'm-2']);
  });

  test('an abandoned handler that fails later changes nothing and is no unhandled rejection', async () => {
    jest.useFakeTimers();
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const batch = processSqsBatch({ Records: [record(1)] }, () => new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 10_000)), {
        context: contextWithin(3_000),
      });
      await jest.advanceTimersByTimeAsync(2_000);
      expect(await batch).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
      await jest.advanceTimersByTimeAsync(10_000);
      expect(unhandled).not.toHaveBeenCalled();
      const [span] = sdk.exporter.getFinishedSpans();
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'deadline' });
      expect(span.events).toEqual([]);
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  test('under the margin from the start: nothing is started, everything reported, one warning', async () => {
    const result = await processSqsBatch({ Records: [record(1), record(2)] }, () => { throw new Error('started'); }, {
      context: { getRemainingTimeInMillis: () => 999 },
    });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }, { itemIdentifier: 'm-2' }] });
    expect(sdk.exporter.getFinishedSpans()).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  test('exactly the margin left: records are started (stopping is for below the margin)', async () => {
    const result = await processSqsBatch({ Records: [record(1)] }, () => undefined, { context: { getRemainingTimeInMillis: () => 1000 } });
    expect(result).toEqual({ batchItemFailures: [] });
  });

  test.each<[string, unknown]>([
    ['no getRemainingTimeInMillis', {}],
    ['a clock that gives no number', { getRemainingTimeInMillis: () => 'soon' }],
    ['a clock that gives NaN', { getRemainingTimeInMillis: () => NaN }],
  ])('a context with %s sets no deadline', async (_name, context) => {
    const result = await processSqsBatch({ Records: [record(1), record(2)] }, () => undefined, { context: context as never });
    expect(result).toEqual({ batchItemFailures: [] });
  });

  test.each([-1, NaN, 'soon'])('deadlineMarginMs %p is a programming error: the call rejects', async (deadlineMarginMs) => {
    await expect(processSqsBatch({ Records: [record(1)] }, () => undefined, { deadlineMarginMs: deadlineMarginMs as number }))
      .rejects.toThrow(RangeError);
  });

  test('a custom margin', async () => {
    jest.useFakeTimers();
    const batch = processSqsBatch({ Records: [record(1)] }, () => NEVER, { context: contextWithin(10_000), deadlineMarginMs: 7_000 });
    await jest.advanceTimersByTimeAsync(3_000);
    expect(await batch).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
  });
});

describe('processSqsBatch without a tracer provider, against the deadline', () => {
  afterEach(() => jest.useRealTimers());

  test('a batch finished in time leaves no timer behind and warns nothing (the SDK has timers of its own: not here)', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      jest.useFakeTimers();
      const result = await processSqsBatch({ Records: [record(1), record(2)] }, async () => undefined, { context: contextWithin(900_000) });
      expect(result).toEqual({ batchItemFailures: [] });
      expect(jest.getTimerCount()).toBe(0);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  test('an abandoned record leaves no timer behind either', async () => {
    jest.useFakeTimers();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const batch = processSqsBatch({ Records: [record(1)] }, () => NEVER, { context: contextWithin(2_000) });
      await jest.advanceTimersByTimeAsync(1_000);
      expect(await batch).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('processSqsBatch with records of any shape the type allows', () => {
  test('a minimal record (SqsRecordLike) is processed', async () => {
    const records: SqsRecordLike[] = [{ messageId: '1' }, {}];
    expect(await processSqsBatch({ Records: records }, () => undefined)).toEqual({ batchItemFailures: [] });
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
