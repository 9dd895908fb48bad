"""EventBridge: trace context into ``put_events`` entries, and back out of delivered events."""

from collections.abc import MutableMapping
from typing import Any, Optional, TypeVar

from . import _js
from ._otel import warn, warn_once
from .current_context import current_trace_context
from .trace_context import TraceContext, format_traceparent, parse_traceparent, sendable_tracestate
from .xray_header import format_xray_header

#: The default key of the W3C carrier inside ``detail``.
DEFAULT_EVENTBRIDGE_KEY = "_trace"
#: PutEvents' limit on one entry's size, counted as EventBridge documents it: Time as 14 bytes, the UTF-8
#: bytes of Source, DetailType, Detail and each of Resources; ``TraceHeader`` does not count
#: (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
MAX_EVENTBRIDGE_ENTRY_BYTES = 256 * 1024

E = TypeVar("E", bound=MutableMapping)


def inject_eventbridge_entry(entry: E, context: Optional[Any] = None, key: Optional[str] = None) -> E:
    """Adds trace context to a boto3 ``put_events`` entry, in place.

    ``TraceHeader`` (X-Ray, which EventBridge passes to targets but never puts in the event) and W3C
    context inside ``Detail`` under one reserved key (``{"_trace":{"traceparent":..., "tracestate":...}}``),
    which every target receives. The caller's JSON is kept byte for byte: the carrier is spliced in front.
    The W3C carrier is skipped, with a logged warning, when ``Detail`` is not a string holding a JSON object
    (a dict ``Detail`` is left as given: boto3 takes a string), already has the key, or the entry would
    exceed the PutEvents size limit (that warning once per process).

    :param context: what to propagate; by default (None) the active span, else the Lambda invocation's header
    :param key: the reserved key inside ``detail`` (default ``_trace``): non-empty, without ``.`` (input
        paths could not address it), and not a name every JavaScript object has (``constructor``,
        ``__proto__``, ...); any other raises ValueError
    :returns: ``entry`` itself
    """
    key = DEFAULT_EVENTBRIDGE_KEY if key is None else key
    check_eventbridge_key(key)
    if context is None:
        context = current_trace_context()
    if context is None or not isinstance(entry, MutableMapping):
        return entry
    xray = format_xray_header(context)
    if xray is not None and "TraceHeader" not in entry:
        entry["TraceHeader"] = xray
    traceparent = format_traceparent(context)
    if traceparent is None:
        return entry

    detail = entry.get("Detail")
    detail = "{}" if detail is None else detail
    parsed: Any = None
    if isinstance(detail, str):
        detail = detail.strip(_js.JS_WHITESPACE)
        try:
            parsed = _js.parse_json(detail)
        except ValueError:
            parsed = None
    if not isinstance(parsed, dict):
        warn("EventBridge Detail is not a string holding a JSON object: no W3C context")
        return entry
    # A carrier the caller put there stays.
    if key in parsed:
        return entry
    trace_state = sendable_tracestate(context)
    state = f',"tracestate":{_js.json_string(trace_state)}' if trace_state else ""
    carrier = f'{_js.json_string(key)}:{{"traceparent":"{traceparent}"{state}}}'
    # Spliced in rather than re-serialized, so the caller's JSON stays byte for byte.
    with_carrier = f"{{{carrier}}}" if not parsed else f"{{{carrier},{detail[1:]}"
    if _entry_size(entry, with_carrier) > MAX_EVENTBRIDGE_ENTRY_BYTES:
        warn_once("EventBridge entry too large for W3C context: TraceHeader only")
        return entry
    entry["Detail"] = with_carrier
    return entry


def check_eventbridge_key(key: Any) -> None:
    """Raises ValueError for a carrier key that is a programming error: the carrier would be lost or unreadable."""
    if not isinstance(key, str) or not key or "." in key or key in _js.OBJECT_PROTOTYPE_KEYS:
        raise ValueError(f"cdk-serverless-tracing: invalid EventBridge key {_js.stringify(key)}")


def eventbridge_event_context(event: Any, key: Optional[str] = None) -> Optional[TraceContext]:
    """The producer's W3C context of a delivered EventBridge event.

    A Lambda target's event, or an SQS record whose body is the event; ``detail`` alone (a ``$.detail``
    input path) or a template with a top-level carrier work too. None, never an exception, when none is
    usable; a key no carrier can have (``constructor``, ...) finds nothing.

    :param key: the reserved key inside ``detail`` (default ``_trace``)
    """
    if key is None:
        key = DEFAULT_EVENTBRIDGE_KEY
    value = event
    body = _js.get(value, "body")
    if isinstance(body, str):
        try:
            value = _js.parse_json(body)
        except ValueError:
            return None
    # The whole event carries detail[key]; a target given only $.detail, or a template, carries it at the top.
    detail = _js.get(value, "detail")
    carrier = _js.get(detail, key) if _js.is_object(detail) else _js.get(value, key)
    if not _js.is_object(carrier):
        return None
    return parse_traceparent(_as_header(_js.get(carrier, "traceparent")), _as_header(_js.get(carrier, "tracestate")))


def _entry_size(entry: MutableMapping, detail: str) -> int:
    """The size EventBridge counts for an entry: Source, DetailType, Detail, Resources, and 14 bytes for Time."""
    size = _js.utf8_length(detail) + (14 if _js.truthy(entry.get("Time")) else 0)
    for name in ("Source", "DetailType"):
        value = entry.get(name)
        if _js.truthy(value):
            size += _js.utf8_length(_js.to_string(value))
    resources = entry.get("Resources")
    if isinstance(resources, str):
        size += _js.utf8_length(resources)
    elif isinstance(resources, (list, tuple)):
        size += sum(_js.utf8_length(_js.to_string(resource)) for resource in resources)
    return size


def _as_header(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None
