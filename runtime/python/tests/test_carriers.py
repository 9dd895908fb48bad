"""Carriers on boto3-shaped dicts and Lambda event records; boto3's Stubber validates shapes when installed (no network)."""

import json
import logging

import pytest

from cdk_serverless_tracing_runtime import _otel
from cdk_serverless_tracing_runtime import (
    MAX_EVENTBRIDGE_ENTRY_BYTES,
    MAX_MESSAGE_BYTES,
    TraceContext,
    eventbridge_event_context,
    inject_eventbridge_entry,
    inject_sns_message,
    inject_sqs_message,
    parse_xray_header,
    sns_record_context,
    sqs_record_context,
)

XTRACE = "5759e988bd862e3fe1be46a994272793"
SPAN = "53995c3f42cd8ad8"
XRAY = f"Root=1-5759e988-bd862e3fe1be46a994272793;Parent={SPAN};Sampled=1;Lineage=a87bd80c:1"
CONTEXT = TraceContext(XTRACE, SPAN, sampled=True, lineage="a87bd80c:1", trace_state="rojo=1")
W3C = f"00-{XTRACE}-{SPAN}-01"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
#: What CONTEXT's W3C attributes add to a message as SQS and SNS count it: names, "String" twice, values.
W3C_BYTES = len("traceparent") + 6 + len(W3C) + len("tracestate") + 6 + len("rojo=1")


def attributes(n):
    return {f"a{i}": {"DataType": "String", "StringValue": str(i)} for i in range(n)}


def as_lambda_sqs_record(message, message_id="m-1"):
    """What Lambda's SQS event source hands the function for a message sent with these kwargs."""
    record = {
        "messageId": message_id, "body": message.get("MessageBody", ""), "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders", "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {
            name: {"stringValue": value["StringValue"], "dataType": value["DataType"], "stringListValues": [], "binaryListValues": []}
            for name, value in message.get("MessageAttributes", {}).items()
        },
    }
    header = message.get("MessageSystemAttributes", {}).get("AWSTraceHeader")
    if header:
        record["attributes"]["AWSTraceHeader"] = header["StringValue"]
    return record


@pytest.fixture
def warnings(caplog):
    """The package's warnings, the once-per-process ones forgotten first."""
    _otel.WARNED_ONCE.clear()
    caplog.set_level(logging.WARNING, logger="cdk_serverless_tracing_runtime")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "cdk_serverless_tracing_runtime"]


