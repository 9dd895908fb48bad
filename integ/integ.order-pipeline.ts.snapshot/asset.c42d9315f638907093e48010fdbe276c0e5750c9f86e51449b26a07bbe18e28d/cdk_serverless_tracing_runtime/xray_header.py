"""The X-Ray trace header (``X-Amzn-Trace-Id``, SQS ``AWSTraceHeader``, ``_X_AMZN_TRACE_ID``), and W3C <-> X-Ray."""

import os
import re
from typing import Any, Optional

from . import _js
from .trace_context import (
    HeaderValue,
    TraceContext,
    _tuple_new,
    field,
    format_traceparent,
    parse_traceparent,
    single_value,
    valid_ids,
)

_HEX = "0123456789abcdefABCDEF"
#: The header as AWS writes it (lowercase, this order, no whitespace, no other field): one match instead of
#: the general loop, with the same result (the vectors and the general path's tests hold both to it).
_CANONICAL = re.compile(r"Root=1-([0-9a-f]{8})-([0-9a-f]{24})(?:;Parent=([0-9a-f]{16}))?(?:;Sampled=([01?]))?(?:;Lineage=([!-:<-~]+))?")
_SAMPLED = {None: None, "?": None, "1": True, "0": False}
_OWS = " \t"


def parse_xray_header(header: HeaderValue) -> Optional[TraceContext]:
    """Parses an X-Ray trace header.

    Keys are case-insensitive and in any order, parts are trimmed, a short epoch is left-padded and
    uppercase hex is lowercased. ``Lineage`` (unless empty) and unknown fields are kept verbatim. A root-only header
    (Lambda PassThrough) gives a trace id without a parent. None, never an exception, when the header is
    unusable: no ``Root``, a root version other than 1, an id that is not hex or has the wrong length, a
    ``Sampled`` other than ``0``, ``1`` or ``?``, an empty key, or a known key (``Root``, ``Parent``,
    ``Sampled``, ``Lineage``) given twice. Unknown keys may repeat.
    """
    s = header if header.__class__ is str else single_value(header)
    if s is None:
        return None
    canonical = _CANONICAL.fullmatch(s)
    if canonical is not None:
        epoch, random, parent_id, sampled, lineage = canonical.groups()
        trace_id = epoch + random
        if trace_id == "0" * 32 or parent_id == "0" * 16:
            return None
        return _tuple_new(TraceContext, (trace_id, parent_id, None, _SAMPLED[sampled], None, lineage, None))
    return _parse_fields(s)


def _parse_fields(s: str) -> Optional[TraceContext]:
    """The general case of parse_xray_header: any order, any case, whitespace, other fields."""
    trace_id = parent_id = sampled = lineage = None
    # Joined once at the end: concatenating in the loop would be quadratic (a 1 MB header took seconds).
    extra = []
    seen = []
    for part in s.split(";"):
        part = part.strip(_OWS)
        if not part:
            continue
        eq = part.find("=")
        if eq < 0:
            return None
        key = part[:eq].rstrip(_OWS)
        if not key:
            return None
        key = key.lower()
        if key in seen:
            return None
        value = part[eq + 1:].lstrip(_OWS)
        if key == "root":
            trace_id = _parse_root(value)
            if trace_id is None:
                return None
        elif key == "parent":
            if len(value) != 16 or value.strip(_HEX) or value == "0" * 16:
                return None
            parent_id = value.lower()
        elif key == "sampled":
            if value not in ("0", "1", "?"):
                return None
            sampled = None if value == "?" else value == "1"
        elif key == "lineage":
            # An empty Lineage carries nothing and would not survive formatting: it is no Lineage.
            lineage = value or None
        else:
            extra.append(part)
            continue
        seen.append(key)
    return None if trace_id is None else TraceContext(trace_id, parent_id, None, sampled, None, lineage, ";".join(extra) or None)


def format_xray_header(context: Any) -> Optional[str]:
    """Formats an X-Ray trace header from a parsed one or a W3C context (``Sampled`` from the flags when not
    given). ``Lineage`` and the other fields are re-emitted verbatim. None when the trace id, or a given
    parent id, is malformed or all zeros.
    """
    if context.__class__ is TraceContext:
        trace_id, parent_id, flags, sampled, _, lineage, extra = context
    elif context is None:
        return None
    else:
        trace_id, parent_id = field(context, "trace_id"), field(context, "parent_id")
        flags, sampled = field(context, "trace_flags"), field(context, "sampled")
        lineage, extra = field(context, "lineage"), field(context, "extra")
    if not valid_ids(trace_id, parent_id, False):
        return None
    header = f"Root=1-{trace_id[:8]}-{trace_id[8:]}"
    if parent_id is not None:
        header += f";Parent={parent_id}"
    if sampled is None:
        if flags.__class__ is int:
            sampled = (flags & 1) == 1
        elif _js.is_number(flags):
            sampled = _js.low_bits(flags, 1) == 1
    if sampled is not None:
        header += ";Sampled=1" if (sampled if sampled.__class__ is bool else _js.truthy(sampled)) else ";Sampled=0"
    # Fields other than strings are written as JavaScript's template literals would (the vectors check it).
    if lineage.__class__ is str:
        if lineage:
            header += f";Lineage={lineage}"
    elif _js.truthy(lineage):
        header += f";Lineage={_js.to_string(lineage)}"
    if extra.__class__ is str:
        if extra:
            header += f";{extra}"
    elif _js.truthy(extra):
        header += f";{_js.to_string(extra)}"
    return header


def xray_to_traceparent(header: HeaderValue) -> Optional[str]:
    """The ``traceparent`` for an X-Ray header; None when it has no parent (W3C needs one)."""
    return format_traceparent(parse_xray_header(header))


def traceparent_to_xray(traceparent: HeaderValue) -> Optional[str]:
    """The X-Ray header for a ``traceparent``."""
    return format_xray_header(parse_traceparent(traceparent))


def lambda_trace_header() -> Optional[str]:
    """The trace header of the current Lambda invocation: ``_X_AMZN_TRACE_ID``, which the Python runtime
    sets for each invocation (each process handles one at a time, Lambda Managed Instances included).
    """
    return os.environ.get("_X_AMZN_TRACE_ID")


def _parse_root(value: str) -> Optional[str]:
    """A root to a 32-character lowercase trace id: ``1-<epoch, 1-8 hex digits>-<24 hex digits>``, any case."""
    dash = len(value) - 25
    epoch_length = dash - 2
    if epoch_length < 1 or epoch_length > 8 or value[0] != "1" or value[1] != "-" or value[dash] != "-":
        return None
    epoch, random = value[2:dash], value[dash + 1:]
    if epoch.strip(_HEX) or random.strip(_HEX) or not (epoch + random).strip("0"):
        return None
    return ("0" * (8 - epoch_length) + epoch + random).lower()
