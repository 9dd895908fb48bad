"""process_sqs_batch: partial failures, FIFO groups, the Lambda deadline, malformed events; with and without OpenTelemetry."""

import asyncio
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cdk_serverless_tracing_runtime as rt
from cdk_serverless_tracing_runtime import (
    SqsRecordScope,
    TraceContext,
    process_sqs_batch,
)

QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:orders"
PRODUCER_TRACE = "5759e988bd862e3fe1be46a994272793"
PRODUCER_SPAN = "53995c3f42cd8ad8"
SRC = Path(__file__).resolve().parents[1] / "src"


def record(i, group=None, **extra):
    attributes = {"ApproximateReceiveCount": "1", "SentTimestamp": "0", "SenderId": "s", "ApproximateFirstReceiveTimestamp": "0",
                  "AWSTraceHeader": f"Root=1-5759e988-bd862e3fe1be46a994272793;Parent={PRODUCER_SPAN};Sampled=1"}
    if group is not None:
        attributes["MessageGroupId"] = group
    return {"messageId": f"m-{i}", "receiptHandle": f"r-{i}", "body": json.dumps({"id": i}), "attributes": attributes,
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": QUEUE_ARN, "awsRegion": "eu-west-1", **extra}


def failures(*ids):
    return {"batchItemFailures": [{"itemIdentifier": f"m-{i}"} for i in ids]}


class FakeLambdaContext:
    """A Lambda context whose clock goes down by `step` ms at each look."""

    def __init__(self, remaining, step=0):
        self.remaining, self.step, self.looks = remaining, step, 0

    def get_remaining_time_in_millis(self):
        self.looks += 1
        value = self.remaining
        self.remaining -= self.step
        return value


@pytest.fixture
def warnings(caplog):
    caplog.set_level(logging.WARNING, logger="cdk_serverless_tracing_runtime")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "cdk_serverless_tracing_runtime"]


@pytest.fixture(params=["with opentelemetry-api", "without opentelemetry-api"])
def otel_mode(request, monkeypatch):
    """Every batch test runs twice: with the API (a no-op without an SDK, or the SDK another test registered) and without it."""
    if request.param == "without opentelemetry-api":
        monkeypatch.setattr(rt._otel, "_api", None)
    return request.param


