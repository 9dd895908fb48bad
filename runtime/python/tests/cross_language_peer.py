"""The Python half of the cross-language round trip (test/runtime/cross-language.test.ts drives it).

``produce``: under one span of the real OpenTelemetry SDK, sends through boto3 with this package's carriers
(SQS ``send_message``, SNS ``publish``, EventBridge ``put_events``) and prints the producer's span context.
``consume``: receives a queue's messages through boto3, hands them to ``process_sqs_batch`` shaped as
Lambda's SQS event source delivers them, and prints the finished spans with their links.

Both print one JSON document on stdout; moto's endpoint and the resources come as arguments.
"""

import argparse
import json
import sys

import boto3
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from cdk_serverless_tracing_runtime import (
    inject_eventbridge_entry,
    inject_sns_message,
    inject_sqs_message,
    process_sqs_batch,
)

REGION = "us-east-1"


def client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def hex_ids(span_context):
    return {"traceId": format(span_context.trace_id, "032x"), "spanId": format(span_context.span_id, "016x")}


def produce(args, tracer):
    with tracer.start_as_current_span("python-producer") as span:
        if args.queue_url:
            client("sqs", args.endpoint).send_message(**inject_sqs_message(
                {"QueueUrl": args.queue_url, "MessageBody": json.dumps({"hop": "sqs"})}))
        if args.topic_arn:
            client("sns", args.endpoint).publish(**inject_sns_message(
                {"TopicArn": args.topic_arn, "Message": json.dumps({"hop": "sns"})}))
        if args.source:
            response = client("events", args.endpoint).put_events(Entries=[inject_eventbridge_entry(
                {"Source": args.source, "DetailType": args.detail_type, "Detail": json.dumps({"hop": "eventbridge"})})])
            if response["FailedEntryCount"]:
                raise SystemExit(f"put_events failed: {response['Entries']}")
        return hex_ids(span.get_span_context())


def lambda_record(message, queue_arn):
    """A received message as Lambda's SQS event source hands it to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"]}
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def consume(args, exporter):
    sqs = client("sqs", args.endpoint)
    messages = []
    for _ in range(20):
        if len(messages) >= args.expected:
            break
        messages += sqs.receive_message(QueueUrl=args.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                        MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
    event = {"Records": [lambda_record(m, args.queue_arn) for m in messages]}
    producers = []
    result = process_sqs_batch(event, lambda record, scope: producers.append(
        scope.producer.parent_id if scope.producer else None))
    return {
        "result": result,
        "producers": producers,
        "bodies": [json.loads(m["Body"]) for m in messages],
        "spans": [{
            "name": span.name,
            "kind": span.kind.name,
            "traceId": format(span.context.trace_id, "032x"),
            "links": [hex_ids(link.context) for link in span.links],
        } for span in exporter.get_finished_spans()],
    }


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["produce", "consume"])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--queue-url")
    parser.add_argument("--queue-arn")
    parser.add_argument("--expected", type=int, default=1)
    parser.add_argument("--topic-arn")
    parser.add_argument("--source")
    parser.add_argument("--detail-type", default="PaymentCompleted")
    args = parser.parse_args(argv)

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    output = produce(args, trace.get_tracer("cross-language")) if args.mode == "produce" else consume(args, exporter)
    json.dump(output, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
