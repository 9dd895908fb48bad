import { currentTraceContext, warn, warnOnce } from './current-context';
import { asHeader, eventBridgeEventContext } from './eventbridge';
import { formatTraceparent, HeaderValue, isRecord, parseTraceparent, sendableTracestate, TraceContext } from './trace-context';
import { formatXrayHeader, parseXrayHeader } from './xray-header';

/** SQS and SNS take at most 10 message attributes (SNS raw delivery to SQS discards messages with more). */
export const MAX_MESSAGE_ATTRIBUTES = 10;
/**
 * The message size SQS and SNS accept by default, 256 KiB: the body plus every message attribute's name, type
 * and value ("All parts of the message attribute, including Name, Type, and Value, are part of the message
 * size restriction": https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_MessageAttributeValue.html,
 * https://docs.aws.amazon.com/sns/latest/api/API_MessageAttributeValue.html). SQS system attributes, so
 * `AWSTraceHeader`, do not count ("The size of a message system attribute doesn't count towards the total
 * size of a message": https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
 * Queues and topics can be configured up to 1 MiB; past 256 KiB, messages go without the W3C attributes.
 */
export const MAX_MESSAGE_BYTES = 262_144;
/** `traceparent` and `tracestate` attributes as SQS and SNS count them: name, `String` and the value. */
const TRACEPARENT_ATTRIBUTE_BYTES = 'traceparent'.length + 'String'.length;
const TRACESTATE_ATTRIBUTE_BYTES = 'tracestate'.length + 'String'.length;

/** A message attribute as the SQS and SNS SDKs take it. */
export interface MessageAttributeInput {
  DataType: string | undefined;
  StringValue?: string;
  BinaryValue?: Uint8Array;
}

/** A `SendMessage` input or `SendMessageBatch` entry (the parts this module touches or measures). */
export interface SqsMessageInput {
  MessageBody?: string;
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
 * W3C `traceparent`/`tracestate` message attributes when they fit in SQS's 10 attributes and 256 KiB. It
 * never removes or replaces what the caller set; when the W3C attributes do not fit, the message goes with
 * the system attribute alone, and a warning says so (once per process for the size).
 *
 * @param context what to propagate; by default the active span, else the Lambda invocation's header
 */
export function injectSqsMessage<T extends object>(
  input: T & SqsMessageInput,
  context: TraceContext | undefined = currentTraceContext(),
): T & SqsMessageInput {
  if (!context || !isRecord(input)) return input;
  const xray = formatXrayHeader(context);
  if (xray !== undefined) {
    const system = input.MessageSystemAttributes ?? (input.MessageSystemAttributes = {});
    if (isRecord(system) && system.AWSTraceHeader === undefined) system.AWSTraceHeader = { DataType: 'String', StringValue: xray };
  }
  injectW3cAttributes(input, context, 'SQS', input.MessageBody);
  return input;
}

/**
 * Adds W3C attributes to `input.MessageAttributes` when they fit in the count and the size; shared by SQS
 * and SNS. `body` is the message body the service counts with the attributes.
 */
export function injectW3cAttributes(
  input: { MessageAttributes?: Record<string, MessageAttributeInput> },
  context: TraceContext,
  carrier: string,
  body: unknown,
): void {
  const traceparent = formatTraceparent(context);
  if (traceparent === undefined) return;
  const attributes = input.MessageAttributes ?? undefined;
  if ((attributes !== undefined && !isRecord(attributes)) || attributes?.traceparent !== undefined) return;
  // A tracestate the caller set stays, and takes no second slot.
  const traceState = attributes?.tracestate === undefined ? sendableTracestate(context) : undefined;
  let count = 0;
  for (const key in attributes) if (attributes[key] !== undefined) count++;
  if (count + (traceState ? 2 : 1) > MAX_MESSAGE_ATTRIBUTES) {
    warn(`${carrier} message has ${count} attributes: no room for W3C context`);
    return;
  }
  const added = TRACEPARENT_ATTRIBUTE_BYTES + traceparent.length + (traceState ? TRACESTATE_ATTRIBUTE_BYTES + traceState.length : 0);
  // Measured exactly only when an upper bound (3 UTF-8 bytes per UTF-16 unit) does not settle it.
  if (messageBytes(body, attributes, false) + added > MAX_MESSAGE_BYTES && messageBytes(body, attributes, true) + added > MAX_MESSAGE_BYTES) {
    warnOnce(`${carrier} message would exceed ${MAX_MESSAGE_BYTES} bytes with W3C context: sent without it`);
    return;
  }
  const target = attributes ?? (input.MessageAttributes = {});
  target.traceparent = { DataType: 'String', StringValue: traceparent };
  if (traceState) target.tracestate = { DataType: 'String', StringValue: traceState };
}

/** A message's size as SQS and SNS count it (or an upper bound of it): body, attribute names, types and values. */
function messageBytes(body: unknown, attributes: Record<string, unknown> | undefined, exact: boolean): number {
  let size = bytes(body, exact);
  for (const name in attributes) {
    const attribute = attributes[name];
    if (attribute === undefined) continue;
    size += bytes(name, exact);
    if (isRecord(attribute)) size += bytes(attribute.DataType, exact) + bytes(attribute.StringValue, exact) + bytes(attribute.BinaryValue, exact);
  }
  return size;
}

/** UTF-8 bytes of a string (or at most 3 per UTF-16 unit, when not `exact`); a binary value's length. */
function bytes(value: unknown, exact: boolean): number {
  if (typeof value === 'string') return exact ? Buffer.byteLength(value) : 3 * value.length;
  return ArrayBuffer.isView(value) ? value.byteLength : 0;
}

/**
 * The producer's context of a Lambda SQS record: W3C message attributes first, then the
 * `AWSTraceHeader` system attribute, then W3C context inside the body (an SNS notification delivered
 * without raw delivery, or an EventBridge event). Undefined, never an exception, when none is usable.
 *
 * @param eventBridgeKey the key of the carrier inside an EventBridge event's `detail`
 */
export function sqsRecordContext(record: SqsRecordLike | undefined, eventBridgeKey?: string): TraceContext | undefined {
  const attributes = record?.messageAttributes;
  const traceparent = attributes?.traceparent?.stringValue;
  if (traceparent !== undefined) {
    const context = parseTraceparent(traceparent, attributes?.tracestate?.stringValue);
    if (context) return context;
  }
  return parseXrayHeader(record?.attributes?.AWSTraceHeader) ?? bodyContext(record?.body, eventBridgeKey);
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
  // A body that is JSON but no object (a string, a number, null) is no event: the EventBridge reader says so.
  if (envelope?.Type === 'Notification') {
    const attributes = envelope.MessageAttributes;
    return isRecord(attributes) ? parseTraceparent(valueOf(attributes.traceparent), valueOf(attributes.tracestate)) : undefined;
  }
  return eventBridgeEventContext(envelope, eventBridgeKey);
}

function valueOf(attribute: unknown): HeaderValue {
  return asHeader((attribute as { Value?: unknown } | undefined)?.Value);
}
