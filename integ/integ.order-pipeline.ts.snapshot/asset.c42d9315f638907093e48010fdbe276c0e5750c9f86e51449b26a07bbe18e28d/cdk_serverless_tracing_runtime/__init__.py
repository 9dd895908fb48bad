"""Trace context across SQS, SNS and EventBridge, inside Python Lambda handlers.

The Python twin of the Node module ``cdk-serverless-tracing/runtime``: the same W3C Trace Context Level 2
and X-Ray header codecs, carriers and batch processing, with the same outputs for the same inputs
(shared test vectors keep them so). No required dependency; ``opentelemetry-api`` is used when it is
importable, for spans.
"""

from .annotations import MAX_ANNOTATIONS, XRAY_ANNOTATIONS_ATTRIBUTE, add_metadata, annotate, annotate_invocation
from .batch import (
    DEFAULT_DEADLINE_MARGIN_MS,
    DEFAULT_TRACER_NAME,
    SqsRecordScope,
    process_sqs_batch,
)
from .current_context import current_trace_context
from .eventbridge import (
    DEFAULT_EVENTBRIDGE_KEY,
    MAX_EVENTBRIDGE_ENTRY_BYTES,
    eventbridge_event_context,
    inject_eventbridge_entry,
)
from .sns import inject_sns_message, sns_record_context
from .sqs import MAX_MESSAGE_ATTRIBUTES, MAX_MESSAGE_BYTES, inject_sqs_message, sqs_record_context
from .trace_context import (
    HeaderValue,
    TraceContext,
    format_traceparent,
    parse_traceparent,
    parse_tracestate,
)
from .trace_token import (
    MAX_BUSINESS_KEY_BYTES,
    MAX_TRACE_TOKEN_LENGTH,
    REFUSALS,
    TRACE_TOKEN_VERSION,
    TraceTokenContents,
    create_trace_token,
    linked_span,
    read_trace_token,
    start_linked_span,
)
from .xray_header import (
    format_xray_header,
    lambda_trace_header,
    parse_xray_header,
    traceparent_to_xray,
    xray_to_traceparent,
)

__version__ = "0.1.0"

__all__ = [
    "MAX_ANNOTATIONS",
    "MAX_BUSINESS_KEY_BYTES",
    "MAX_TRACE_TOKEN_LENGTH",
    "REFUSALS",
    "TRACE_TOKEN_VERSION",
    "TraceTokenContents",
    "XRAY_ANNOTATIONS_ATTRIBUTE",
    "add_metadata",
    "annotate",
    "annotate_invocation",
    "create_trace_token",
    "linked_span",
    "read_trace_token",
    "start_linked_span",
    "DEFAULT_DEADLINE_MARGIN_MS",
    "DEFAULT_EVENTBRIDGE_KEY",
    "DEFAULT_TRACER_NAME",
    "MAX_EVENTBRIDGE_ENTRY_BYTES",
    "MAX_MESSAGE_ATTRIBUTES",
    "MAX_MESSAGE_BYTES",
    "HeaderValue",
    "SqsRecordScope",
    "TraceContext",
    "current_trace_context",
    "eventbridge_event_context",
    "format_traceparent",
    "format_xray_header",
    "inject_eventbridge_entry",
    "inject_sns_message",
    "inject_sqs_message",
    "lambda_trace_header",
    "parse_traceparent",
    "parse_tracestate",
    "parse_xray_header",
    "process_sqs_batch",
    "sns_record_context",
    "sqs_record_context",
    "traceparent_to_xray",
    "xray_to_traceparent",
]