@pytest.mark.usefixtures("otel_mode")
class TestBatch:
    def test_every_record_in_order_with_its_producer(self):
        seen = []
        result = process_sqs_batch({"Records": [record(1), record(2)]}, lambda r, scope: seen.append((r["messageId"], scope)))
        assert result == {"batchItemFailures": []}
        producer = TraceContext(PRODUCER_TRACE, PRODUCER_SPAN, None, True)
        assert seen == [("m-1", SqsRecordScope(producer)), ("m-2", SqsRecordScope(producer))]

    def test_fault_injection_17_of_100(self):
        failing = {3, 7, 11, 12, 19, 23, 31, 42, 47, 50, 58, 63, 71, 77, 84, 90, 99}
        processed = []

        def handler(r, _scope):
            i = int(r["messageId"][2:])
            processed.append(i)
            if i in failing:
                raise ValueError(f"record {i} failed")

        result = process_sqs_batch({"Records": [record(i) for i in range(100)]}, handler)
        assert processed == list(range(100))
        assert result == failures(*sorted(failing))

    def test_a_failure_names_the_message_id_lambda_sent_even_when_the_handler_changed_it(self):
        def handler(r, _scope):
            r["messageId"] = "changed"
            raise ValueError("no")

        assert process_sqs_batch({"Records": [record(1)]}, handler) == failures(1)

    def test_fifo_a_failure_fails_the_rest_of_its_group_unprocessed(self):
        processed = []

        def handler(r, _scope):
            processed.append(r["messageId"])
            if r["messageId"] == "m-1":
                raise RuntimeError("first of group a fails")

        records = [record(1, "a"), record(2, "b"), record(3, "a"), record(4, "b"), record(5, "a")]
        assert process_sqs_batch({"Records": records}, handler) == failures(1, 3, 5)
        assert processed == ["m-1", "m-2", "m-4"]

    def test_fifo_groups_compare_as_javascript_would(self):
        processed = []

        def handler(r, _scope):
            processed.append(r["messageId"])
            if r["messageId"] == "m-1":
                raise RuntimeError("x")

        # 1 and "1" are different groups; True and 1 too; null is a group of its own.
        records = [record(1, "1"), record(2, 1), record(3, True), record(4, "1"),
                   {**record(5), "attributes": {"MessageGroupId": None}}, {**record(6), "attributes": {"MessageGroupId": {"a": 1}}}]
        assert process_sqs_batch({"Records": records}, handler) == failures(1, 4)
        assert processed == ["m-1", "m-2", "m-3", "m-5", "m-6"]

    def test_malformed_trace_context_still_processed_in_a_fresh_trace(self):
        broken = record(1, attributes={"AWSTraceHeader": "Root=nonsense;Sampled=7"},
                        messageAttributes={"traceparent": {"stringValue": "ff-garbage", "dataType": "String"}},
                        body='{"traceparent": not json')
        scopes = []
        assert process_sqs_batch({"Records": [broken]}, lambda _r, scope: scopes.append(scope)) == failures()
        assert scopes == [SqsRecordScope(None)]

    def test_eventbridge_key_option(self):
        body = json.dumps({"detail": {"ctx": {"traceparent": f"00-{PRODUCER_TRACE}-{PRODUCER_SPAN}-01"}}})
        scopes = []
        process_sqs_batch({"Records": [record(1, body=body, attributes={})]}, lambda _r, s: scopes.append(s), eventbridge_key="ctx")
        assert scopes[0].producer == TraceContext(PRODUCER_TRACE, PRODUCER_SPAN, 1, True)

    @pytest.mark.parametrize("event", [
        None, {}, [], "event", 42, {"Records": None}, {"Records": "abc"}, {"Records": {"0": record(1)}}, {"Records": 7},
    ])
    def test_no_records_list_processes_nothing_with_one_warning(self, event, warnings):
        calls = []
        assert process_sqs_batch(event, lambda r, s: calls.append(r)) == {"batchItemFailures": []}
        assert calls == []
        assert warnings() == ["cdk-serverless-tracing: no SQS Records: nothing processed"]

    def test_an_empty_batch_warns_nothing(self, warnings):
        assert process_sqs_batch({"Records": []}, lambda r, s: pytest.fail("called")) == {"batchItemFailures": []}
        assert warnings() == []

    def test_entries_that_are_not_records_are_skipped_the_rest_processed_with_one_warning(self, warnings):
        calls = []
        event = {"Records": [None, record(1), "x", 42, [], record(2)]}
        assert process_sqs_batch(event, lambda r, s: calls.append(r["messageId"])) == failures()
        assert calls == ["m-1", "m-2"]
        assert warnings() == ["cdk-serverless-tracing: 4 SQS records not objects: skipped"]

    @pytest.mark.parametrize("margin", [-1, float("nan"), "soon", None, True])
    def test_a_margin_that_is_not_a_number_at_least_0_is_a_programming_error(self, margin):
        with pytest.raises(ValueError, match="deadline_margin_ms"):
            process_sqs_batch({"Records": [record(1)]}, lambda r, s: None, FakeLambdaContext(5000), deadline_margin_ms=margin)

    def test_an_eventbridge_key_no_carrier_can_have_finds_nothing(self):
        body = json.dumps({"detail": {"_trace": {"traceparent": f"00-{PRODUCER_TRACE}-{PRODUCER_SPAN}-01"}}})
        scopes = []
        for key in ("constructor", "__proto__", "toString"):
            process_sqs_batch({"Records": [record(1, body=body, attributes={})]}, lambda _r, s: scopes.append(s), eventbridge_key=key)
        assert scopes == [SqsRecordScope(None)] * 3

    def test_a_tuple_of_records(self):
        assert process_sqs_batch({"Records": (record(1), record(2))}, lambda r, s: 1 / 0) == failures(1, 2)

    def test_a_record_without_message_id_is_reported_as_node_does(self):
        result = process_sqs_batch({"Records": [{"body": "x"}, {"messageId": None}, {"messageId": 7}]}, lambda r, s: 1 / 0)
        assert result == {"batchItemFailures": [{"itemIdentifier": "undefined"}, {"itemIdentifier": "null"}, {"itemIdentifier": "7"}]}

    def test_async_handlers_are_awaited(self):
        async def handler(r, _scope):
            await asyncio.sleep(0)
            if r["messageId"] == "m-2":
                raise ValueError("async failure")

        assert process_sqs_batch({"Records": [record(1), record(2), record(3)]}, handler) == failures(2)

    def test_async_handler_inside_a_running_loop_fails_its_record(self):
        async def handler(_r, _scope):
            return None

        async def main():
            return process_sqs_batch({"Records": [record(1)]}, handler)

        assert asyncio.run(main()) == failures(1)

    def test_keyboard_interrupt_is_not_a_record_failure(self):
        def handler(_r, _scope):
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            process_sqs_batch({"Records": [record(1)]}, handler)


