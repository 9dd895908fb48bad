"""``opentelemetry-api``, imported on first use and only if the function has it: the codecs work without it,
and a handler that never starts a span never pays for importing it.
"""

import logging
from types import SimpleNamespace
from typing import Any, Optional

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


def warn(message: str) -> None:
    """Reports a degraded propagation (the Node runtime says it through OpenTelemetry's ``diag``)."""
    LOGGER.warning("cdk-serverless-tracing: %s", message)
