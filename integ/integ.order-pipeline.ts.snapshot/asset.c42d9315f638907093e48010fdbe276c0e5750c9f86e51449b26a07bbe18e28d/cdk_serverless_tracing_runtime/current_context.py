"""The context to propagate from here."""

from typing import Optional

from ._otel import opentelemetry_api
from .trace_context import TraceContext
from .xray_header import lambda_trace_header, parse_xray_header


def current_trace_context() -> Optional[TraceContext]:
    """The active OpenTelemetry span if there is a valid one (keeping the Lambda header's ``Lineage`` when
    both belong to the same trace), else the Lambda invocation's own header (``_X_AMZN_TRACE_ID``).
    """
    invocation = parse_xray_header(lambda_trace_header())
    otel = opentelemetry_api()
    if otel is None:
        return invocation
    span = otel.trace.get_current_span().get_span_context()
    if span is None or not span.is_valid:
        return invocation
    trace_id = format(span.trace_id, "032x")
    trace_state = span.trace_state.to_header() if span.trace_state else None
    flags = int(span.trace_flags)
    lineage = invocation.lineage if invocation is not None and invocation.lineage and invocation.trace_id == trace_id else None
    return TraceContext(trace_id, format(span.span_id, "016x"), flags, (flags & 1) == 1, trace_state or None, lineage)
