"""SQS: trace context into ``send_message`` kwargs, and back out of Lambda SQS event records."""

from collections.abc import Mapping, MutableMapping
from typing import Any, Optional, TypeVar

from . import _js
from ._otel import warn, warn_once
from .current_context import current_trace_context
from .eventbridge import eventbridge_event_context
from .trace_context import TraceContext, format_traceparent, parse_traceparent, sendable_tracestate
from .xray_header import format_xray_header, parse_xray_header

#: SQS and SNS take at most 10 message attributes (SNS raw delivery to SQS discards messages with more).
MAX_MESSAGE_ATTRIBUTES = 10
#: The message size SQS and SNS accept by default, 256 KiB: the body plus every message attribute's name, type
#: and value ("All parts of the message attribute, including Name, Type, and Value, are part of the message
#: size restriction": https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_MessageAttributeValue.html,
#: https://docs.aws.amazon.com/sns/latest/api/API_MessageAttributeValue.html). SQS system attributes, so
#: ``AWSTraceHeader``, do not count ("The size of a message system attribute doesn't count towards the total
#: size of a message": https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
#: Queues and topics can be configured up to 1 MiB; past 256 KiB, messages go without the W3C attributes.
MAX_MESSAGE_BYTES = 262_144
#: ``traceparent`` and ``tracestate`` attributes as SQS and SNS count them: name, ``String`` and the value.
_TRACEPARENT_ATTRIBUTE_BYTES = len("traceparent") + len("String")
_TRACESTATE_ATTRIBUTE_BYTES = len("tracestate") + len("String")

M = TypeVar("M", bound=MutableMapping)


def inject_sqs_message(message: M, context: Optional[Any] = None) -> M:
    """Adds trace context to boto3 ``send_message`` kwargs or a ``send_message_batch`` entry, in place.

    The X-Ray header (with ``Lineage``) goes in ``MessageSystemAttributes["AWSTraceHeader"]``, which
    counts against no quota, and W3C ``traceparent``/``tracestate`` in ``MessageAttributes`` when they fit
    in SQS's 10 attributes and 256 KiB. It never removes or replaces what the caller set; when the W3C
    attributes do not fit, the message goes with the system attribute alone, and a warning is logged (once
    per process for the size).

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
    inject_w3c_attributes(message, context, "SQS", message.get("MessageBody"))
    return message


def inject_w3c_attributes(message: MutableMapping, context: Any, carrier: str, body: Any) -> None:
    """Adds W3C attributes to ``message["MessageAttributes"]`` when they fit in the count and the size; shared
    by SQS and SNS. ``body`` is the message body the service counts with the attributes.
    """
    traceparent = format_traceparent(context)
    if traceparent is None:
        return
    attributes = message.get("MessageAttributes")
    if attributes is not None and not isinstance(attributes, MutableMapping):
        return
    if attributes is not None and "traceparent" in attributes:
        return
    # A tracestate the caller set stays, and takes no second slot.
    trace_state = sendable_tracestate(context) if attributes is None or "tracestate" not in attributes else None
    count = 0 if attributes is None else len(attributes)
    if count + (2 if trace_state else 1) > MAX_MESSAGE_ATTRIBUTES:
        warn(f"{carrier} message has {count} attributes: no room for W3C context")
        return
    added = _TRACEPARENT_ATTRIBUTE_BYTES + len(traceparent) + (_TRACESTATE_ATTRIBUTE_BYTES + len(trace_state) if trace_state else 0)
    # Measured exactly only when an upper bound (4 UTF-8 bytes per code point) does not settle it.
    if _message_bytes(body, attributes, False) + added > MAX_MESSAGE_BYTES and _message_bytes(body, attributes, True) + added > MAX_MESSAGE_BYTES:
        warn_once(f"{carrier} message would exceed {MAX_MESSAGE_BYTES} bytes with W3C context: sent without it")
        return
    if attributes is None:
        attributes = message["MessageAttributes"] = {}
    attributes["traceparent"] = {"DataType": "String", "StringValue": traceparent}
    if trace_state:
        attributes["tracestate"] = {"DataType": "String", "StringValue": trace_state}


def _message_bytes(body: Any, attributes: Optional[Mapping], exact: bool) -> int:
    """A message's size as SQS and SNS count it (or an upper bound of it): body, attribute names, types and values."""
    size = _bytes(body, exact)
    for name, attribute in (attributes or {}).items():
        size += _bytes(name, exact)
        if isinstance(attribute, Mapping):
            size += sum(_bytes(attribute.get(part), exact) for part in ("DataType", "StringValue", "BinaryValue"))
    return size


def _bytes(value: Any, exact: bool) -> int:
    """UTF-8 bytes of a string (or at most 4 per code point, when not ``exact``); a binary value's length."""
    if isinstance(value, str):
        return _js.utf8_length(value) if exact else 4 * len(value)
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, memoryview):
        return value.nbytes
    return 0


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