class TestSqs:
    def test_injects_the_system_attribute_and_w3c_attributes(self):
        kwargs = {"QueueUrl": QUEUE_URL, "MessageBody": "b", "MessageAttributes": {"tenant": {"DataType": "String", "StringValue": "t1"}}}
        assert inject_sqs_message(kwargs, CONTEXT) is kwargs
        assert kwargs["MessageSystemAttributes"] == {"AWSTraceHeader": {"DataType": "String", "StringValue": XRAY}}
        assert kwargs["MessageAttributes"] == {
            "tenant": {"DataType": "String", "StringValue": "t1"},
            "traceparent": {"DataType": "String", "StringValue": W3C},
            "tracestate": {"DataType": "String", "StringValue": "rojo=1"},
        }

    def test_ten_attributes_at_most_and_a_warning(self, warnings):
        kwargs = {"MessageAttributes": attributes(9)}
        inject_sqs_message(kwargs, CONTEXT)
        assert kwargs["MessageAttributes"] == attributes(9)
        assert kwargs["MessageSystemAttributes"]["AWSTraceHeader"]["StringValue"] == XRAY
        assert warnings() == ["cdk-serverless-tracing: SQS message has 9 attributes: no room for W3C context"]
        fits = {"MessageAttributes": attributes(9)}
        inject_sqs_message(fits, CONTEXT._replace(trace_state=None))
        assert len(fits["MessageAttributes"]) == 10

    def test_never_replaces_what_the_caller_set(self):
        kwargs = {
            "MessageAttributes": {"traceparent": {"DataType": "String", "StringValue": "mine"}},
            "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-00000001-000000000000000000000001"}},
        }
        inject_sqs_message(kwargs, CONTEXT)
        assert kwargs["MessageAttributes"] == {"traceparent": {"DataType": "String", "StringValue": "mine"}}
        assert kwargs["MessageSystemAttributes"]["AWSTraceHeader"]["StringValue"] == "Root=1-00000001-000000000000000000000001"

    def test_root_only_context_propagates_x_ray_only(self):
        kwargs = {"QueueUrl": QUEUE_URL, "MessageBody": "b"}
        inject_sqs_message(kwargs, TraceContext(XTRACE))
        assert kwargs["MessageSystemAttributes"]["AWSTraceHeader"]["StringValue"] == "Root=1-5759e988-bd862e3fe1be46a994272793"
        assert "MessageAttributes" not in kwargs

    def test_default_context_is_the_invocation_header(self, monkeypatch):
        monkeypatch.setenv("_X_AMZN_TRACE_ID", XRAY)
        kwargs = inject_sqs_message({"QueueUrl": QUEUE_URL, "MessageBody": "b"})
        assert kwargs["MessageSystemAttributes"]["AWSTraceHeader"]["StringValue"] == XRAY
        assert kwargs["MessageAttributes"]["traceparent"]["StringValue"] == W3C
        monkeypatch.delenv("_X_AMZN_TRACE_ID")
        assert inject_sqs_message({"QueueUrl": QUEUE_URL, "MessageBody": "b"}) == {"QueueUrl": QUEUE_URL, "MessageBody": "b"}

    def test_not_a_dict_is_returned_untouched(self):
        assert inject_sqs_message(None, CONTEXT) is None
        kwargs = {"MessageSystemAttributes": "junk", "MessageAttributes": ["junk"]}
        assert inject_sqs_message(kwargs, CONTEXT) == {"MessageSystemAttributes": "junk", "MessageAttributes": ["junk"]}

    def test_the_callers_tracestate_takes_no_second_slot(self):
        kwargs = {"MessageAttributes": {**attributes(8), "tracestate": {"DataType": "String", "StringValue": "mine=1"}}}
        inject_sqs_message(kwargs, CONTEXT)
        assert len(kwargs["MessageAttributes"]) == 10
        assert kwargs["MessageAttributes"]["tracestate"]["StringValue"] == "mine=1"
        assert kwargs["MessageAttributes"]["traceparent"]["StringValue"] == W3C

    def test_a_tracestate_is_sent_validated_and_bounded(self):
        invalid = inject_sqs_message({"MessageBody": "b"}, CONTEXT._replace(trace_state="NOT VALID"))
        assert invalid["MessageAttributes"] == {"traceparent": {"DataType": "String", "StringValue": W3C}}
        huge = inject_sqs_message({"MessageBody": "b"}, CONTEXT._replace(trace_state="rojo=1," * 30_000 + "congo=2"))
        sent = huge["MessageAttributes"]["tracestate"]["StringValue"]
        assert len(sent) <= 512 and len(sent.split(",")) == 32
        padded = inject_sqs_message({"MessageBody": "b"}, CONTEXT._replace(trace_state=" rojo=1 ,, congo=2,"))
        assert padded["MessageAttributes"]["tracestate"]["StringValue"] == "rojo=1,congo=2"

    def test_a_message_reaching_256_kib_exactly_gets_the_w3c_attributes(self, warnings):
        tenant = {"DataType": "String", "StringValue": "t1"}
        body = "é" * 131_000 + "x" * (MAX_MESSAGE_BYTES - 262_000 - W3C_BYTES - (len("tenant") + 6 + 2))
        kwargs = inject_sqs_message({"QueueUrl": QUEUE_URL, "MessageBody": body, "MessageAttributes": {"tenant": tenant}}, CONTEXT)
        assert list(kwargs["MessageAttributes"]) == ["tenant", "traceparent", "tracestate"]
        assert warnings() == []

    def test_past_256_kib_the_message_goes_as_built_with_aws_trace_header_and_one_warning_per_process(self, warnings):
        for _ in range(3):
            body = "x" * (MAX_MESSAGE_BYTES - W3C_BYTES + 1)
            kwargs = inject_sqs_message({"QueueUrl": QUEUE_URL, "MessageBody": body, "MessageAttributes": {}}, CONTEXT)
            # AWSTraceHeader is a system attribute: it does not count toward the size.
            assert kwargs == {"QueueUrl": QUEUE_URL, "MessageBody": body, "MessageAttributes": {},
                              "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": XRAY}}}
        assert warnings() == [f"cdk-serverless-tracing: SQS message would exceed {MAX_MESSAGE_BYTES} bytes with W3C context: sent without it"]

    def test_binary_attribute_values_count_by_their_length(self):
        blob = {"DataType": "Binary", "BinaryValue": bytes(MAX_MESSAGE_BYTES - W3C_BYTES - len("blob") - len("Binary") - 1)}
        fits = inject_sqs_message({"MessageBody": "b", "MessageAttributes": {"blob": blob}}, CONTEXT)
        assert list(fits["MessageAttributes"]) == ["blob", "traceparent", "tracestate"]
        over = inject_sqs_message({"MessageBody": "bb", "MessageAttributes": {"blob": blob}}, CONTEXT)
        assert list(over["MessageAttributes"]) == ["blob"]

    def test_reads_w3c_then_aws_trace_header_then_the_body(self):
        record = {"messageAttributes": {"traceparent": {"stringValue": W3C}, "tracestate": {"stringValue": "rojo=1"}},
                  "attributes": {"AWSTraceHeader": "Root=1-00000001-000000000000000000000001"}}
        assert sqs_record_context(record) == TraceContext(XTRACE, SPAN, 1, True, "rojo=1")
        assert sqs_record_context({"messageAttributes": {"traceparent": {"stringValue": "garbage"}}, "attributes": {"AWSTraceHeader": XRAY}}) \
            == parse_xray_header(XRAY)
        envelope = json.dumps({"Type": "Notification", "Message": "{}", "MessageAttributes": {"traceparent": {"Type": "String", "Value": W3C}}})
        assert sqs_record_context({"body": envelope}).parent_id == SPAN
        body = json.dumps({"detail-type": "X", "detail": {"ctx": {"traceparent": W3C}}})
        assert sqs_record_context({"body": body}) is None
        assert sqs_record_context({"body": body}, "ctx").trace_id == XTRACE

    @pytest.mark.parametrize("record", [
        None, {}, [], "x", {"body": '{"traceparent": oops'}, {"body": "[" * 100_000 + "traceparent"},
        {"body": "[" * 5000 + "]" * 5000 + " traceparent"},
        {"messageAttributes": {"traceparent": None}, "attributes": {"AWSTraceHeader": "Root=garbage"}},
    ])
    def test_malformed_gives_none(self, record):
        assert sqs_record_context(record) is None

    def test_round_trip_through_a_lambda_record(self):
        kwargs = inject_sqs_message({"QueueUrl": QUEUE_URL, "MessageBody": "b"}, CONTEXT)
        assert sqs_record_context(as_lambda_sqs_record(kwargs)) == TraceContext(XTRACE, SPAN, 1, True, "rojo=1")
        # Without the W3C attributes (10 user attributes), the X-Ray header still carries it, Lineage included.
        crowded = inject_sqs_message({"QueueUrl": QUEUE_URL, "MessageBody": "b", "MessageAttributes": attributes(10)}, CONTEXT)
        assert sqs_record_context(as_lambda_sqs_record(crowded)) == TraceContext(XTRACE, SPAN, None, True, None, "a87bd80c:1")


