import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { SendMessageBatchRequestEntry, SendMessageCommandInput } from '@aws-sdk/client-sqs';
import { context, trace } from '@opentelemetry/api';
import { registerTestSdk } from './otel-sdk';
import {
  currentTraceContext, eventBridgeEventContext, injectEventBridgeEntry, injectSnsMessage, injectSqsMessage,
  MAX_EVENTBRIDGE_ENTRY_BYTES, MAX_MESSAGE_BYTES, parseXrayHeader, snsRecordContext, sqsRecordContext,
} from '../../src/runtime';
import { warnedOnce } from '../../src/runtime/current-context';

const TRACE = '5759e988bd862e3fe1be46a994272793';
const SPAN = '53995c3f42cd8ad8';
const XRAY = `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${SPAN};Sampled=1;Lineage=a87bd80c:1`;
const CONTEXT = { traceId: TRACE, parentId: SPAN, sampled: true, lineage: 'a87bd80c:1', traceState: 'rojo=1' };
const W3C = `00-${TRACE}-${SPAN}-01`;
/** What CONTEXT's W3C attributes add to a message as SQS and SNS count it: names, `String` twice, values. */
const W3C_BYTES = 'traceparent'.length + 6 + W3C.length + 'tracestate'.length + 6 + 'rojo=1'.length;
const attrs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: `${i}` }]));

/** Runs `fn` with OpenTelemetry's diag warnings captured, and the once-per-process ones forgotten first. */
async function withWarnings(fn: (warnings: string[]) => void): Promise<void> {
  const sdk = registerTestSdk();
  warnedOnce.clear();
  try {
    fn(sdk.warnings);
  } finally {
    await sdk.shutdown();
  }
}

