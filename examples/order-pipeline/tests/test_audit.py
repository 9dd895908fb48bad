"""The example's Python auditor (handlers/audit.py), run as Lambda would with an SQS batch."""

import json
import logging

import audit

PRODUCER_TRACE = "5759e988bd862e3fe1be46a994272793"
TRACEPARENT = f"00-{PRODUCER_TRACE}-53995c3f42cd8ad8-01"


def record(message_id, body, traceparent=TRACEPARENT):
    attributes = {"traceparent": {"stringValue": traceparent, "dataType": "String"}} if traceparent else {}
    return {"messageId": message_id, "body": json.dumps(body), "attributes": {"ApproximateReceiveCount": "1"},
            "messageAttributes": attributes, "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:audit"}


class Context:
    def __init__(self, remaining_ms):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self):
        return self.remaining_ms


def audit_lines(caplog):
    return [{"orderId": r.orderId, "totalCents": r.totalCents, "messageId": r.messageId, "producerTraceId": r.producerTraceId}
            for r in caplog.records if r.getMessage() == "order accepted"]


def test_records_each_accepted_order_with_the_producer_trace(caplog):
    caplog.set_level(logging.INFO)
    event = {"Records": [record("m-1", {"type": "OrderAccepted", "orderId": "o-1", "totalCents": 2500}),
                         record("m-2", {"type": "OrderAccepted", "orderId": "o-2", "totalCents": 100}, traceparent=None)]}
    assert audit.handler(event, Context(30_000)) == {"batchItemFailures": []}
    assert audit_lines(caplog) == [
        {"orderId": "o-1", "totalCents": 2500, "messageId": "m-1", "producerTraceId": PRODUCER_TRACE},
        {"orderId": "o-2", "totalCents": 100, "messageId": "m-2", "producerTraceId": None},
    ]


def test_reports_only_the_record_that_is_not_an_order_event(caplog):
    caplog.set_level(logging.INFO)
    event = {"Records": [record("m-1", {"type": "Something"}), record("m-2", {"type": "OrderAccepted", "orderId": "o-2"}),
                         record("m-3", {"type": "OrderAccepted", "orderId": "o-3"}, traceparent="00-not-a-traceparent")]}
    assert audit.handler(event, Context(30_000)) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    # A malformed carrier starts a fresh trace; the message is still recorded.
    assert [line["orderId"] for line in audit_lines(caplog)] == ["o-2", "o-3"]


def test_near_the_deadline_no_record_is_started_and_all_are_redelivered(caplog):
    caplog.set_level(logging.INFO)
    event = {"Records": [record("m-1", {"type": "OrderAccepted", "orderId": "o-1"})]}
    assert audit.handler(event, Context(200)) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert audit_lines(caplog) == []