class TestSns:
    def test_injects_into_publish_kwargs_and_reads_back(self):
        kwargs = inject_sns_message({"TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": "m"}, CONTEXT)
        assert kwargs["MessageAttributes"]["traceparent"] == {"DataType": "String", "StringValue": W3C}
        assert "MessageSystemAttributes" not in kwargs
        delivered = {name: {"Type": "String", "Value": value["StringValue"]} for name, value in kwargs["MessageAttributes"].items()}
        record = {"Sns": {"MessageAttributes": delivered}}
        assert sns_record_context(record) == TraceContext(XTRACE, SPAN, 1, True, "rojo=1")
        assert sns_record_context({"Sns": {}}) is None
        assert sns_record_context(None) is None

    def test_ten_attributes(self, warnings):
        kwargs = inject_sns_message({"MessageAttributes": attributes(10)}, CONTEXT)
        assert kwargs == {"MessageAttributes": attributes(10)}
        assert warnings() == ["cdk-serverless-tracing: SNS message has 10 attributes: no room for W3C context"]

    def test_256_kib_counts_message_and_attributes_and_warns_once_per_process(self, warnings):
        fits = inject_sns_message({"TopicArn": "t", "Message": "x" * (MAX_MESSAGE_BYTES - W3C_BYTES)}, CONTEXT)
        assert list(fits["MessageAttributes"]) == ["traceparent", "tracestate"]
        for _ in range(2):
            over = inject_sns_message({"TopicArn": "t", "Message": "x" * (MAX_MESSAGE_BYTES - W3C_BYTES + 1)}, CONTEXT)
            assert "MessageAttributes" not in over
        assert warnings() == [f"cdk-serverless-tracing: SNS message would exceed {MAX_MESSAGE_BYTES} bytes with W3C context: sent without it"]


