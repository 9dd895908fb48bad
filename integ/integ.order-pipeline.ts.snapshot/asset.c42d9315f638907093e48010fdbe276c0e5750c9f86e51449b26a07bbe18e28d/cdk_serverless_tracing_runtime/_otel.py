"""``opentelemetry-api``, imported on first use and only if the function has it: the codecs work without it,
and a handler that never starts a span never pays for importing it.
"""

import logging
from types import SimpleNamespace
from typing import Any, Optional, Set

_UNSET: Any = object()
_api: Any = _UNSET

LOGGER = logging.getLogger("cdk_serverless_tracing_runtime")


def opentelemetry_api() -> Optional[SimpleNamespace]:
    """The parts of ``opentelemetry-api`` this package uses, or None when it is not installed."""
    global _api
    if _api is _UNSET:
        try:
            from opentelemetry import context, trace
            from opentelemetry.trace import (
                Link,
                NonRecordingSpan,
                SpanContext,
                SpanKind,
                TraceFlags,
                TraceState,
            )
            from opentelemetry.trace.status import Status, StatusCode
        except ImportError:
            _api = None
        else:
            _api = SimpleNamespace(
                context=context, trace=trace, Link=Link, NonRecordingSpan=NonRecordingSpan, SpanContext=SpanContext,
                SpanKind=SpanKind, TraceFlags=TraceFlags, TraceState=TraceState, Status=Status, StatusCode=StatusCode,
            )
    return _api


#: What :func:`warn_once` has already said in this process (tests clear it).
WARNED_ONCE: Set[str] = set()


def warn(message: str) -> None:
    """Reports a degraded propagation or skipped data (the Node runtime says the same through OpenTelemetry's
    ``diag``, or ``console.warn`` for the batch's records)."""
    LOGGER.warning("cdk-serverless-tracing: %s", message)


def warn_once(message: str) -> None:
    """:func:`warn`, once per process for a given message: for what would otherwise repeat on every message sent."""
    if message not in WARNED_ONCE:
        WARNED_ONCE.add(message)
        warn(message)


def error_message(error: BaseException) -> str:
    """A status message for anything raised: its text, else its type's name (as Node falls back to the name)."""
    try:
        return str(error) or type(error).__name__
    except Exception:  # a __str__ that raises
        return type(error).__name__


def fail_span(otel: SimpleNamespace, span: Any, error: BaseException) -> None:
    """Marks a span failed. Never raises, whatever was raised: the caller still ends the span and re-raises."""
    span.set_status(otel.Status(otel.StatusCode.ERROR, error_message(error)))
    try:
        span.record_exception(error)
    except Exception:  # an exception whose text cannot be read: its status says enough
        pass
