"""audit: records every OrderAccepted event that validate fans out through the order-events topic.

The audit queue subscribes to the topic with raw delivery, so validate's W3C ``traceparent`` arrives as a
message attribute; ``process_sqs_batch`` gives each record a CONSUMER span linked to validate's span, and
reports only the records that failed, so SQS redelivers those alone.
"""

import json
import logging

# Vendored into this function's asset by the example's stack (python-handler-code.ts); in an application:
# pip install cdk-serverless-tracing-runtime into the asset.
from cdk_serverless_tracing_runtime import process_sqs_batch

LOGGER = logging.getLogger()
LOGGER.setLevel(logging.INFO)


def handler(event, context):
    return process_sqs_batch(event, record_order_event, context)


def record_order_event(record, scope):
    """One audit line per accepted order; a record that is not an OrderAccepted event is a failure."""
    order_event = json.loads(record["body"])
    if not isinstance(order_event, dict) or order_event.get("type") != "OrderAccepted" or not order_event.get("orderId"):
        raise ValueError(f"message {record.get('messageId')} is not an OrderAccepted event")
    # Lambda's JSON log format keeps the extra keys as fields, so Logs Insights can join them to the trace.
    LOGGER.info("order accepted", extra={
        "orderId": order_event["orderId"],
        "totalCents": order_event.get("totalCents"),
        "messageId": record.get("messageId"),
        "producerTraceId": scope.producer.trace_id if scope.producer else None,
    })
