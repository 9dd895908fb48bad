"""Trace tokens: a third party's webhook links back to the trace that called it, byte for byte as the Node
runtime's ``trace-token.ts`` does (the shared vectors in test/vectors/trace-token.json keep them so).

Layout, then base64url without padding: ``version(1) trace-id(16) span-id(8) flags(1) [key-length(1)
key(UTF-8)] [tag(16)]``; flags bit 0 sampled, bit 1 a business key follows, bit 2 a tag ends the token; the
tag is the first 16 bytes of HMAC-SHA256(secret, DOMAIN + everything before it).
"""

import base64
import binascii
import contextlib
import hashlib
import hmac
import math
import re
from typing import Any, Callable, Iterator, NamedTuple, Optional, TypeVar, Union

from ._awaitable import run_to_completion
from ._otel import fail_span, opentelemetry_api, warn, warn_once
from .annotations import annotate
from .batch import DEFAULT_TRACER_NAME
from .current_context import current_trace_context
from .trace_context import field, valid_ids

#: The first byte of every token.
TRACE_TOKEN_VERSION = 1
#: The longest business key a token carries, in UTF-8 bytes.
MAX_BUSINESS_KEY_BYTES = 128
#: The longest token: version, ids, flags, the longest key and a tag, in base64url.
MAX_TRACE_TOKEN_LENGTH = math.ceil((26 + 1 + MAX_BUSINESS_KEY_BYTES + 16) * 4 / 3)

_HEADER = 26
_TAG = 16
_SAMPLED = 1
_KEYED = 2
_TAGGED = 4
#: Separates this MAC from any other use of the same secret.
_DOMAIN = b"cdk-serverless-tracing trace token\n"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")

#: A token secret: a non-empty string (UTF-8) or bytes.
TraceTokenSecret = Union[str, bytes, bytearray, memoryview]
#: Why ``read_trace_token`` refused a token.
REFUSALS = ("malformed", "oversized", "version", "unsigned", "forged", "secret")

T = TypeVar("T")


class TraceTokenContents(NamedTuple):
    """What a token carries."""

    #: The trace the token was created in: 32 lowercase hex characters.
    trace_id: str
    #: The span the token was created in: 16 lowercase hex characters.
    span_id: str
    #: Whether that span was sampled.
    sampled: bool
    #: The business key (an order id, say) the creator put in, if any.
    business_key: Optional[str] = None


def create_trace_token(context: Any = None, *, secret: Optional[TraceTokenSecret] = None,
                       business_key: Optional[str] = None) -> Optional[str]:
    """A compact, URL-safe token (at most 228 characters) carrying the current position in the trace, for a
    third party's metadata or callback URL, so its webhook can link back with :func:`start_linked_span`.

    ``context`` (a TraceContext, a mapping or an object with its fields) defaults to the current span, else
    the Lambda invocation's header; None when there is no context with a trace id and span id. With
    ``secret``, the token ends with a 16-byte HMAC-SHA256 tag; without, anyone can forge a token, which only
    ever creates a misleading span link. ``business_key`` (at most 128 UTF-8 bytes) is readable by whoever
    holds the token, never a secret; an unusable one is left out with a warning. Raises ``TypeError`` only
    for a programmer error: a ``secret`` that is given but empty or neither a string nor bytes.
    """
    key = None if secret is None else _secret_bytes(secret)
    if key is None and secret is not None:
        raise TypeError("create_trace_token: secret must be a non-empty str or bytes")
    ctx = context if context is not None else current_trace_context()
    trace_id, span_id = field(ctx, "trace_id"), field(ctx, "parent_id")
    if ctx is None or not valid_ids(trace_id, span_id, True):
        return None
    sampled = field(ctx, "sampled")
    if sampled is None:
        flags = field(ctx, "trace_flags")
        sampled = isinstance(flags, int) and flags & 1 == 1
    business = _business_key_bytes(business_key)
    flags = (_SAMPLED if sampled else 0) | (_KEYED if business else 0) | (_TAGGED if key else 0)
    body = bytes([TRACE_TOKEN_VERSION]) + bytes.fromhex(trace_id + span_id) + bytes([flags])
    if business:
        body += bytes([len(business)]) + business
    if key:
        body += _tag(key, body)
    return base64.urlsafe_b64encode(body).rstrip(b"=").decode("ascii")


def read_trace_token(token: Any, *, secret: Optional[TraceTokenSecret] = None,
                     on_refused: Optional[Callable[[str], None]] = None) -> Optional[TraceTokenContents]:
    """What a token carries, or None when it is refused (``on_refused`` is told why, one of
    :data:`REFUSALS`): malformed (not canonical base64url, bad length, unknown flags, all-zero ids, a key that
    is not UTF-8), oversized, another version, and with a ``secret``, without a tag (``unsigned``) or with a
    wrong one (``forged``, compared in constant time); a ``secret`` that is given but empty refuses every
    token (``secret``). Never raises on the token.
    """
    result = _decode(token, secret)
    if isinstance(result, str):
        if on_refused is not None:
            on_refused(result)
        return None
    return result


def _warn_refused(reason: str) -> None:
    warn(f"trace token refused ({reason}): no link")


