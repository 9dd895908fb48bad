import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { SendMessageBatchRequestEntry, SendMessageCommandInput } from '@aws-sdk/client-sqs';
import { context, trace } from '@opentelemetry/api';
import { registerTestSdk } from './otel-sdk';
import {
  currentTraceContext, eventBridgeEventContext, injectEventBridgeEntry, injectSnsMessage, injectSqsMessage,
  MAX_EVENTBRIDGE_ENTRY_BYTES, parseXrayHeader, snsRecordContext, sqsRecordContext,
} from '../../src/runtime';

const TRACE = '5759e988bd862e3fe1be46a994272793';
const SPAN = '53995c3f42cd8ad8';
const XRAY = `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${SPAN};Sampled=1;Lineage=a87bd80c:1`;
const CONTEXT = { traceId: TRACE, parentId: SPAN, sampled: true, lineage: 'a87bd80c:1', traceState: 'rojo=1' };

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

  test('keeps the entry under the PutEvents size limit: TraceHeader only when the carrier does not fit', async () => {
    const sdk = registerTestSdk();
    try {
      const padding = 'x'.repeat(MAX_EVENTBRIDGE_ENTRY_BYTES - 80);
      const entry: PutEventsRequestEntry = { Source: 'payments', DetailType: 'Big', Detail: JSON.stringify({ padding }) };
      const before = entry.Detail;
      injectEventBridgeEntry(entry, CONTEXT);
      expect(entry.Detail).toBe(before);
      expect(entry.TraceHeader).toBe(XRAY);
      expect(sdk.warnings).toEqual(['cdk-serverless-tracing: EventBridge entry too large for W3C context: TraceHeader only']);
    } finally {
      await sdk.shutdown();
    }
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