describe('SQS', () => {
  test('injects the X-Ray system attribute (with Lineage) and W3C message attributes', () => {
    const input: SendMessageCommandInput = { QueueUrl: 'q', MessageBody: 'b', MessageAttributes: { tenant: { DataType: 'String', StringValue: 't1' } } };
    expect(injectSqsMessage(input, CONTEXT)).toBe(input);
    expect(input.MessageSystemAttributes).toEqual({ AWSTraceHeader: { DataType: 'String', StringValue: XRAY } });
    expect(input.MessageAttributes).toEqual({
      tenant: { DataType: 'String', StringValue: 't1' },
      traceparent: { DataType: 'String', StringValue: `00-${TRACE}-${SPAN}-01` },
      tracestate: { DataType: 'String', StringValue: 'rojo=1' },
    });
  });

  test('works on SendMessageBatch entries', () => {
    const entry: SendMessageBatchRequestEntry = { Id: '1', MessageBody: 'b' };
    injectSqsMessage(entry, CONTEXT);
    expect(entry.MessageAttributes?.traceparent?.StringValue).toBe(`00-${TRACE}-${SPAN}-01`);
  });

  test('with 9 user attributes, only what fits is refused: the system attribute alone, and diag says so', async () => {
    const sdk = registerTestSdk();
    try {
      const attributes = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: `${i}` }]));
      const input = { MessageAttributes: { ...attributes } };
      injectSqsMessage(input, CONTEXT);
      expect(input.MessageAttributes).toEqual(attributes);
      expect((input as SendMessageCommandInput).MessageSystemAttributes?.AWSTraceHeader?.StringValue).toBe(XRAY);
      expect(sdk.warnings).toEqual(['cdk-serverless-tracing: SQS message has 9 attributes: no room for W3C context']);
      // Without tracestate, traceparent alone fits in the tenth slot.
      const fits = { MessageAttributes: { ...attributes } };
      injectSqsMessage(fits, { traceId: TRACE, parentId: SPAN, sampled: true });
      expect(Object.keys(fits.MessageAttributes)).toHaveLength(10);
    } finally {
      await sdk.shutdown();
    }
  });

  test('never replaces what the caller set', () => {
    const input = {
      MessageAttributes: { traceparent: { DataType: 'String', StringValue: 'mine' } },
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-00000001-000000000000000000000001' } },
    };
    injectSqsMessage(input, CONTEXT);
    expect(input.MessageAttributes).toEqual({ traceparent: { DataType: 'String', StringValue: 'mine' } });
    expect(input.MessageSystemAttributes.AWSTraceHeader.StringValue).toBe('Root=1-00000001-000000000000000000000001');
  });

  test('a root-only context (PassThrough) propagates X-Ray only', () => {
    const input: SendMessageCommandInput = { QueueUrl: 'q', MessageBody: 'b' };
    injectSqsMessage(input, { traceId: TRACE });
    expect(input.MessageSystemAttributes?.AWSTraceHeader?.StringValue).toBe('Root=1-5759e988-bd862e3fe1be46a994272793');
    expect(input.MessageAttributes).toBeUndefined();
  });

  test('without any context the input is untouched', () => {
    const saved = process.env._X_AMZN_TRACE_ID;
    delete process.env._X_AMZN_TRACE_ID;
    try {
      const input: SendMessageCommandInput = { QueueUrl: 'q', MessageBody: 'b' };
      expect(injectSqsMessage(input)).toEqual({ QueueUrl: 'q', MessageBody: 'b' });
    } finally {
      process.env._X_AMZN_TRACE_ID = saved;
    }
  });

  test('reads W3C attributes first, then AWSTraceHeader, then an SNS envelope in the body', () => {
    const w3c = `00-${TRACE}-${SPAN}-01`;
    expect(sqsRecordContext({ messageAttributes: { traceparent: { stringValue: w3c }, tracestate: { stringValue: 'rojo=1' } }, attributes: { AWSTraceHeader: 'Root=1-00000001-000000000000000000000001' } }))
      .toEqual({ traceId: TRACE, parentId: SPAN, traceFlags: 1, sampled: true, traceState: 'rojo=1' });
    expect(sqsRecordContext({ messageAttributes: { traceparent: { stringValue: 'garbage' } }, attributes: { AWSTraceHeader: XRAY } }))
      .toEqual(parseXrayHeader(XRAY));
    const envelope = JSON.stringify({ Type: 'Notification', Message: '{}', MessageAttributes: { traceparent: { Type: 'String', Value: w3c } } });
    expect(sqsRecordContext({ body: envelope })).toMatchObject({ traceId: TRACE, parentId: SPAN });
  });

  test('reads an EventBridge event delivered through SQS', () => {
    const body = JSON.stringify({ 'detail-type': 'PaymentCompleted', 'source': 'payments', 'detail': { _trace: { traceparent: `00-${TRACE}-${SPAN}-00` }, orderId: '1' } });
    expect(sqsRecordContext({ body })).toMatchObject({ traceId: TRACE, parentId: SPAN, sampled: false });
    expect(sqsRecordContext({ body: body.replace('_trace', 'ctx') }, 'ctx')).toMatchObject({ traceId: TRACE });
  });

  test('the caller\'s own tracestate attribute stays and takes no second slot', () => {
    const input = { MessageAttributes: { ...attrs(8), tracestate: { DataType: 'String', StringValue: 'mine=1' } } };
    injectSqsMessage(input, CONTEXT);
    expect(Object.keys(input.MessageAttributes)).toHaveLength(10);
    expect(input.MessageAttributes.tracestate.StringValue).toBe('mine=1');
    expect((input.MessageAttributes as Record<string, { StringValue?: string }>).traceparent.StringValue).toBe(W3C);
  });

  test('a tracestate is sent validated and bounded: never an invalid one, never one of 200 KB', () => {
    const invalid: SendMessageCommandInput = { QueueUrl: 'q', MessageBody: 'b' };
    injectSqsMessage(invalid, { ...CONTEXT, traceState: 'NOT VALID' });
    expect(invalid.MessageAttributes).toEqual({ traceparent: { DataType: 'String', StringValue: W3C } });
    const huge: SendMessageCommandInput = { QueueUrl: 'q', MessageBody: 'b' };
    injectSqsMessage(huge, { ...CONTEXT, traceState: `${'rojo=1,'.repeat(30_000)}congo=2` });
    const sent = huge.MessageAttributes!.tracestate.StringValue!;
    expect(sent.length).toBeLessThanOrEqual(512);
    expect(sent.split(',')).toHaveLength(32);
    const padded: SendMessageCommandInput = { QueueUrl: 'q', MessageBody: 'b' };
    injectSqsMessage(padded, { ...CONTEXT, traceState: ' rojo=1 ,, congo=2,' });
    expect(padded.MessageAttributes!.tracestate.StringValue).toBe('rojo=1,congo=2');
  });

  test('256 KiB: a message that reaches the limit exactly with W3C context gets it, UTF-8 bytes counted', async () => {
    await withWarnings((warnings) => {
      const tenant = { DataType: 'String', StringValue: 't1' };
      const body = 'é'.repeat(131_000) + 'x'.repeat(MAX_MESSAGE_BYTES - 262_000 - W3C_BYTES - ('tenant'.length + 6 + 2));
      const input: SendMessageCommandInput = { MessageBody: body, QueueUrl: 'q', MessageAttributes: { tenant } };
      injectSqsMessage(input, CONTEXT);
      expect(Object.keys(input.MessageAttributes!)).toEqual(['tenant', 'traceparent', 'tracestate']);
      expect(warnings).toEqual([]);
    });
  });

  test('256 KiB: a message the W3C attributes would take past the limit goes exactly as built, AWSTraceHeader aside, and a warning says so once per process', async () => {
    await withWarnings((warnings) => {
      for (let i = 0; i < 3; i++) {
        const body = 'x'.repeat(MAX_MESSAGE_BYTES - W3C_BYTES + 1);
        const input: SendMessageCommandInput = { QueueUrl: 'q', MessageBody: body, MessageAttributes: {} };
        injectSqsMessage(input, CONTEXT);
        // AWSTraceHeader is a system attribute: it does not count toward the size.
        expect(input).toEqual({ QueueUrl: 'q', MessageBody: body, MessageAttributes: {}, MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: XRAY } } });
      }
      expect(warnings).toEqual([`cdk-serverless-tracing: SQS message would exceed ${MAX_MESSAGE_BYTES} bytes with W3C context: sent without it`]);
    });
  });

  test('256 KiB: binary attribute values count by their length', async () => {
    await withWarnings(() => {
      const blob = { DataType: 'Binary', BinaryValue: new Uint8Array(MAX_MESSAGE_BYTES - W3C_BYTES - 'blob'.length - 'Binary'.length - 1) };
      const fits = { MessageBody: 'b', MessageAttributes: { blob } };
      injectSqsMessage(fits, CONTEXT);
      expect(Object.keys(fits.MessageAttributes)).toEqual(['blob', 'traceparent', 'tracestate']);
      const over = { MessageBody: 'bb', MessageAttributes: { blob } };
      injectSqsMessage(over, CONTEXT);
      expect(Object.keys(over.MessageAttributes)).toEqual(['blob']);
    });
  });

  test('inputs that are not what the SDK takes are left alone, never a TypeError', () => {
    expect(injectSqsMessage(null as never, CONTEXT)).toBeNull();
    const junk = { MessageSystemAttributes: 'junk', MessageAttributes: ['junk'] };
    expect(() => injectSqsMessage(junk as never, CONTEXT)).not.toThrow();
    expect(junk).toEqual({ MessageSystemAttributes: 'junk', MessageAttributes: ['junk'] });
    const numericBody = { MessageBody: 42 };
    injectSqsMessage(numericBody as never, CONTEXT);
    expect((numericBody as unknown as SendMessageCommandInput).MessageAttributes?.traceparent?.StringValue).toBe(W3C);
  });

  test('malformed carriers give no context and never throw', () => {
    expect(sqsRecordContext({ body: '{"traceparent": oops' })).toBeUndefined();
    expect(sqsRecordContext({ body: 'plain text mentioning traceparent' })).toBeUndefined();
    expect(sqsRecordContext({ messageAttributes: { traceparent: undefined }, attributes: { AWSTraceHeader: 'Root=garbage' } })).toBeUndefined();
    expect(sqsRecordContext(undefined)).toBeUndefined();
  });
});

