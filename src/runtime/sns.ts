import { currentTraceContext } from './current-context';
import { injectW3cAttributes, MessageAttributeInput } from './sqs';
import { isRecord, parseTraceparent, TraceContext } from './trace-context';

/** A `Publish` input or `PublishBatch` entry (the parts this module touches or measures). */
export interface SnsMessageInput {
  Message?: string;
  MessageAttributes?: Record<string, MessageAttributeInput>;
}

/** A record of a Lambda SNS event (the part this module reads). */
export interface SnsRecordLike {
  readonly Sns?: { readonly MessageAttributes?: Record<string, { readonly Value?: string } | undefined> };
}

/**
 * Adds W3C `traceparent`/`tracestate` message attributes to an SNS `Publish` input or `PublishBatch`
 * entry, in place, when they fit in 10 attributes (raw delivery to SQS discards messages with more) and
 * 256 KiB with the message (else the message goes as built, and a warning says so once per process).
 * Caller attributes are never removed; X-Ray context travels in the SDK's own `X-Amzn-Trace-Id` header.
 *
 * @param context what to propagate; by default the active span, else the Lambda invocation's header
 */
export function injectSnsMessage<T extends object>(
  input: T & SnsMessageInput,
  context: TraceContext | undefined = currentTraceContext(),
): T & SnsMessageInput {
  if (context && isRecord(input)) injectW3cAttributes(input, context, 'SNS', input.Message);
  return input;
}

/** The producer's context of a Lambda SNS record; undefined, never an exception, when none is usable. */
export function snsRecordContext(record: SnsRecordLike | undefined): TraceContext | undefined {
  const attributes = record?.Sns?.MessageAttributes;
  return attributes ? parseTraceparent(attributes.traceparent?.Value, attributes.tracestate?.Value) : undefined;
}