@contextlib.contextmanager
def linked_span(name: str, token: Optional[str], *, secret: Optional[TraceTokenSecret] = None,
                annotate_key: str = "businessKey", kind: str = "consumer",
                tracer_name: str = DEFAULT_TRACER_NAME) -> Iterator[Optional[TraceTokenContents]]:
    """The context manager behind :func:`start_linked_span`, for code that is easier to write in a ``with``
    block (including inside ``async def``): yields what the token carried, or None.
    """
    linked = read_trace_token(token, secret=secret, on_refused=_warn_refused) if token else None
    otel = opentelemetry_api()
    if otel is None:
        yield linked
        return
    links = []
    if linked is not None:
        remote = otel.SpanContext(trace_id=int(linked.trace_id, 16), span_id=int(linked.span_id, 16), is_remote=True,
                                  trace_flags=otel.TraceFlags(1 if linked.sampled else 0))
        links.append(otel.Link(remote))
    parent = otel.context.get_current()
    span_kind = otel.SpanKind.SERVER if kind == "server" else otel.SpanKind.CONSUMER
    span = otel.trace.get_tracer(tracer_name or DEFAULT_TRACER_NAME).start_span(
        name, context=parent, kind=span_kind, links=links)
    if linked is not None and linked.business_key is not None:
        annotate({annotate_key or "businessKey": linked.business_key}, span)
    attached = otel.context.attach(otel.trace.set_span_in_context(span, parent))
    try:
        yield linked
    except BaseException as error:
        fail_span(otel, span, error)
        raise
    finally:
        otel.context.detach(attached)
        span.end()


def start_linked_span(name: str, token: Optional[str], fn: Callable[[Optional[TraceTokenContents]], T], *,
                      secret: Optional[TraceTokenSecret] = None, annotate_key: str = "businessKey",
                      kind: str = "consumer", tracer_name: str = DEFAULT_TRACER_NAME) -> T:
    """Runs ``fn(linked)`` in a new span (CONSUMER, or SERVER with ``kind="server"``) linked to the span the
    token was created in: a span link, not a parent, so the webhook's work stays in its own trace (the current
    invocation's, if any). The token's business key is annotated under ``annotate_key`` (match the
    producer's :func:`annotate` key) so both traces can be found by it. A missing or refused token (a warning
    says why) just means no link. An exception marks the span as an error and is passed on; an awaitable
    result is run to completion (``asyncio.run``; inside a running event loop, use ``with linked_span(...)``
    in the coroutine instead). Without ``opentelemetry-api``, ``fn`` runs without a span.
    """
    with linked_span(name, token, secret=secret, annotate_key=annotate_key, kind=kind, tracer_name=tracer_name) as linked:
        return run_to_completion(fn(linked), "start_linked_span cannot wait inside a running event loop: use `with linked_span(...)` there")


def _decode(token: Any, secret: Any) -> Union[TraceTokenContents, str]:
    key = None if secret is None else _secret_bytes(secret)
    if key is None and secret is not None:
        return "secret"
    if not isinstance(token, str):
        return "malformed"
    if len(token) > MAX_TRACE_TOKEN_LENGTH:
        return "oversized"
    if not _BASE64URL.fullmatch(token) or len(token) % 4 == 1:
        return "malformed"
    try:
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return "malformed"
    # Decoding ignores stray bits in the last character: only the one spelling of the bytes is accepted.
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != token:
        return "malformed"
    if data[0] != TRACE_TOKEN_VERSION:
        return "version"
    if len(data) < _HEADER:
        return "malformed"
    flags = data[_HEADER - 1]
    key_length = (data[_HEADER] if len(data) > _HEADER else 0) if flags & _KEYED else 0
    end = _HEADER + 1 + key_length if flags & _KEYED else _HEADER
    if flags > 7 or (flags & _KEYED and not 0 < key_length <= MAX_BUSINESS_KEY_BYTES) \
            or len(data) != end + (_TAG if flags & _TAGGED else 0):
        return "malformed"
    trace_id, span_id = data[1:17].hex(), data[17:_HEADER - 1].hex()
    if not valid_ids(trace_id, span_id, True):
        return "malformed"
    if key is not None:
        if not flags & _TAGGED:
            return "unsigned"
        if not hmac.compare_digest(_tag(key, data[:end]), data[end:]):
            return "forged"
    business_key = None
    if flags & _KEYED:
        try:
            business_key = data[_HEADER + 1:end].decode("utf-8")
        except UnicodeDecodeError:
            return "malformed"
    return TraceTokenContents(trace_id, span_id, flags & _SAMPLED == 1, business_key)


def _tag(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, _DOMAIN + body, hashlib.sha256).digest()[:_TAG]


def _secret_bytes(secret: Any) -> Optional[bytes]:
    """The secret's bytes; None when it is unusable (empty, not a str or bytes, lone surrogates)."""
    if isinstance(secret, str):
        data = _utf8(secret)
    elif isinstance(secret, (bytes, bytearray, memoryview)):
        data = bytes(secret)
    else:
        data = None
    return data or None


def _business_key_bytes(business_key: Any) -> Optional[bytes]:
    if business_key is None or business_key == "":
        return None
    data = _utf8(business_key) if isinstance(business_key, str) else None
    if data is not None and len(data) <= MAX_BUSINESS_KEY_BYTES:
        return data
    warn_once(f"trace token business key left out: not a well-formed string of at most {MAX_BUSINESS_KEY_BYTES} UTF-8 bytes")
    return None


def _utf8(s: str) -> Optional[bytes]:
    """UTF-8, or None for a string with lone surrogates (which the Node runtime refuses too)."""
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError:
        return None