describe('SNS', () => {
  test('injects W3C attributes into Publish inputs and reads them from SNS records', () => {
    const input: PublishCommandInput = { TopicArn: 't', Message: 'm' };
    injectSnsMessage(input, CONTEXT);
    expect(input.MessageAttributes?.traceparent).toEqual({ DataType: 'String', StringValue: `00-${TRACE}-${SPAN}-01` });
    const record = { Sns: { MessageAttributes: { traceparent: { Type: 'String', Value: input.MessageAttributes!.traceparent.StringValue! }, tracestate: { Type: 'String', Value: 'rojo=1' } } } };
    expect(snsRecordContext(record)).toMatchObject({ traceId: TRACE, parentId: SPAN, traceState: 'rojo=1' });
    expect(snsRecordContext({ Sns: {} })).toBeUndefined();
  });

  test('256 KiB counts Message and attributes: past it, the input goes as built, one warning per process', async () => {
    await withWarnings((warnings) => {
      const fits: PublishCommandInput = { TopicArn: 't', Message: 'x'.repeat(MAX_MESSAGE_BYTES - W3C_BYTES) };
      injectSnsMessage(fits, CONTEXT);
      expect(Object.keys(fits.MessageAttributes!)).toEqual(['traceparent', 'tracestate']);
      for (let i = 0; i < 2; i++) {
        const over: PublishCommandInput = { TopicArn: 't', Message: 'x'.repeat(MAX_MESSAGE_BYTES - W3C_BYTES + 1) };
        injectSnsMessage(over, CONTEXT);
        expect(over.MessageAttributes).toBeUndefined();
      }
      expect(warnings).toEqual([`cdk-serverless-tracing: SNS message would exceed ${MAX_MESSAGE_BYTES} bytes with W3C context: sent without it`]);
    });
  });

  test('the caller\'s tracestate takes no second slot; an invalid one in the context is not sent', () => {
    const input = { MessageAttributes: { ...attrs(8), tracestate: { DataType: 'String', StringValue: 'mine=1' } } };
    injectSnsMessage(input, CONTEXT);
    expect(Object.keys(input.MessageAttributes)).toHaveLength(10);
    const invalid: PublishCommandInput = { TopicArn: 't', Message: 'm' };
    injectSnsMessage(invalid, { ...CONTEXT, traceState: 'a=1,=' });
    expect(Object.keys(invalid.MessageAttributes!)).toEqual(['traceparent']);
  });
});

