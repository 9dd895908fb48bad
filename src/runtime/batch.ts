import type { Link, Span, SpanContext } from '@opentelemetry/api';
import { openTelemetryApi } from './otel';
import { SqsRecordLike, sqsRecordContext } from './sqs';
import { TraceContext } from './trace-context';

/** Options of `processSqsBatch`. */
export interface SqsBatchOptions {
  /**
   * How each record's span relates to its producer: `link` (a span link, as OpenTelemetry's messaging
   * conventions recommend for batches) or `parent` (the span joins the producer's trace).
   * @default 'link'
   */
  readonly producerRelation?: 'link' | 'parent';
  /**
   * The key of the W3C carrier inside EventBridge events delivered through SQS.
   * @default '_trace'
   */
  readonly eventBridgeKey?: string;
  /**
   * The tracer name spans are created with.
   * @default 'cdk-serverless-tracing'
   */
  readonly tracerName?: string;
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
 * linked to, or parented on, the record's producer. A record whose handler throws is reported in
 * `batchItemFailures` and the others carry on; on a FIFO queue, every later record of a failed record's
 * message group is reported failed without being processed, so the group keeps its order. Records with
 * malformed or missing trace context are processed in a new trace. Without `@opentelemetry/api`, records
 * are processed the same way, without spans.
 */
export async function processSqsBatch<R extends SqsRecordLike>(
  event: { readonly Records?: readonly R[] },
  recordHandler: (record: R, scope: SqsRecordScope) => unknown,
  options: SqsBatchOptions = {},
): Promise<SqsBatchResponse> {
  const otel = openTelemetryApi();
  const tracer = otel?.trace.getTracer(options.tracerName ?? 'cdk-serverless-tracing');
  const batchItemFailures: { itemIdentifier: string }[] = [];
  let failedGroups: Set<string> | undefined;
  for (const record of event.Records ?? []) {
    const group = record.attributes?.MessageGroupId;
    if (group !== undefined && failedGroups?.has(group)) {
      batchItemFailures.push({ itemIdentifier: String(record.messageId) });
      continue;
    }
    const producer = sqsRecordContext(record, options.eventBridgeKey);
    const scope: SqsRecordScope = producer ? { producer } : {};
    try {
      if (otel && tracer) {
        const remote = producer?.parentId ? remoteSpanContext(producer) : undefined;
        const parentMode = options.producerRelation === 'parent' && remote !== undefined;
        const parent = parentMode ? otel.trace.setSpanContext(otel.context.active(), remote) : otel.context.active();
        const links: Link[] = !parentMode && remote ? [{ context: remote }] : [];
        const queue = queueName(record);
        const span = tracer.startSpan(`${queue} process`, { kind: otel.SpanKind.CONSUMER, attributes: messagingAttributes(record, queue), links }, parent);
        try {
          await otel.context.with(otel.trace.setSpan(parent, span), () => recordHandler(record, scope));
        } catch (error) {
          fail(span, error);
          throw error;
        } finally {
          span.end();
        }
      } else {
        await recordHandler(record, scope);
      }
    } catch {
      batchItemFailures.push({ itemIdentifier: String(record.messageId) });
      if (group !== undefined) (failedGroups ??= new Set()).add(group);
    }
  }
  return { batchItemFailures };
}

function remoteSpanContext(producer: TraceContext): SpanContext {
  const otel = openTelemetryApi()!;
  const traceFlags = producer.traceFlags ?? (producer.sampled ? 1 : 0);
  const spanContext: SpanContext = { traceId: producer.traceId, spanId: producer.parentId!, traceFlags, isRemote: true };
  if (producer.traceState) spanContext.traceState = otel.createTraceState(producer.traceState);
  return spanContext;
}

function fail(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.recordException(error instanceof Error ? error : message);
  span.setStatus({ code: openTelemetryApi()!.SpanStatusCode.ERROR, message });
}

function queueName(record: SqsRecordLike): string {
  const arn = record.eventSourceARN ?? '';
  return arn.slice(arn.lastIndexOf(':') + 1) || 'unknown';
}

function messagingAttributes(record: SqsRecordLike, queue: string): Record<string, string> {
  const attributes: Record<string, string> = {
    'messaging.system': 'aws_sqs',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': queue,
  };
  if (record.messageId !== undefined) attributes['messaging.message.id'] = record.messageId;
  const group = record.attributes?.MessageGroupId;
  if (group !== undefined) attributes['messaging.message.conversation_id'] = group;
  return attributes;
}
