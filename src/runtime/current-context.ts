import { openTelemetryApi } from './otel';
import { TraceContext } from './trace-context';
import { lambdaTraceHeader, parseXrayHeader } from './xray-header';

/** Reports a degraded propagation through OpenTelemetry's diagnostics, when it is there. */
export function warn(message: string): void {
  openTelemetryApi()?.diag.warn(`cdk-serverless-tracing: ${message}`);
}

/** What `warnOnce` has already said in this process (the vectors' generator clears it between cases). */
export const warnedOnce = new Set<string>();

/** `warn`, once per process for a given message: for what would otherwise repeat on every message sent. */
export function warnOnce(message: string): void {
  if (warnedOnce.has(message)) return;
  warnedOnce.add(message);
  warn(message);
}

/**
 * The context to propagate from here: the active OpenTelemetry span if there is a valid one (keeping the
 * Lambda header's `Lineage` when both belong to the same trace), else the Lambda invocation's own header.
 */
export function currentTraceContext(): TraceContext | undefined {
  const invocation = parseXrayHeader(lambdaTraceHeader());
  const otel = openTelemetryApi();
  const span = otel?.trace.getActiveSpan()?.spanContext();
  if (!otel || !span || !otel.isSpanContextValid(span)) return invocation;
  const traceState = span.traceState?.serialize();
  return {
    traceId: span.traceId,
    parentId: span.spanId,
    traceFlags: span.traceFlags,
    sampled: (span.traceFlags & 1) === 1,
    ...(traceState ? { traceState } : {}),
    ...(invocation?.lineage && invocation.traceId === span.traceId ? { lineage: invocation.lineage } : {}),
  };
}