describe('EventBridge', () => {
  test('sets TraceHeader and splices the W3C carrier into Detail, keeping the caller\'s JSON', () => {
    const entry: PutEventsRequestEntry = { Source: 'payments', DetailType: 'PaymentCompleted', Detail: '{"orderId":"1","amount":  12}' };
    injectEventBridgeEntry(entry, CONTEXT);
    expect(entry.TraceHeader).toBe(XRAY);
    expect(entry.Detail).toBe(`{"_trace":{"traceparent":"00-${TRACE}-${SPAN}-01","tracestate":"rojo=1"},"orderId":"1","amount":  12}`);
    expect(eventBridgeEventContext({ detail: JSON.parse(entry.Detail!) })).toMatchObject({ traceId: TRACE, parentId: SPAN, traceState: 'rojo=1' });
  });

  test('an empty or missing Detail gets just the carrier; the key is configurable', () => {
    const empty: PutEventsRequestEntry = { Detail: ' { } ' };
    injectEventBridgeEntry(empty, CONTEXT, 'ctx');
    expect(JSON.parse(empty.Detail!)).toEqual({ ctx: { traceparent: `00-${TRACE}-${SPAN}-01`, tracestate: 'rojo=1' } });
    expect(eventBridgeEventContext({ detail: JSON.parse(empty.Detail!) }, 'ctx')).toMatchObject({ traceId: TRACE });
    const missing: PutEventsRequestEntry = {};
    injectEventBridgeEntry(missing, { traceId: TRACE, parentId: SPAN });
    expect(JSON.parse(missing.Detail!)).toEqual({ _trace: { traceparent: `00-${TRACE}-${SPAN}-00` } });
  });

  test('keeps the entry under the PutEvents size limit, as SQS and SNS: past it the entry goes as built, TraceHeader aside (it does not count), one warning per process', async () => {
    await withWarnings((warnings) => {
      for (let i = 0; i < 3; i++) {
        const entry: PutEventsRequestEntry = { Source: 'payments', DetailType: 'Big', Detail: JSON.stringify({ padding: 'x'.repeat(MAX_EVENTBRIDGE_ENTRY_BYTES - 80) }) };
        const before = entry.Detail;
        injectEventBridgeEntry(entry, CONTEXT);
        expect(entry.Detail).toBe(before);
        expect(entry.TraceHeader).toBe(XRAY);
      }
      expect(warnings).toEqual(['cdk-serverless-tracing: EventBridge entry too large for W3C context: TraceHeader only']);
    });
  });

  test.each<[string, unknown]>([
    ['constructor', 'constructor'],
    ['__proto__', '__proto__'],
    ['toString', 'toString'],
    ['hasOwnProperty', 'hasOwnProperty'],
    ['an empty key', ''],
    ['a key with a dot', 'trace.ctx'],
    ['a number', 42],
    ['null', null],
  ])('an invalid key (%s) is a programming error: a TypeError at the call, even without a context, the entry untouched', (_name, key) => {
    const entry: PutEventsRequestEntry = { Detail: '{"a":1}' };
    expect(() => injectEventBridgeEntry(entry, CONTEXT, key as string)).toThrow(new TypeError(`cdk-serverless-tracing: invalid EventBridge key ${JSON.stringify(key)}`));
    expect(() => injectEventBridgeEntry(entry, undefined, key as string)).toThrow(TypeError);
    expect(entry).toEqual({ Detail: '{"a":1}' });
  });

  test('a valid key that a Detail member shadows in no way: "0", and an own "hasOwnProperty" in Detail', () => {
    const zero: PutEventsRequestEntry = { Detail: '{"a":1}' };
    injectEventBridgeEntry(zero, CONTEXT, '0');
    expect(JSON.parse(zero.Detail!)[0]).toEqual({ traceparent: W3C, tracestate: 'rojo=1' });
    const shadowing: PutEventsRequestEntry = { Detail: '{"hasOwnProperty":1}' };
    injectEventBridgeEntry(shadowing, CONTEXT);
    expect(JSON.parse(shadowing.Detail!)).toEqual({ _trace: { traceparent: W3C, tracestate: 'rojo=1' }, hasOwnProperty: 1 });
  });

  test('an object Detail (not the string the SDK takes) is left as given, with a warning: no TypeError', async () => {
    await withWarnings((warnings) => {
      const detail = { orderId: '1' };
      const entry = { Source: 'payments', Detail: detail };
      expect(() => injectEventBridgeEntry(entry as never, CONTEXT)).not.toThrow();
      expect(entry).toEqual({ Source: 'payments', Detail: { orderId: '1' }, TraceHeader: XRAY });
      expect(entry.Detail).toBe(detail);
      expect(warnings).toEqual(['cdk-serverless-tracing: EventBridge Detail is not a string holding a JSON object: no W3C context']);
    });
  });

  test('entries with odd Source, DetailType or Resources are measured, never a TypeError', () => {
    for (const odd of [{ Resources: 42 }, { Resources: [null, 1] }, { Resources: 'arn' }, { Source: 5, DetailType: true }]) {
      const entry = { ...odd, Detail: '{}' };
      expect(() => injectEventBridgeEntry(entry as never, CONTEXT)).not.toThrow();
      expect(JSON.parse(entry.Detail)._trace.traceparent).toBe(W3C);
    }
    expect(injectEventBridgeEntry(null as never, CONTEXT)).toBeNull();
  });

  test('a tracestate is sent validated and bounded in the carrier too', () => {
    const entry: PutEventsRequestEntry = { Detail: '{}' };
    injectEventBridgeEntry(entry, { ...CONTEXT, traceState: Array.from({ length: 40 }, (_, i) => `k${i}=v`).join(',') });
    expect(JSON.parse(entry.Detail!)._trace.tracestate.split(',')).toHaveLength(32);
    const invalid: PutEventsRequestEntry = { Detail: '{}' };
    injectEventBridgeEntry(invalid, { ...CONTEXT, traceState: 'NOT VALID' });
    expect(JSON.parse(invalid.Detail!)).toEqual({ _trace: { traceparent: W3C } });
  });

  test('reading finds own properties only: Object.prototype names find nothing, an own "__proto__" member is a carrier', () => {
    for (const key of ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty']) {
      expect(eventBridgeEventContext({ detail: { a: 1 } }, key)).toBeUndefined();
      expect(eventBridgeEventContext({ a: 1 }, key)).toBeUndefined();
    }
    const ownProto = JSON.parse(`{"detail":{"__proto__":{"traceparent":"${W3C}"}}}`);
    expect(eventBridgeEventContext(ownProto, '__proto__')).toMatchObject({ traceId: TRACE });
    // An own member named like a method of Object.prototype does not break the reading.
    expect(eventBridgeEventContext({ detail: { hasOwnProperty: 1, _trace: { traceparent: W3C } } })).toMatchObject({ traceId: TRACE });
  });

  test('leaves a non-object Detail and a caller\'s own carrier alone', () => {
    for (const detail of ['[1,2]', 'not json', 'null', '{"_trace":{"traceparent":"mine"}}']) {
      const entry: PutEventsRequestEntry = { Detail: detail };
      injectEventBridgeEntry(entry, CONTEXT);
      expect(entry.Detail).toBe(detail);
      expect(entry.TraceHeader).toBe(XRAY);
    }
  });

  test('reads a Lambda target event and an SQS record carrying the event; malformed gives undefined', () => {
    const event = { 'detail-type': 'X', 'detail': { _trace: { traceparent: `00-${TRACE}-${SPAN}-01` } } };
    expect(eventBridgeEventContext(event)).toMatchObject({ traceId: TRACE });
    expect(eventBridgeEventContext({ eventSource: 'aws:sqs', body: JSON.stringify(event) })).toMatchObject({ traceId: TRACE });
    // A $.detail input path delivers detail alone; a template puts the carrier at the top.
    expect(eventBridgeEventContext({ orderId: '1', _trace: { traceparent: `00-${TRACE}-${SPAN}-01` } })).toMatchObject({ traceId: TRACE });
    expect(eventBridgeEventContext({ body: '{' })).toBeUndefined();
    expect(eventBridgeEventContext({ detail: { _trace: 'x' } })).toBeUndefined();
    expect(eventBridgeEventContext(null)).toBeUndefined();
  });
});

