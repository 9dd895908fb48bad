import type { Link, Span, SpanContext } from '@opentelemetry/api';
import { failSpan, openTelemetryApi } from './otel';
import { SqsRecordLike, sqsRecordContext } from './sqs';
import { isRecord, TraceContext } from './trace-context';

/** Below this many milliseconds left in the invocation, no further record is started. */
export const DEFAULT_DEADLINE_MARGIN_MS = 1000;
/** The default tracer name, and what the batch's warnings and errors start with. */
const NAME = 'cdk-serverless-tracing';
/** What a record's race against the deadline gives when the deadline came first. */
const ABANDONED = {};

/**
 * Reports records skipped or reported unprocessed: `console.warn`, which Lambda writes to the function's log
 * (level WARN) whether or not OpenTelemetry's diagnostics are on, since it is about the batch's data.
 */
function warn(message: string): void {
  console.warn(`${NAME}: ${message}`);
}

/** The part of the Lambda context `processSqsBatch` reads. */
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

/** Options of `processSqsBatch`. */
export interface SqsBatchOptions {
  /**
   * How each record's span relates to its producer: `link` (a span link, as OpenTelemetry's messaging
   * conventions recommend for batches) or `parent` (the span joins the producer's trace).
   * @default 'link'
   */
  readonly producerRelation?: 'link' | 'parent';
  /**
   * The key of the W3C carrier inside EventBridge events delivered through SQS. Read as
   * `eventBridgeEventContext` reads it: own properties only, so a key no carrier can have finds nothing.
   * @default '_trace'
   */
  readonly eventBridgeKey?: string;
  /**
   * The tracer name spans are created with.
   * @default 'cdk-serverless-tracing'
   */
  readonly tracerName?: string;
  /**
   * The Lambda context. With it, no record is started once fewer than `deadlineMarginMs` remain, and a
   * record still running `deadlineMarginMs` before the deadline is abandoned: the batch resolves then,
   * reporting every record that did not finish, so SQS delivers them again instead of the whole batch.
   * @default - no deadline
   */
  readonly context?: LambdaContextLike;
  /**
   * How long before the invocation's deadline the batch stops, in milliseconds: a number >= 0 (any other
   * value rejects the call).
   * @default 1000
   */
  readonly deadlineMarginMs?: number;
}

/** What the record handler gets besides the record. */
export interface SqsRecordScope {
  /** The producer's context, when the record carried a usable one. */
  readonly producer?: TraceContext;
}

/** The Lambda partial batch response. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * Processes a Lambda SQS batch one record at a time, each in a CONSUMER span (`messaging.*` attributes)
 * linked to, or parented on, the record's producer. A record whose handler throws (anything, `Error` or
 * not) is reported in `batchItemFailures` and the others carry on; on a FIFO queue, every later record of
 * a failed or unfinished record's message group is reported failed without being processed, so the group
 * keeps its order. Records with malformed or missing trace context are processed in a new trace. Without
 * `@opentelemetry/api`, records are processed the same way, without spans.
 *
 * With `options.context`, the batch resolves `deadlineMarginMs` before the invocation's deadline at the
 * latest: records not started by then, and the one still running (its span ends with status ERROR
 * `deadline`), are reported failed. JavaScript cannot stop the abandoned handler: it may still finish
 * while SQS delivers its record again, so handlers should be idempotent, as at-least-once delivery wants.
 *
 * A malformed event never throws: entries that are not objects are skipped (they have no message id to
 * report) and a `Records` that is not an array processes nothing, each with one warning. An invalid
 * `deadlineMarginMs` rejects the call.
 */
