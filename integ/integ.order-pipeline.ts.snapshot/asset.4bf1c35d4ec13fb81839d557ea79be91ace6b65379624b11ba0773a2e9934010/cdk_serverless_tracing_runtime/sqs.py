"""SQS: trace context into ``send_message`` kwargs, and back out of Lambda SQS event records."""

from collections.abc import MutableMapping
from typing import Any, Optional, TypeVar

from . import _js
from ._otel import warn
from .current_context import current_trace_context
from .eventbridge import eventbridge_event_context
from .trace_context import TraceContext, field, format_traceparent, parse_traceparent
from .xray_header import format_xray_header, parse_xray_header

#: SQS and SNS take at most 10 message attributes (SNS raw delivery to SQS discards messages with more).
MAX_MESSAGE_ATTRIBUTES = 10

M = TypeVar("M", bound=MutableMapping)


def inject_sqs_message(message: M, context: Optional[Any] = None) -> M:
    """Adds trace context to boto3 ``send_message`` kwargs or a ``send_message_batch`` entry, in place.

    The X-Ray header (with ``Lineage``) goes in ``MessageSystemAttributes["AWSTraceHeader"]``, which
    counts against no quota, and W3C ``traceparent``/``tracestate`` in ``MessageAttributes`` when they fit
    in SQS's 10 attributes. It never removes or replaces an attribute the caller set; when the W3C
    attributes do not fit, the message goes with the system attribute alone, and a warning is logged.

    :param context: what to propagate; by default (None) the active span, else the Lambda invocation's header
    :returns: ``message`` itself, so ``sqs.send_message(**inject_sqs_message({...}))`` works
    """
    if context is None:
        context = current_trace_context()
    if context is None or not isinstance(message, MutableMapping):
        return message
    xray = format_xray_header(context)
    if xray is not None:
        system = message.get("MessageSystemAttributes")
        if system is None:
            system = message["MessageSystemAttributes"] = {}
        if isinstance(system, MutableMapping) and "AWSTraceHeader" not in system:
            system["AWSTraceHeader"] = {"DataType": "String", "StringValue": xray}
    inject_w3c_attributes(message, context, "SQS")
    return message


def inject_w3c_attributes(message: MutableMapping, context: Any, carrier: str) -> None:
    """Adds W3C attributes to ``message["MessageAttributes"]`` when they fit; shared by SQS and SNS."""
    traceparent = format_traceparent(context)
    if traceparent is None:
        return
    attributes = message.get("MessageAttributes")
    if attributes is not None and not isinstance(attributes, MutableMapping):
        return
    if attributes is not None and "traceparent" in attributes:
        return
    count = 0 if attributes is None else len(attributes)
    trace_state = field(context, "trace_state")
    needed = 2 if _js.truthy(trace_state) else 1
    if count + needed > MAX_MESSAGE_ATTRIBUTES:
        warn(f"{carrier} message has {count} attributes: no room for W3C context")
        return
    if attributes is None:
        attributes = message["MessageAttributes"] = {}
    attributes["traceparent"] = {"DataType": "String", "StringValue": traceparent}
    if _js.truthy(trace_state) and "tracestate" not in attributes:
        attributes["tracestate"] = {"DataType": "String", "StringValue": trace_state}


def sqs_record_context(record: Any, eventbridge_key: Optional[str] = None) -> Optional[TraceContext]:
    """The producer's context of a Lambda SQS record.

    W3C message attributes first (``messageAttributes.traceparent.stringValue``), then the
    ``attributes.AWSTraceHeader`` system attribute, then W3C context inside the body (an SNS notification
    delivered without raw delivery, or an EventBridge event). None, never an exception, when none is usable.

    :param eventbridge_key: the key of the carrier inside an EventBridge event's ``detail``
    """
    attributes = _js.get(record, "messageAttributes")
    traceparent = _js.get(_js.get(attributes, "traceparent"), "stringValue")
    if traceparent is not _js.UNDEFINED:
        tracestate = _js.get(_js.get(attributes, "tracestate"), "stringValue")
        context = parse_traceparent(traceparent, None if tracestate is _js.UNDEFINED else tracestate)
        if context is not None:
            return context
    xray = parse_xray_header(_js.get(_js.get(record, "attributes"), "AWSTraceHeader"))
    return xray if xray is not None else _body_context(_js.get(record, "body"), eventbridge_key)


def _body_context(body: Any, eventbridge_key: Optional[str]) -> Optional[TraceContext]:
    """W3C context inside a JSON body; only parsed when the body mentions a traceparent at all."""
    if not isinstance(body, str) or "traceparent" not in body:
        return None
    try:
        envelope = _js.parse_json(body)
    except ValueError:
        return None
    if not _js.is_object(envelope):
        return None
    if _js.get(envelope, "Type") == "Notification":
        attributes = _js.get(envelope, "MessageAttributes")
        if not _js.is_object(attributes):
            return None
        return parse_traceparent(_value_of(_js.get(attributes, "traceparent")), _value_of(_js.get(attributes, "tracestate")))
    return eventbridge_event_context(envelope, eventbridge_key)


def _value_of(attribute: Any) -> Optional[str]:
    value = _js.get(attribute, "Value")
    return value if isinstance(value, str) else None
