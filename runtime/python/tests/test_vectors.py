"""The shared vectors in test/vectors/, written from the Node runtime: the Python twin must give the same."""

import copy
import json
import logging
from pathlib import Path

import pytest
from conftest import camel_context, snake_context

import cdk_serverless_tracing_runtime as rt

VECTORS = Path(__file__).resolve().parents[3] / "test" / "vectors"
FILES = ["traceparent", "tracestate", "xray-header", "conversions", "carriers"]


def load(name):
    path = VECTORS / f"{name}.json"
    assert path.is_file(), f"{path} is missing: run `npx ts-node --transpile-only test/vectors/generate.ts`"
    return json.loads(path.read_text(encoding="utf-8"))


def cases(name):
    return [pytest.param(case, id=f"{name}: {case['name']}") for case in load(name)]


def test_every_file_has_valid_and_malformed_cases():
    for name in FILES:
        expected = [case["expected"] for case in load(name)]
        assert len(expected) >= 50, name
        if name != "carriers":
            assert None in expected and any(e is not None for e in expected), name


@pytest.mark.parametrize("case", cases("traceparent"))
def test_traceparent(case):
    args = case["input"]
    assert camel_context(rt.parse_traceparent(args.get("traceparent"), args.get("tracestate"))) == case["expected"]


@pytest.mark.parametrize("case", cases("tracestate"))
def test_tracestate(case):
    assert rt.parse_tracestate(case["input"].get("tracestate")) == case["expected"]


@pytest.mark.parametrize("case", cases("xray-header"))
def test_xray_header(case):
    assert camel_context(rt.parse_xray_header(case["input"].get("header"))) == case["expected"]


CONVERSIONS = {
    "formatTraceparent": lambda argument: rt.format_traceparent(snake_context(argument)),
    "formatXrayHeader": lambda argument: rt.format_xray_header(snake_context(argument)),
    "xrayToTraceparent": rt.xray_to_traceparent,
    "traceparentToXray": rt.traceparent_to_xray,
}


@pytest.mark.parametrize("case", cases("conversions"))
def test_conversions(case):
    args = case["input"]
    assert CONVERSIONS[args["function"]](args["argument"]) == case["expected"]


class Warnings(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def run_carrier(args):
    function = args["function"]
    if function == "injectSqsMessage":
        return {"message": rt.inject_sqs_message(copy.deepcopy(args["message"]), snake_context(args["context"]))}
    if function == "injectSnsMessage":
        return {"message": rt.inject_sns_message(copy.deepcopy(args["message"]), snake_context(args["context"]))}
    if function == "injectEventBridgeEntry":
        entry = copy.deepcopy(args["entry"])
        if "key" in args:
            return {"entry": rt.inject_eventbridge_entry(entry, snake_context(args["context"]), args["key"])}
        return {"entry": rt.inject_eventbridge_entry(entry, snake_context(args["context"]))}
    if function == "sqsRecordContext":
        return camel_context(rt.sqs_record_context(args["record"], args.get("eventBridgeKey")))
    if function == "snsRecordContext":
        return camel_context(rt.sns_record_context(args["record"]))
    if function == "eventBridgeEventContext":
        return camel_context(rt.eventbridge_event_context(args["event"], args.get("key")))
    raise AssertionError(f"unknown carrier function {function}")


@pytest.mark.parametrize("case", cases("carriers"))
def test_carriers(case):
    handler = Warnings()
    logger = logging.getLogger("cdk_serverless_tracing_runtime")
    logger.addHandler(handler)
    try:
        actual = run_carrier(case["input"])
    finally:
        logger.removeHandler(handler)
    if isinstance(actual, dict) and set(actual) <= {"message", "entry"}:
        actual["warnings"] = handler.messages
        # Same bytes as Node would send: key order included.
        assert json.dumps(actual) == json.dumps(case["expected"])
    assert actual == case["expected"]
