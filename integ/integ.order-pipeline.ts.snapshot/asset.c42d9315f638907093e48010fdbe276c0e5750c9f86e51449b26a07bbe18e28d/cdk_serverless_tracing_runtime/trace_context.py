"""W3C Trace Context Level 2: ``traceparent`` and ``tracestate``, parsed and formatted exactly as the Node runtime does."""

import re
from collections.abc import Mapping
from typing import Any, List, NamedTuple, Optional, Sequence, Union

from . import _js


class TraceContext(NamedTuple):
    """A position in a trace, as the W3C ``traceparent``/``tracestate`` and the X-Ray ``X-Amzn-Trace-Id``
    headers carry it. The parse functions return it and the format functions accept it (or any mapping
    with these keys, or any object with these attributes), so ``format(parse(header))`` round-trips.
    ``None`` is "not given" for every field.
    """

    #: 32 lowercase hex characters (an X-Ray ``Root=1-<8>-<24>`` without its dashes).
    trace_id: str
    #: The caller's span (W3C ``parent-id``, X-Ray ``Parent``): 16 lowercase hex characters.
    parent_id: Optional[str] = None
    #: W3C trace flags: bit 0 is ``sampled``, bit 1 ``random-trace-id``.
    trace_flags: Optional[int] = None
    #: Whether the caller recorded the trace; None when it left the decision open (X-Ray ``Sampled=?``).
    sampled: Optional[bool] = None
    #: The W3C ``tracestate``, members joined by commas.
    trace_state: Optional[str] = None
    #: The X-Ray ``Lineage`` field, verbatim: Lambda's recursive-loop detection reads it.
    lineage: Optional[str] = None
    #: Other X-Ray fields, verbatim (``Key=value;Key=value``).
    extra: Optional[str] = None


#: A header as carriers deliver it: one value, several values, or none.
HeaderValue = Union[str, Sequence[str], None]

#: Flags Level 2 defines (sampled, random-trace-id); others are cleared when formatting.
KNOWN_FLAGS = 0x03
#: W3C Trace Context Level 2, "tracestate Limits" (https://www.w3.org/TR/trace-context-2/#tracestate-limits):
#: at most 32 list-members; vendors SHOULD propagate at least 512 characters of the combined header, commas
#: included; when truncating, whole entries go, those longer than 128 characters first, then from the end.
MAX_TRACESTATE_MEMBERS = 32
MAX_TRACESTATE_LENGTH = 512
LONG_TRACESTATE_MEMBER = 128

_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
#: A tracestate list member (Level 2 key grammar, printable value not ending in a space).
_MEMBER = re.compile(r"[a-z0-9][a-z0-9_\-*/@]{0,255}=[ -+\--<>-~]{0,255}[!-+\--<>-~]")
_LOWER_HEX = "0123456789abcdef"
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16
_FLAGS = {f"{i:02x}": i for i in range(256)}
_OWS = " \t"
#: Builds a TraceContext without the keyword handling of its generated __new__ (parsers give every field).
_tuple_new = tuple.__new__


def field(context: Any, name: str) -> Any:
    """A field of a context: a TraceContext, a mapping with the same keys, or an object with those attributes."""
    if isinstance(context, Mapping):
        return context.get(name)
    return getattr(context, name, None)


def valid_ids(trace_id: Any, parent_id: Any, parent_required: bool) -> bool:
    """Whether the trace id is valid and, when ``parent_required`` or given, the parent id too."""
    # strip() with the hex digits leaves nothing exactly when every character is one (and is ASCII).
    if not isinstance(trace_id, str) or len(trace_id) != 32 or trace_id.strip(_LOWER_HEX) or trace_id == _ZERO_TRACE:
        return False
    if parent_id is None:
        return not parent_required
    return isinstance(parent_id, str) and len(parent_id) == 16 and not parent_id.strip(_LOWER_HEX) and parent_id != _ZERO_SPAN


