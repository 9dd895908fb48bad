"""SNS: trace context into ``publish`` kwargs, and back out of Lambda SNS event records."""

from collections.abc import MutableMapping
from typing import Any, Optional, TypeVar

from . import _js
from .current_context import current_trace_context
from .sqs import inject_w3c_attributes
from .trace_context import TraceContext, parse_traceparent

M = TypeVar("M", bound=MutableMapping)


def inject_sns_message(message: M, context: Optional[Any] = None) -> M:
    """Adds W3C ``traceparent``/``tracestate`` message attributes to boto3 ``publish`` kwargs or a
    ``publish_batch`` entry, in place, when they fit in 10 attributes (raw delivery to SQS discards
    messages with more) and 256 KiB with the message (else the message goes as built, and a warning is
    logged once per process). Caller attributes are never removed; X-Ray context travels in the SDK's own
    ``X-Amzn-Trace-Id`` header.

    :param context: what to propagate; by default (None) the active span, else the Lambda invocation's header
    :returns: ``message`` itself
    """
    if context is None:
        context = current_trace_context()
    if context is not None and isinstance(message, MutableMapping):
        inject_w3c_attributes(message, context, "SNS", message.get("Message"))
    return message


def sns_record_context(record: Any) -> Optional[TraceContext]:
    """The producer's context of a Lambda SNS record (``Sns.MessageAttributes.traceparent.Value``);
    None, never an exception, when none is usable.
    """
    attributes = _js.get(_js.get(record, "Sns"), "MessageAttributes")
    if not _js.truthy(attributes):
        return None
    traceparent = _js.get(_js.get(attributes, "traceparent"), "Value")
    tracestate = _js.get(_js.get(attributes, "tracestate"), "Value")
    return parse_traceparent(
        None if traceparent is _js.UNDEFINED else traceparent, None if tracestate is _js.UNDEFINED else tracestate)
