"""X-Ray annotations and metadata on OpenTelemetry spans, as the Node runtime's ``annotations.ts`` records them.

X-Ray indexes a span attribute as an annotation only when its key is listed in the span's
``aws.xray.annotations`` string-array attribute; every other attribute becomes metadata. "By default,
OpenTelemetry span attributes are converted to metadata in X-Ray raw data. To convert specific attributes to
annotations instead, add their keys to the ``aws.xray.annotations`` attributes list"
(https://docs.aws.amazon.com/xray/latest/devguide/xray-sdk-migration.html); the collector's X-Ray exporter
reads the same list (open-telemetry/opentelemetry-collector-contrib, internal/aws/xray/awsxray.go and
exporter/awsxrayexporter/internal/translator/segment.go). It is a list, not a key prefix.
"""

import json
import math
import os
import re
import weakref
from collections.abc import Mapping
from typing import Any, List, Sequence, Union

from ._otel import opentelemetry_api, warn_once

#: The span attribute listing which attribute keys X-Ray indexes as annotations.
XRAY_ANNOTATIONS_ATTRIBUTE = "aws.xray.annotations"
#: X-Ray indexes up to 50 annotations per trace (segment documents, "Annotations").
MAX_ANNOTATIONS = 50

#: What an X-Ray annotation holds: a string, a number or a boolean (no objects or arrays).
AnnotationValue = Union[str, int, float, bool]

# Keys: "alphanumeric in order to work with filters. Underscore is allowed" (segment documents), up to 500
# characters (X-Ray SDK annotation requirements). Dotted keys are refused: the collector's exporter may rename them.
_KEY = re.compile(r"[A-Za-z0-9_]{1,500}")
_MAX_VALUE_CHARS = 1000
_INT64 = 2 ** 63

_declared_keys: "weakref.WeakKeyDictionary[Any, List[str]]" = weakref.WeakKeyDictionary()
_first_invocation = True


def annotate(annotations: Mapping, span: Any = None) -> None:
    """Sets each ``key: value`` on the current span (or ``span``) and declares the key an X-Ray annotation in
    ``aws.xray.annotations`` (merged with the keys already declared), so traces can be filtered with
    ``annotation.orderId = "o-1"``. A key or value X-Ray would not index (key not ``[A-Za-z0-9_]{1,500}``;
    value not a string of at most 1,000 characters, a finite number (a 64-bit integer or a float) or a bool;
    a 51st annotation on the span) is skipped with a warning (once per process for the same key and reason): data never raises.
    Raises ``TypeError`` only for a programmer error: ``annotations`` not a mapping. A no-op without
    ``opentelemetry-api`` or without a current recording span.
    """
    if not isinstance(annotations, Mapping):
        raise TypeError("annotate: expected a mapping {key: value}")
    target = _recording(span)
    if target is None:
        return
    keys = _declared(target)
    before = len(keys)
    for key, value in annotations.items():
        known = key in keys
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            why = "key not [A-Za-z0-9_]{1,500}"
        elif not _is_annotation_value(value):
            why = "value not a string of up to 1,000 characters, finite number or boolean"
        elif not known and len(keys) >= MAX_ANNOTATIONS:
            why = f"over {MAX_ANNOTATIONS} annotations"
        else:
            target.set_attribute(key, value)
            if not known:
                keys.append(key)
            continue
        warn_once(f"annotation {str(key)[:100]} skipped: {why}")
    if len(keys) > before:
        target.set_attribute(XRAY_ANNOTATIONS_ATTRIBUTE, keys)
        _remember(target, keys)


def add_metadata(key: str, value: Any, span: Any = None) -> None:
    """Records ``value`` under ``key`` on the current span (or ``span``) as X-Ray metadata: an attribute not
    listed in ``aws.xray.annotations``, which X-Ray stores, unindexed, in the segment's ``default`` metadata
    namespace. Strings, numbers and booleans are kept as they are; anything else is stored as its JSON text
    (compact, non-ASCII kept, ``str()`` for what JSON has no type for). Skipped with a warning for the reserved
    ``aws.xray.annotations`` key, a key already declared an annotation on the span, or a value JSON cannot
    represent (a cycle). Raises ``TypeError`` only when ``key`` is not a string. A no-op without
    ``opentelemetry-api`` or a current recording span.
    """
    if not isinstance(key, str):
        raise TypeError("add_metadata: key must be a string")
    target = _recording(span)
    if target is None:
        return
    if not key or key == XRAY_ANNOTATIONS_ATTRIBUTE:
        why = "reserved key"
    elif key in _declared_view(target):
        why = "key is an annotation"
    else:
        # Serialized only for a key that is kept: the reasons are checked in the Node runtime's order.
        attribute = _metadata_value(value)
        if attribute is not None:
            target.set_attribute(key, attribute)
            return
        why = "value not JSON"
    warn_once(f"metadata {key[:100]} skipped: {why}")


def annotate_invocation(span: Any = None) -> None:
    """The annotations Powertools' Tracer adds and the AWS distro does not: ``ColdStart`` (true on the
    process's first call, unless Lambda initialized it for provisioned concurrency; false after; a
    ``faas.coldstart`` attribute already on the span wins) and ``Service`` (``OTEL_SERVICE_NAME``, a resource
    attribute the distro only turns into the segment name). Call it once per invocation, inside the handler.
    """
    global _first_invocation
    cold = _first_invocation and os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != "provisioned-concurrency"
    _first_invocation = False
    target = _recording(span)
    if target is None:
        return
    distro = _attributes_of(target).get("faas.coldstart")
    annotations = {"ColdStart": distro if isinstance(distro, bool) else cold}
    service = os.environ.get("OTEL_SERVICE_NAME")
    if service:
        annotations["Service"] = service
    annotate(annotations, target)


def _recording(span: Any) -> Any:
    if span is None:
        otel = opentelemetry_api()
        if otel is None:
            return None
        span = otel.trace.get_current_span()
    try:
        return span if span.is_recording() else None
    except Exception:
        return None


def _attributes_of(span: Any) -> Mapping:
    """The SDK's spans expose their attributes; other implementations may not."""
    attributes = getattr(span, "attributes", None)
    return attributes if isinstance(attributes, Mapping) else {}


def _declared_view(span: Any) -> Sequence:
    """The keys declared on the span as they are stored, by anyone when its attributes are readable, else by this
    module; not to be modified (the Node runtime's ``declared``)."""
    listed = _attributes_of(span).get(XRAY_ANNOTATIONS_ATTRIBUTE)
    if isinstance(listed, (list, tuple)):
        return listed
    try:
        return _declared_keys.get(span, ())
    except TypeError:
        return ()


def _declared(span: Any) -> List[str]:
    """The keys declared on the span, as a list of its own that :func:`annotate` extends."""
    return [key for key in _declared_view(span) if isinstance(key, str)]


def _remember(span: Any, keys: List[str]) -> None:
    try:
        _declared_keys[span] = keys
    except TypeError:
        pass


def _is_annotation_value(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    if isinstance(value, float):
        return math.isfinite(value)
    # len() counts code points, as X-Ray counts Unicode characters (and the Node runtime does).
    return isinstance(value, str) and len(value) <= _MAX_VALUE_CHARS


def _metadata_value(value: Any) -> Any:
    """The attribute for a metadata value: a scalar as it is, anything else as JSON; None when not serializable."""
    if isinstance(value, (str, bool, int, float)):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError, RecursionError):
        return None