def single_value(value: Any) -> Optional[str]:
    """The one value of a header; None when there is none or more than one."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    return None


def parse_traceparent(traceparent: HeaderValue, tracestate: HeaderValue = None) -> Optional[TraceContext]:
    """Parses a W3C Trace Context Level 2 ``traceparent`` (and its ``tracestate``).

    Returns None, so the caller starts a new trace, for anything the specification rejects: version
    ``ff``, trailing data on version ``00``, uppercase or non-hex characters, all-zero ids, more than one
    ``traceparent`` value. An invalid ``tracestate`` is dropped alone: the ``traceparent`` stays valid.
    Never raises.
    """
    raw = traceparent if traceparent.__class__ is str else single_value(traceparent)
    if raw is None:
        return None
    s = raw.strip(_OWS)
    n = len(s)
    if n < 55:
        return None
    match = _TRACEPARENT.match(s)
    if match is None:
        return None
    version, trace_id, parent_id, flags = match.groups()
    if version == "ff" or trace_id == _ZERO_TRACE or parent_id == _ZERO_SPAN:
        return None
    # Version 00 is exactly 55 characters; a later version may only add fields after another dash.
    if n > 55 and (version == "00" or s[55] != "-"):
        return None
    trace_flags = _FLAGS[flags]
    trace_state = None if tracestate is None else parse_tracestate(tracestate)
    return _tuple_new(TraceContext, (trace_id, parent_id, trace_flags, (trace_flags & 1) == 1, trace_state, None, None))


def parse_tracestate(value: HeaderValue) -> Optional[str]:
    """Validates a ``tracestate`` (several values are joined).

    Level 2 keys (starting with a lowercase letter or digit, ``@`` allowed), values of printable ASCII; any
    invalid member discards the whole value. Optional whitespace and empty members are always dropped, and
    the result is bounded as Level 2 says: at most 32 members and 512 characters, entries over 128
    characters removed first, then entries from the end. Duplicate keys are kept. A value that needed none
    of this is returned as given.
    """
    if isinstance(value, str):
        s = value
    elif isinstance(value, (list, tuple)):
        s = _js.to_string(value)
    else:
        return None
    normalized = []
    untouched = True
    for raw in s.split(","):
        member = raw.strip(_OWS)
        if len(member) != len(raw) or not member:
            untouched = False
        if member:
            if _MEMBER.fullmatch(member) is None:
                return None
            normalized.append(member)
    if not normalized:
        return None
    length = sum(map(len, normalized)) + len(normalized) - 1
    if len(normalized) > MAX_TRACESTATE_MEMBERS or length > MAX_TRACESTATE_LENGTH:
        return _truncate_tracestate(normalized, length)
    return s if untouched else ",".join(normalized)


def _truncate_tracestate(members: List[str], length: int) -> Optional[str]:
    """Level 2 truncation of valid members: entries over 128 characters first, right to left, then the last ones."""
    count = len(members)

    def over() -> bool:
        return count > MAX_TRACESTATE_MEMBERS or length > MAX_TRACESTATE_LENGTH

    for i in range(len(members) - 1, -1, -1):
        if not over():
            break
        if len(members[i]) > LONG_TRACESTATE_MEMBER:
            length -= len(members[i]) + 1
            count -= 1
            members[i] = ""
    members = [member for member in members if member]
    while over():
        length -= len(members.pop()) + 1
        count -= 1
    return ",".join(members) or None


def sendable_tracestate(context: Any) -> Optional[str]:
    """A context's ``trace_state`` as it may be sent: validated and bounded, as :func:`parse_tracestate` does."""
    trace_state = field(context, "trace_state")
    return parse_tracestate(trace_state) if _js.truthy(trace_state) else None


def format_traceparent(context: Any) -> Optional[str]:
    """Formats a ``traceparent``: always version ``00``, flags as two hex digits with unknown bits cleared.

    None when the trace id or parent id is missing, malformed or all zeros.
    """
    if context.__class__ is TraceContext:
        trace_id, parent_id, flags, sampled = context[0], context[1], context[2], context[3]
    elif context is None:
        return None
    else:
        trace_id, parent_id = field(context, "trace_id"), field(context, "parent_id")
        flags, sampled = field(context, "trace_flags"), field(context, "sampled")
    if not valid_ids(trace_id, parent_id, True):
        return None
    if flags.__class__ is int:
        bits = flags & KNOWN_FLAGS
    elif _js.is_number(flags):
        bits = _js.low_bits(flags, KNOWN_FLAGS)
    else:
        bits = 1 if _js.truthy(sampled) else 0
    return f"00-{trace_id}-{parent_id}-0{bits}"