class TestEventBridge:
    def test_trace_header_and_carrier_spliced_into_detail(self):
        entry = {"Source": "payments", "DetailType": "PaymentCompleted", "Detail": '{"orderId":"1","amount":  12}'}
        inject_eventbridge_entry(entry, CONTEXT)
        assert entry["TraceHeader"] == XRAY
        assert entry["Detail"] == f'{{"_trace":{{"traceparent":"{W3C}","tracestate":"rojo=1"}},"orderId":"1","amount":  12}}'
        assert eventbridge_event_context({"detail": json.loads(entry["Detail"])}) == TraceContext(XTRACE, SPAN, 1, True, "rojo=1")

    def test_empty_or_missing_detail_and_a_custom_key(self):
        empty = inject_eventbridge_entry({"Detail": " { } "}, CONTEXT, "ctx")
        assert json.loads(empty["Detail"]) == {"ctx": {"traceparent": W3C, "tracestate": "rojo=1"}}
        assert eventbridge_event_context({"detail": json.loads(empty["Detail"])}, "ctx").trace_id == XTRACE
        missing = inject_eventbridge_entry({}, TraceContext(XTRACE, SPAN))
        assert json.loads(missing["Detail"]) == {"_trace": {"traceparent": f"00-{XTRACE}-{SPAN}-00"}}

    @pytest.mark.parametrize("detail", ["[1,2]", "not json", "null", '{"_trace":{"traceparent":"mine"}}', 42, {"a": 1}])
    def test_leaves_a_non_object_detail_and_a_callers_carrier_alone(self, detail):
        entry = inject_eventbridge_entry({"Detail": detail}, CONTEXT)
        assert entry == {"Detail": detail, "TraceHeader": XRAY}

    def test_a_dict_detail_is_left_as_given_with_a_warning(self, warnings):
        detail = {"orderId": "1"}
        entry = inject_eventbridge_entry({"Source": "payments", "Detail": detail}, CONTEXT)
        assert entry == {"Source": "payments", "Detail": {"orderId": "1"}, "TraceHeader": XRAY} and entry["Detail"] is detail
        assert warnings() == ["cdk-serverless-tracing: EventBridge Detail is not a string holding a JSON object: no W3C context"]

    @pytest.mark.parametrize("key", ["constructor", "__proto__", "toString", "hasOwnProperty", "", "trace.ctx", 42])
    def test_an_invalid_key_is_a_programming_error_at_the_call(self, key):
        entry = {"Detail": '{"a":1}'}
        with pytest.raises(ValueError, match="invalid EventBridge key"):
            inject_eventbridge_entry(entry, CONTEXT, key)
        with pytest.raises(ValueError):
            inject_eventbridge_entry(entry, TraceContext("nope"), key)
        assert entry == {"Detail": '{"a":1}'}

    def test_valid_keys_a_detail_member_does_not_shadow(self):
        zero = inject_eventbridge_entry({"Detail": '{"a":1}'}, CONTEXT, "0")
        assert json.loads(zero["Detail"])["0"] == {"traceparent": W3C, "tracestate": "rojo=1"}
        shadowing = inject_eventbridge_entry({"Detail": '{"hasOwnProperty":1}'}, CONTEXT)
        assert json.loads(shadowing["Detail"]) == {"_trace": {"traceparent": W3C, "tracestate": "rojo=1"}, "hasOwnProperty": 1}

    def test_the_size_limit_warns_once_per_process(self, warnings):
        for _ in range(3):
            entry = {"Source": "payments", "DetailType": "Big", "Detail": json.dumps({"padding": "x" * (MAX_EVENTBRIDGE_ENTRY_BYTES - 80)})}
            before = entry["Detail"]
            inject_eventbridge_entry(entry, CONTEXT)
            assert entry["Detail"] == before and entry["TraceHeader"] == XRAY
        assert warnings() == ["cdk-serverless-tracing: EventBridge entry too large for W3C context: TraceHeader only"]

    def test_reading_finds_own_members_only(self):
        for key in ("constructor", "__proto__", "toString", "valueOf", "hasOwnProperty"):
            assert eventbridge_event_context({"detail": {"a": 1}}, key) is None
        assert eventbridge_event_context({"detail": {"__proto__": {"traceparent": W3C}}}, "__proto__").trace_id == XTRACE
        assert eventbridge_event_context({"detail": {"hasOwnProperty": 1, "_trace": {"traceparent": W3C}}}).trace_id == XTRACE

    def test_size_limit_boundary(self, warnings):
        """The entry size as EventBridge counts it (UTF-8 bytes, Time as 14) may reach the limit, not pass it."""
        carrier = f'{{"_trace":{{"traceparent":"{W3C}","tracestate":"rojo=1"}},'
        fixed = {"Source": "sé", "DetailType": "d", "Resources": ["arn:é", "r"], "Time": "2024-01-01T00:00:00Z"}
        fixed_bytes = 3 + 1 + 6 + 1 + 14
        room = MAX_EVENTBRIDGE_ENTRY_BYTES - fixed_bytes - len(carrier) - len('"p":"') - len('"}')
        at_limit = '{"p":"' + "é" * (room // 2) + "x" * (room % 2) + '"}'
        entry = inject_eventbridge_entry({**fixed, "Detail": at_limit}, CONTEXT)
        assert entry["Detail"] == carrier + at_limit[1:]
        assert len(entry["Detail"].encode()) + fixed_bytes == MAX_EVENTBRIDGE_ENTRY_BYTES
        assert warnings() == []
        over = at_limit[:-2] + 'x"}'
        entry = inject_eventbridge_entry({**fixed, "Detail": over}, CONTEXT)
        assert entry["Detail"] == over and entry["TraceHeader"] == XRAY
        assert warnings() == ["cdk-serverless-tracing: EventBridge entry too large for W3C context: TraceHeader only"]

    def test_reads_a_target_event_an_sqs_record_and_detail_alone(self):
        event = {"detail-type": "X", "detail": {"_trace": {"traceparent": W3C}}}
        assert eventbridge_event_context(event).trace_id == XTRACE
        assert eventbridge_event_context({"eventSource": "aws:sqs", "body": json.dumps(event)}).trace_id == XTRACE
        assert eventbridge_event_context({"orderId": "1", "_trace": {"traceparent": W3C}}).trace_id == XTRACE
        for malformed in ({"body": "{"}, {"detail": {"_trace": "x"}}, None, 42, "x", {"body": "NaN"}):
            assert eventbridge_event_context(malformed) is None


class TestBoto3Shapes:
    """The injected kwargs are what boto3 accepts: validated against the service models by Stubber, offline."""

    @pytest.fixture(autouse=True)
    def _boto3(self):
        pytest.importorskip("boto3")
        from botocore.stub import Stubber
        self.Stubber = Stubber

    def client(self, service):
        import boto3
        return boto3.client(service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")

    def test_sqs_send_message_and_batch(self):
        sqs = self.client("sqs")
        kwargs = inject_sqs_message({"QueueUrl": QUEUE_URL, "MessageBody": "b", "MessageAttributes": attributes(2)}, CONTEXT)
        batch = {"QueueUrl": QUEUE_URL, "Entries": [inject_sqs_message({"Id": str(i), "MessageBody": "b"}, CONTEXT) for i in range(3)]}
        with self.Stubber(sqs) as stub:
            stub.add_response("send_message", {"MessageId": "1"}, kwargs)
            stub.add_response("send_message_batch", {"Successful": [], "Failed": []}, batch)
            sqs.send_message(**kwargs)
            sqs.send_message_batch(**batch)
            stub.assert_no_pending_responses()

    def test_sns_publish(self):
        sns = self.client("sns")
        kwargs = inject_sns_message({"TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": "m"}, CONTEXT)
        with self.Stubber(sns) as stub:
            stub.add_response("publish", {"MessageId": "1"}, kwargs)
            sns.publish(**kwargs)

    def test_eventbridge_put_events(self):
        events = self.client("events")
        entry = inject_eventbridge_entry({"Source": "payments", "DetailType": "PaymentCompleted", "Detail": '{"orderId":"1"}'}, CONTEXT)
        with self.Stubber(events) as stub:
            stub.add_response("put_events", {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]}, {"Entries": [entry]})
            events.put_events(Entries=[entry])

    def test_a_malformed_shape_would_be_refused(self):
        from botocore.exceptions import ParamValidationError
        sqs = self.client("sqs")
        with self.Stubber(sqs) as stub:
            stub.add_response("send_message", {"MessageId": "1"})
            with pytest.raises(ParamValidationError):
                sqs.send_message(QueueUrl=QUEUE_URL, MessageBody="b", MessageSystemAttributes={"AWSTraceHeader": XRAY})