export async function processSqsBatch<R extends SqsRecordLike>(
  event: { readonly Records?: readonly R[] } | null | undefined,
  recordHandler: (record: R, scope: SqsRecordScope) => unknown,
  options: SqsBatchOptions = {},
): Promise<SqsBatchResponse> {
  const margin = options.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS;
  if (!(margin >= 0)) throw new RangeError(`${NAME}: deadlineMarginMs ${margin}`);
  const otel = openTelemetryApi();
  const tracer = otel?.trace.getTracer(options.tracerName ?? NAME);
  const batchItemFailures: { itemIdentifier: string }[] = [];
  const records: unknown = event?.Records;
  if (!Array.isArray(records)) {
    warn('no SQS Records: nothing processed');
    return { batchItemFailures };
  }
  let failedGroups: Set<unknown> | undefined;
  let outOfTime = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let deadline: Promise<unknown> | undefined;
  if (options.context) {
    // One look at the clock, one timer: the batch stops `margin` ms before the invocation's deadline. A
    // context that cannot tell the time (no such method, or not a number) sets no deadline.
    const remaining: unknown = options.context.getRemainingTimeInMillis?.();
    const budget = typeof remaining === 'number' ? remaining - margin : NaN;
    if (budget < 0) {
      outOfTime = true;
    } else if (budget < Infinity) {
      // Lambda's remaining time (15 minutes at most) is well under setTimeout's limit of 2^31 - 1 ms.
      deadline = new Promise((resolve) => {
        timer = setTimeout(resolve, budget, ABANDONED);
      });
    }
  }
  let skipped = 0;
  for (const entry of records) {
    if (!isRecord(entry)) {
      skipped++;
      continue;
    }
    const record = entry as R;
    const group = record.attributes?.MessageGroupId;
    // Read before the handler runs, which may change the record: the failure names the message Lambda sent.
    const messageId = record.messageId;
    // Only defined groups are ever added to failedGroups.
    if (outOfTime || failedGroups?.has(group)) {
      batchItemFailures.push({ itemIdentifier: String(messageId) });
      continue;
    }
    const producer = sqsRecordContext(record, options.eventBridgeKey);
    const scope: SqsRecordScope = producer ? { producer } : {};
    let span: Span | undefined;
    let failed = false;
    try {
      let result: unknown;
      // A tracer comes from the API: otel is there.
      if (tracer) {
        const remote = producer?.parentId ? remoteSpanContext(otel!, producer) : undefined;
        const parentMode = options.producerRelation === 'parent' && remote !== undefined;
        const active = otel!.context.active();
        const parent = parentMode ? otel!.trace.setSpanContext(active, remote) : active;
        const links: Link[] = !parentMode && remote ? [{ context: remote }] : [];
        const arn = record.eventSourceARN;
        const queue = (typeof arn === 'string' ? arn.slice(arn.lastIndexOf(':') + 1) : '') || 'unknown';
        span = tracer.startSpan(`${queue} process`, { kind: 4 /* SpanKind.CONSUMER */, attributes: messagingAttributes(record, queue, group), links }, parent);
        result = otel!.context.with(otel!.trace.setSpan(parent, span), recordHandler, undefined, record, scope);
      } else {
        result = recordHandler(record, scope);
      }
      // A record still running when the deadline comes is abandoned (a promise cannot be stopped).
      if ((await (deadline ? Promise.race([result, deadline]) : result)) === ABANDONED) {
        failed = outOfTime = true;
        span?.setStatus({ code: 2 /* SpanStatusCode.ERROR */, message: 'deadline' });
      }
    } catch (error) {
      failed = true;
      if (span) failSpan(span, error);
    } finally {
      span?.end();
    }
    if (failed) {
      batchItemFailures.push({ itemIdentifier: String(messageId) });
      if (group !== undefined) (failedGroups ??= new Set()).add(group);
    }
  }
  clearTimeout(timer);
  if (outOfTime) warn(`${margin} ms left: unfinished records reported failed`);
  if (skipped) warn(`${skipped} SQS records not objects: skipped`);
  return { batchItemFailures };
}

function remoteSpanContext(otel: NonNullable<ReturnType<typeof openTelemetryApi>>, producer: TraceContext): SpanContext {
  const traceFlags = producer.traceFlags ?? (producer.sampled ? 1 : 0);
  const spanContext: SpanContext = { traceId: producer.traceId, spanId: producer.parentId!, traceFlags, isRemote: true };
  if (producer.traceState) spanContext.traceState = otel.createTraceState(producer.traceState);
  return spanContext;
}

function messagingAttributes(record: SqsRecordLike, queue: string, group: string | undefined): Record<string, string> {
  const attributes: Record<string, string> = {
    'messaging.system': 'aws_sqs',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': queue,
  };
  if (record.messageId !== undefined) attributes['messaging.message.id'] = record.messageId;
  if (group !== undefined) attributes['messaging.message.conversation_id'] = group;
  return attributes;
}
