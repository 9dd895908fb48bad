"""``process_sqs_batch``: one record at a time, each in a CONSUMER span, with a partial batch response."""

from collections.abc import Mapping
from typing import Any, Callable, Dict, List, NamedTuple, Optional

from . import _js
from ._awaitable import run_to_completion
from ._otel import fail_span, opentelemetry_api, warn
from .sqs import sqs_record_context
from .trace_context import TraceContext

#: The tracer name spans are created with, unless told otherwise.
DEFAULT_TRACER_NAME = "cdk-serverless-tracing"
#: Below this many milliseconds left in the invocation, no further record is started.
DEFAULT_DEADLINE_MARGIN_MS = 1000


class SqsRecordScope(NamedTuple):
    """What the record handler gets besides the record."""

    #: The producer's context, when the record carried a usable one.
    producer: Optional[TraceContext] = None


def process_sqs_batch(
    event: Any,
    handler: Callable[[Dict[str, Any], SqsRecordScope], Any],
    context: Any = None,
    *,
    producer_relation: str = "link",
    eventbridge_key: Optional[str] = None,
    tracer_name: str = DEFAULT_TRACER_NAME,
    deadline_margin_ms: float = DEFAULT_DEADLINE_MARGIN_MS,
) -> Dict[str, List[Dict[str, str]]]:
    """Processes a Lambda SQS batch one record at a time, each in a CONSUMER span (``messaging.*``
    attributes) linked to, or parented on, the record's producer, and returns the partial batch response
    ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}`` (enable ``ReportBatchItemFailures``).

    A record whose handler raises is reported and the others carry on; on a FIFO queue, every later record
    of a failed record's message group is reported failed without being processed, so the group keeps its
    order. Records with malformed or missing trace context are processed in a new trace. Without
    ``opentelemetry-api``, records are processed the same way, without spans.

    With the Lambda ``context``, no record is started once fewer than ``deadline_margin_ms`` milliseconds
    remain (``context.get_remaining_time_in_millis()``, read before each record): those records are
    reported failed, so SQS delivers them again instead of the whole batch timing out. Unlike the Node
    runtime, which abandons a record still running ``deadline_margin_ms`` before the deadline and resolves,
    this function is synchronous: a running handler is never interrupted, so one that runs past the
    deadline times the invocation out, and Lambda then retries the whole batch (none of it is lost). Keep
    each record's work well under the margin.

    Never raises for a malformed event: no event, no ``Records``, ``Records`` that is not a list, or
    entries that are not objects (skipped: they have no message id to report) give what can be processed,
    with one logged warning. A handler that raises anything (an exception with no message too) fails its
    record, and its span gets status ERROR with a message. A handler returning an awaitable is run to
    completion (``asyncio.run``). A ``deadline_margin_ms`` that is not a number >= 0 raises ValueError.

    :param handler: called as ``handler(record, scope)``; ``scope.producer`` is the producer's context
    :param producer_relation: ``"link"`` (a span link, as OpenTelemetry's messaging conventions recommend
        for batches) or ``"parent"`` (the span joins the producer's trace)
    :param eventbridge_key: the key of the W3C carrier inside EventBridge events delivered through SQS
    :param tracer_name: the tracer name spans are created with
    """
    if not (_js.is_number(deadline_margin_ms) and deadline_margin_ms >= 0):
        raise ValueError(f"cdk-serverless-tracing: deadline_margin_ms {_js.to_string(deadline_margin_ms)}")
    otel = opentelemetry_api()
    tracer = otel.trace.get_tracer(tracer_name or DEFAULT_TRACER_NAME) if otel is not None else None
    failures: List[Dict[str, str]] = []
    failed_groups = set()
    out_of_time = False
    records = _js.get(event, "Records")
    if not isinstance(records, (list, tuple)):
        warn("no SQS Records: nothing processed")
        return {"batchItemFailures": failures}
    skipped = 0
    for record in records:
        if not isinstance(record, Mapping):
            skipped += 1
            continue
        # Read before the handler runs, which may change the record; the failure entry is built only on failure.
        message_id = _js.get(record, "messageId")
        group = _js.get(_js.get(record, "attributes"), "MessageGroupId")
        if group is not _js.UNDEFINED and _group_key(group) in failed_groups:
            failures.append({"itemIdentifier": _js.to_string(message_id)})
            continue
        if not out_of_time and context is not None and _remaining_ms(context) < deadline_margin_ms:
            out_of_time = True
            warn(f"{_js.number_to_string(deadline_margin_ms)} ms left: unfinished records reported failed")
        if out_of_time:
            failures.append({"itemIdentifier": _js.to_string(message_id)})
            continue
        producer = sqs_record_context(record, eventbridge_key)
        scope = SqsRecordScope(producer)
        try:
            if otel is not None and tracer is not None:
                _process_in_span(otel, tracer, record, producer, scope, handler, producer_relation)
            else:
                _run(handler(record, scope))
        except Exception:
            failures.append({"itemIdentifier": _js.to_string(message_id)})
            if group is not _js.UNDEFINED:
                failed_groups.add(_group_key(group))
    if skipped:
        warn(f"{skipped} SQS records not objects: skipped")
    return {"batchItemFailures": failures}