@pytest.mark.usefixtures("otel_mode")
class TestDeadline:
    def test_no_record_starts_below_the_margin_and_the_rest_are_reported(self, warnings):
        processed = []
        context = FakeLambdaContext(remaining=3500, step=1000)  # 3500, 2500, 1500, 500: the fourth is not started
        result = process_sqs_batch({"Records": [record(i) for i in range(1, 7)]}, lambda r, s: processed.append(r["messageId"]), context)
        assert processed == ["m-1", "m-2", "m-3"]
        assert result == failures(4, 5, 6)
        assert context.looks == 4  # no more looks at the clock once out of time
        assert warnings() == ["cdk-serverless-tracing: 1000 ms left: unfinished records reported failed"]

    def test_the_default_margin_is_the_node_runtimes(self):
        assert rt.DEFAULT_DEADLINE_MARGIN_MS == 1000

    def test_exactly_the_margin_left_still_starts_a_record(self):
        assert process_sqs_batch({"Records": [record(1)]}, lambda r, s: None, FakeLambdaContext(1000)) == failures()

    def test_a_running_handler_is_not_interrupted(self):
        """The documented difference with Node: this function is synchronous, a running handler runs to its end."""
        context = FakeLambdaContext(remaining=1500, step=1000)
        processed = []
        result = process_sqs_batch({"Records": [record(1), record(2)]}, lambda r, s: processed.append(r["messageId"]), context)
        assert processed == ["m-1"] and result == failures(2)

    def test_a_custom_margin(self):
        processed = []
        result = process_sqs_batch({"Records": [record(1), record(2)]}, lambda r, s: processed.append(r), FakeLambdaContext(4000, 1000),
                                   deadline_margin_ms=3500)
        assert len(processed) == 1 and result == failures(2)

    def test_already_out_of_time(self, warnings):
        result = process_sqs_batch({"Records": [record(1), record(2)]}, lambda r, s: pytest.fail("started"), FakeLambdaContext(999))
        assert result == failures(1, 2)
        assert len(warnings()) == 1

    def test_fifo_and_deadline_together(self):
        def handler(r, _s):
            if r["messageId"] == "m-1":
                raise RuntimeError("x")

        records = [record(1, "a"), record(2, "b"), record(3, "a"), record(4, "b")]
        assert process_sqs_batch({"Records": records}, handler, FakeLambdaContext(2500, 1000)) == failures(1, 3, 4)

    @pytest.mark.parametrize("context", [object(), FakeLambdaContext(None), FakeLambdaContext("soon"), FakeLambdaContext(float("nan"))])
    def test_a_context_that_cannot_tell_the_time_is_ignored(self, context):
        assert process_sqs_batch({"Records": [record(1), record(2)]}, lambda r, s: None, context) == failures()

    def test_a_context_whose_clock_raises_is_ignored(self):
        class Broken:
            def get_remaining_time_in_millis(self):
                raise RuntimeError("no clock")

        assert process_sqs_batch({"Records": [record(1)]}, lambda r, s: None, Broken()) == failures()


def test_without_opentelemetry_installed_in_a_fresh_interpreter():
    """opentelemetry is not importable at all: records are processed the same way, and no import error escapes."""
    script = f"""
import sys, json
sys.modules['opentelemetry'] = None  # makes `import opentelemetry...` raise ImportError
sys.path.insert(0, {str(SRC)!r})
import cdk_serverless_tracing_runtime as rt
def handler(r, scope):
    if r['messageId'] == '2':
        raise ValueError('x')
result = rt.process_sqs_batch({{'Records': [{{'messageId': '1'}}, {{'messageId': '2'}}]}}, handler)
print(json.dumps({{'result': result, 'xray': rt.format_xray_header(rt.parse_traceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')),
                   'current': rt.current_trace_context(), 'otel': rt._otel.opentelemetry_api()}}))
"""
    env = {k: v for k, v in os.environ.items() if k != "_X_AMZN_TRACE_ID"}
    output = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, env=env).stdout
    assert json.loads(output) == {
        "result": {"batchItemFailures": [{"itemIdentifier": "2"}]},
        "xray": "Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1",
        "current": None,
        "otel": None,
    }


def test_importing_the_package_does_not_import_opentelemetry():
    script = f"import sys; sys.path.insert(0, {str(SRC)!r}); import cdk_serverless_tracing_runtime; print('opentelemetry' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout.strip() == "False"