describe('currentTraceContext', () => {
  const saved = process.env._X_AMZN_TRACE_ID;
  afterEach(() => { process.env._X_AMZN_TRACE_ID = saved; });

  test('without an active span it is the Lambda invocation\'s header', () => {
    process.env._X_AMZN_TRACE_ID = XRAY;
    expect(currentTraceContext()).toEqual(parseXrayHeader(XRAY));
  });

  test('an active span wins, and keeps the invocation\'s Lineage on the same trace', async () => {
    const sdk = registerTestSdk();
    try {
      process.env._X_AMZN_TRACE_ID = XRAY;
      const remote = trace.setSpanContext(context.active(), { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true });
      const span = sdk.tracer.startSpan('work', {}, remote);
      const inside = context.with(trace.setSpan(context.active(), span), () => currentTraceContext());
      expect(inside).toEqual({ traceId: TRACE, parentId: span.spanContext().spanId, traceFlags: 1, sampled: true, lineage: 'a87bd80c:1' });
      const other = sdk.tracer.startSpan('root', { root: true });
      const foreign = context.with(trace.setSpan(context.active(), other), () => currentTraceContext());
      expect(foreign?.lineage).toBeUndefined();
      span.end();
      other.end();
    } finally {
      await sdk.shutdown();
    }
  });
});
