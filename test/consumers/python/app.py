"""The consumer packaging test's app in Python: the same app as ../app.ts, through the cdk-serverless-tracing wheel."""
import sys

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from cdk_serverless_tracing import TracedEventBus, TracedFunction, TracedQueue

app = cdk.App(outdir=sys.argv[1], context={"aws:cdk:version-reporting": False})
stack = cdk.Stack(app, "ConsumerApp", env=cdk.Environment(account="123456789012", region="eu-west-1"))
code = lambda_.Code.from_inline("exports.handler = async () => ({});")
api = TracedFunction(stack, "Api", runtime=lambda_.Runtime.NODEJS_22_X, handler="index.handler", code=code, memory_size=256)
worker = TracedFunction(
    stack, "Worker", runtime=lambda_.Runtime.NODEJS_22_X, handler="index.handler", code=code, memory_size=256,
    timeout=cdk.Duration.seconds(30),
)
jobs = TracedQueue(stack, "Jobs")
jobs.add_producer(api)
jobs.add_consumer(worker)
bus = TracedEventBus(stack, "Events")
bus.add_producer(worker)
bus.add_consumer("JobDone", api, event_pattern={"source": ["consumer.app"], "detail_type": ["JobDone"]})
app.synth()