def _process_in_span(otel: Any, tracer: Any, record: Mapping, producer: Optional[TraceContext], scope: SqsRecordScope,
                     handler: Callable, producer_relation: str) -> None:
    remote = _remote_span_context(otel, producer) if producer is not None and producer.parent_id else None
    parent_mode = producer_relation == "parent" and remote is not None
    active = otel.context.get_current()
    parent = otel.trace.set_span_in_context(otel.NonRecordingSpan(remote), active) if parent_mode else active
    links = [otel.Link(remote)] if not parent_mode and remote is not None else []
    queue = _queue_name(record)
    span = tracer.start_span(f"{queue} process", context=parent, kind=otel.SpanKind.CONSUMER,
                             attributes=_messaging_attributes(record, queue), links=links)
    token = otel.context.attach(otel.trace.set_span_in_context(span, parent))
    try:
        _run(handler(record, scope))
    except Exception as error:
        fail_span(otel, span, error)
        raise
    finally:
        otel.context.detach(token)
        span.end()


def _run(result: Any) -> Any:
    """A handler's result; an awaitable one is run to completion, in a new event loop."""
    return run_to_completion(result, "process_sqs_batch cannot wait for an awaitable inside a running event loop")


def _remaining_ms(context: Any) -> float:
    """The invocation's remaining time; infinite when the context cannot tell."""
    try:
        remaining = context.get_remaining_time_in_millis()
    except Exception:
        return float("inf")
    return remaining if _js.is_number(remaining) and remaining == remaining else float("inf")


def _group_key(group: Any) -> Any:
    """A message group as a set member, equal where JavaScript's Set would find it equal."""
    if isinstance(group, str):
        return ("s", group)
    if group is None:
        return ("null",)
    if isinstance(group, bool):
        return ("b", group)
    if _js.is_number(group):
        return ("n", group)
    return ("o", id(group))


def _remote_span_context(otel: Any, producer: TraceContext) -> Any:
    flags = producer.trace_flags if producer.trace_flags is not None else (1 if producer.sampled else 0)
    trace_state = otel.TraceState.from_header([producer.trace_state]) if producer.trace_state else None
    return otel.SpanContext(
        trace_id=int(producer.trace_id, 16), span_id=int(producer.parent_id, 16), is_remote=True,
        trace_flags=otel.TraceFlags(flags), trace_state=trace_state,
    )


def _queue_name(record: Mapping) -> str:
    arn = _js.get(record, "eventSourceARN")
    arn = arn if isinstance(arn, str) else ""
    return arn[arn.rfind(":") + 1:] or "unknown"


def _messaging_attributes(record: Mapping, queue: str) -> Dict[str, Any]:
    attributes = {
        "messaging.system": "aws_sqs",
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": queue,
    }
    message_id = _js.get(record, "messageId")
    if isinstance(message_id, (str, int, float)):
        attributes["messaging.message.id"] = message_id
    group = _js.get(_js.get(record, "attributes"), "MessageGroupId")
    if isinstance(group, (str, int, float)):
        attributes["messaging.message.conversation_id"] = group
    return attributes
