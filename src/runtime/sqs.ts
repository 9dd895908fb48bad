import { currentTraceContext, warn } from './current-context';
import { eventBridgeEventContext } from './eventbridge';
import { formatTraceparent, parseTraceparent, TraceContext } from './trace-context';
import { formatXrayHeader, parseXrayHeader } from './xray-header';

/** SQS and SNS take at most 10 message attributes (SNS raw delivery to SQS discards messages with more). */
export const MAX_MESSAGE_ATTRIBUTES = 10;

/** A message attribute as the SQS and SNS SDKs take it. */
export interface MessageAttributeInput {
  DataType: string | undefined;
  StringValue?: string;
}

/** A `SendMessage` input or `SendMessageBatch` entry (the parts this module touches). */
export interface SqsMessageInput {
  MessageAttributes?: Record<string, MessageAttributeInput>;
  MessageSystemAttributes?: { AWSTraceHeader?: MessageAttributeInput };
}

/** A record of a Lambda SQS event (the parts this module reads). */
export interface SqsRecordLike {
  readonly messageId?: string;
  readonly body?: string;
  readonly eventSourceARN?: string;
  readonly attributes?: { readonly AWSTraceHeader?: string; readonly MessageGroupId?: string };
  readonly messageAttributes?: Record<string, { readonly stringValue?: string } | undefined>;
}

/**
 * Adds trace context to an SQS `SendMessage` input or `SendMessageBatch` entry, in place: the X-Ray
 * header (with `Lineage`) as the `AWSTraceHeader` system attribute, which counts against no quota, and
 * W3C `traceparent`/`tracestate` message attributes when they fit in SQS's 10 attributes. It never
 * removes or replaces an attribute the caller set; when the W3C attributes do not fit, the message goes
 * with the system attribute alone, and OpenTelemetry's `diag` says so.
 *
 * @param context what to propagate; by default the active span, else the Lambda invocation's header
 */
export function injectSqsMessage<T extends object>(
  input: T & SqsMessageInput,
  context: TraceContext | undefined = currentTraceContext(),
): T & SqsMessageInput {
  if (!context) return input;
  const xray = formatXrayHeader(context);
  if (xray !== undefined && input.MessageSystemAttributes?.AWSTraceHeader === undefined) {
    (input.MessageSystemAttributes ??= {}).AWSTraceHeader = { DataType: 'String', StringValue: xray };
  }
  injectW3cAttributes(input, context, 'SQS');
  return input;
}

/**
 * Adds W3C attributes to `input.MessageAttributes` when they fit; shared by SQS and SNS.
 */
export function injectW3cAttributes(
  input: { MessageAttributes?: Record<string, MessageAttributeInput> },
  context: TraceContext,
  carrier: string,
): void {
  const traceparent = formatTraceparent(context);
  if (traceparent === undefined) return;
  const attributes = input.MessageAttributes;
  if (attributes?.traceparent !== undefined) return;
  let count = 0;
  for (const key in attributes) if (attributes[key] !== undefined) count++;
  const needed = context.traceState ? 2 : 1;
  if (count + needed > MAX_MESSAGE_ATTRIBUTES) {
    warn(`${carrier} message has ${count} attributes: no room for W3C context`);
    return;
  }
  const target = attributes ?? (input.MessageAttributes = {});
  target.traceparent = { DataType: 'String', StringValue: traceparent };
  if (context.traceState && target.tracestate === undefined) target.tracestate = { DataType: 'String', StringValue: context.traceState };
}

/**
 * The producer's context of a Lambda SQS record: W3C message attributes first, then the
 * `AWSTraceHeader` system attribute, then W3C context inside the body (an SNS notification delivered
 * without raw delivery, or an EventBridge event). Undefined, never an exception, when none is usable.
 *
 * @param eventBridgeKey the key of the carrier inside an EventBridge event's `detail`
 */
export function sqsRecordContext(record: SqsRecordLike | undefined, eventBridgeKey?: string): TraceContext | undefined {
  if (!record) return undefined;
  const attributes = record.messageAttributes;
  const traceparent = attributes?.traceparent?.stringValue;
  if (traceparent !== undefined) {
    const context = parseTraceparent(traceparent, attributes?.tracestate?.stringValue);
    if (context) return context;
  }
  return parseXrayHeader(record.attributes?.AWSTraceHeader) ?? bodyContext(record.body, eventBridgeKey);
}

/** W3C context inside a JSON body; only parsed when the body mentions a traceparent at all. */
function bodyContext(body: unknown, eventBridgeKey: string | undefined): TraceContext | undefined {
  if (typeof body !== 'string' || !body.includes('traceparent')) return undefined;
  let envelope: any;
  try {
    envelope = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (envelope === null || typeof envelope !== 'object') return undefined;
  if (envelope.Type === 'Notification') {
    const attributes = envelope.MessageAttributes;
    return typeof attributes === 'object' && attributes !== null
      ? parseTraceparent(valueOf(attributes.traceparent), valueOf(attributes.tracestate))
      : undefined;
  }
  return eventBridgeEventContext(envelope, eventBridgeKey);
}

function valueOf(attribute: unknown): string | undefined {
  const value = (attribute as { Value?: unknown } | undefined)?.Value;
  return typeof value === 'string' ? value : undefined;
}
