"""Spans with the real OpenTelemetry SDK (skipped when opentelemetry-sdk is not installed)."""

import asyncio
import json

import pytest

pytest.importorskip("opentelemetry.sdk.trace")

from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import SpanKind, StatusCode  # noqa: E402

from cdk_serverless_tracing_runtime import (  # noqa: E402
    TraceContext,
    current_trace_context,
    inject_sqs_message,
    process_sqs_batch,
)

QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:orders"
PRODUCER_TRACE = "5759e988bd862e3fe1be46a994272793"
PRODUCER_SPAN = "53995c3f42cd8ad8"
XRAY = f"Root=1-5759e988-bd862e3fe1be46a994272793;Parent={PRODUCER_SPAN};Sampled=1"

_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def sdk():
    """The SDK as the Lambda layer would register it: one global tracer provider (settable once per process)."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
    trace.set_tracer_provider(provider)
    if trace.get_tracer_provider() is not provider:
        pytest.skip("another tracer provider was registered first in this process")
    yield provider


@pytest.fixture
def exporter():
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


def record(i, group=None, **extra):
    attributes = {"ApproximateReceiveCount": "1", "AWSTraceHeader": XRAY}
    if group is not None:
        attributes["MessageGroupId"] = group
    return {"messageId": f"m-{i}", "body": json.dumps({"id": i}), "attributes": attributes, "messageAttributes": {},
            "eventSource": "aws:sqs", "eventSourceARN": QUEUE_ARN, **extra}


def hex_trace(span_context):
    return format(span_context.trace_id, "032x")


def test_one_consumer_span_per_record_linked_to_its_producer(exporter):
    seen = []

    def handler(r, scope):
        active = trace.get_current_span().get_span_context()
        seen.append((r["messageId"], scope.producer.trace_id, hex_trace(active) != PRODUCER_TRACE))

    assert process_sqs_batch({"Records": [record(1), record(2)]}, handler) == {"batchItemFailures": []}
    assert seen == [("m-1", PRODUCER_TRACE, True), ("m-2", PRODUCER_TRACE, True)]
    spans = exporter.get_finished_spans()
    assert len(spans) == 2
    for i, span in enumerate(spans, start=1):
        assert span.name == "orders process"
        assert span.kind == SpanKind.CONSUMER
        assert dict(span.attributes) == {
            "messaging.system": "aws_sqs",
            "messaging.operation.type": "process",
            "messaging.operation.name": "process",
            "messaging.destination.name": "orders",
            "messaging.message.id": f"m-{i}",
        }
        assert len(span.links) == 1
        link = span.links[0].context
        assert (hex_trace(link), format(link.span_id, "016x"), link.is_remote) == (PRODUCER_TRACE, PRODUCER_SPAN, True)
        assert link.trace_flags.sampled
        assert hex_trace(span.context) != PRODUCER_TRACE
        assert span.parent is None
        assert span.instrumentation_scope.name == "cdk-serverless-tracing"


def test_parent_relation_puts_the_span_in_the_producers_trace(exporter):
    w3c = record(1, messageAttributes={
        "traceparent": {"stringValue": f"00-{PRODUCER_TRACE}-{PRODUCER_SPAN}-01", "dataType": "String"},
        "tracestate": {"stringValue": "rojo=1", "dataType": "String"},
    })
    process_sqs_batch({"Records": [w3c]}, lambda r, s: None, producer_relation="parent", tracer_name="orders-consumer")
    [span] = exporter.get_finished_spans()
    assert hex_trace(span.context) == PRODUCER_TRACE
    assert format(span.parent.span_id, "016x") == PRODUCER_SPAN and span.parent.is_remote
    assert span.parent.trace_state.get("rojo") == "1"
    assert span.links == () or list(span.links) == []
    assert span.instrumentation_scope.name == "orders-consumer"


def test_failures_mark_the_span_and_record_the_exception(exporter):
    failing = {3, 7, 11, 12, 19, 23, 31, 42, 47, 50, 58, 63, 71, 77, 84, 90, 99}

    def handler(r, _s):
        i = int(r["messageId"][2:])
        if i in failing:
            raise ValueError(f"record {i} failed")

    result = process_sqs_batch({"Records": [record(i) for i in range(100)]}, handler)
    assert sorted(f["itemIdentifier"] for f in result["batchItemFailures"]) == sorted(f"m-{i}" for i in failing)
    spans = exporter.get_finished_spans()
    assert len(spans) == 100
    errored = [s for s in spans if s.status.status_code == StatusCode.ERROR]
    assert sorted(s.attributes["messaging.message.id"] for s in errored) == sorted(f"m-{i}" for i in failing)
    assert errored[0].status.description == f"record {errored[0].attributes['messaging.message.id'][2:]} failed"
    assert [e.name for e in errored[0].events] == ["exception"]
    assert errored[0].events[0].attributes["exception.type"] == "ValueError"


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no text")


@pytest.mark.parametrize("error, message", [
    (ValueError(), "ValueError"), (RuntimeError(""), "RuntimeError"), (Unprintable("x"), "Unprintable"), (KeyError("k"), "'k'"),
])
def test_an_exception_without_usable_text_still_gives_a_status_message(exporter, error, message):
    def handler(_r, _s):
        raise error

    assert process_sqs_batch({"Records": [record(1)]}, handler) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    [span] = exporter.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR
    assert span.status.description == message


def test_fifo_conversation_id_and_unprocessed_records_have_no_span(exporter):
    def handler(r, _s):
        if r["messageId"] == "m-1":
            raise RuntimeError("first of group a fails")

    records = [record(1, "a"), record(2, "b"), record(3, "a"), record(4, "b"), record(5, "a")]
    assert process_sqs_batch({"Records": records}, handler)["batchItemFailures"] == [{"itemIdentifier": f"m-{i}"} for i in (1, 3, 5)]
    assert [s.attributes["messaging.message.conversation_id"] for s in exporter.get_finished_spans()] == ["a", "b", "b"]


def test_malformed_carriers_start_a_fresh_trace(exporter):
    broken = record(1, attributes={"AWSTraceHeader": "Root=nonsense;Sampled=7"},
                    messageAttributes={"traceparent": {"stringValue": "ff-garbage"}}, body='{"traceparent": not json')
    assert process_sqs_batch({"Records": [broken]}, lambda r, s: None) == {"batchItemFailures": []}
    [span] = exporter.get_finished_spans()
    assert list(span.links) == [] and span.parent is None


def test_root_only_producer_gives_no_link(exporter):
    process_sqs_batch({"Records": [record(1, attributes={"AWSTraceHeader": "Root=1-5759e988-bd862e3fe1be46a994272793"})]}, lambda r, s: None)
    [span] = exporter.get_finished_spans()
    assert list(span.links) == []


def test_eventbridge_events_through_sqs_are_linked(exporter):
    body = json.dumps({"detail-type": "PaymentCompleted", "detail": {"_trace": {"traceparent": f"00-{PRODUCER_TRACE}-{PRODUCER_SPAN}-01"}}})
    process_sqs_batch({"Records": [record(1, body=body, attributes={})]}, lambda r, s: None)
    [span] = exporter.get_finished_spans()
    assert hex_trace(span.links[0].context) == PRODUCER_TRACE


def test_a_record_without_arn_or_message_id(exporter):
    process_sqs_batch({"Records": [{"body": "x"}, {"messageId": None, "eventSourceARN": 42}]}, lambda r, s: None)
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == ["unknown process", "unknown process"]
    assert all("messaging.message.id" not in s.attributes for s in spans)


def test_what_the_handler_sends_carries_its_record_span(exporter, monkeypatch):
    """Inside the handler, the current context is the record's span, keeping the invocation's Lineage on the same trace."""
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"{XRAY};Lineage=a87bd80c:1")
    w3c = record(1, messageAttributes={"traceparent": {"stringValue": f"00-{PRODUCER_TRACE}-{PRODUCER_SPAN}-01"}})
    sent = []

    def handler(_r, _s):
        sent.append((current_trace_context(), inject_sqs_message({"QueueUrl": "q", "MessageBody": "b"})))

    process_sqs_batch({"Records": [w3c]}, handler, producer_relation="parent")
    [span] = exporter.get_finished_spans()
    span_id = format(span.context.span_id, "016x")
    context, message = sent[0]
    assert context == TraceContext(PRODUCER_TRACE, span_id, 1, True, None, "a87bd80c:1")
    assert message["MessageAttributes"]["traceparent"]["StringValue"] == f"00-{PRODUCER_TRACE}-{span_id}-01"
    assert message["MessageSystemAttributes"]["AWSTraceHeader"]["StringValue"] == \
        f"Root=1-5759e988-bd862e3fe1be46a994272793;Parent={span_id};Sampled=1;Lineage=a87bd80c:1"
    # Linked (the default), the record span is in a trace of its own: the invocation's Lineage is not carried over.
    sent.clear()
    process_sqs_batch({"Records": [w3c]}, handler)
    assert sent[0][0].lineage is None and sent[0][0].trace_id != PRODUCER_TRACE


def test_async_handler_runs_inside_its_span(exporter):
    seen = []

    async def handler(_r, _s):
        await asyncio.sleep(0)
        seen.append(trace.get_current_span().get_span_context().span_id)

    process_sqs_batch({"Records": [record(1)]}, handler)
    [span] = exporter.get_finished_spans()
    assert seen == [span.context.span_id]


def test_spans_end_and_context_is_restored_after_each_record(exporter):
    outer = trace.get_current_span()
    process_sqs_batch({"Records": [record(1), record(2)]}, lambda r, s: 1 / 0)
    assert trace.get_current_span() is outer
    assert all(s.end_time is not None for s in exporter.get_finished_spans())
