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


def expand(value):
    """A vector with its long text expanded: ``{"$text": [part, ...]}`` is the parts joined, each a string or
    ``[unit, count]`` (the unit repeated), as test/vectors/generate.ts writes it."""
    if isinstance(value, list):
        return [expand(item) for item in value]
    if isinstance(value, dict):
        parts = value.get("$text")
        if isinstance(parts, list):
            return "".join(part if isinstance(part, str) else part[0] * part[1] for part in parts)
        return {key: expand(item) for key, item in value.items()}
    return value


def test_expand():
    assert expand({"a": [{"$text": ["<", ["\U0001F600", 3], ">"]}]}) == {"a": ["<\U0001F600\U0001F600\U0001F600>"]}


def test_every_file_has_valid_and_malformed_cases():
    for name in FILES:
        expected = [case["expected"] for case in load(name)]
        assert len(expected) >= 50, name
        if name != "carriers":
            assert None in expected and any(e is not None for e in expected), name


@pytest.mark.parametrize("case", cases("traceparent"))
def test_traceparent(case):
    args = expand(case["input"])
    assert camel_context(rt.parse_traceparent(args.get("traceparent"), args.get("tracestate"))) == case["expected"]


@pytest.mark.parametrize("case", cases("tracestate"))
def test_tracestate(case):
    assert rt.parse_tracestate(expand(case["input"]).get("tracestate")) == case["expected"]


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


def injected(name, carrier, inject, warnings):
    """An injector's result as the Node harness records it: the carrier as sent, the warnings, the error's message."""
    result = {name: carrier, "warnings": warnings.messages}
    try:
        inject(carrier)
    except ValueError as error:
        result["error"] = str(error)
    return result


def run_carrier(args, warnings):
    rt._otel.WARNED_ONCE.clear()  # each case stands alone, as in Node
    function = args["function"]
    context = snake_context(args.get("context"))
    if function == "injectSqsMessage":
        return injected("message", copy.deepcopy(args["message"]), lambda m: rt.inject_sqs_message(m, context), warnings)
    if function == "injectSnsMessage":
        return injected("message", copy.deepcopy(args["message"]), lambda m: rt.inject_sns_message(m, context), warnings)
    if function == "injectEventBridgeEntry":
        if "key" in args:
            return injected("entry", copy.deepcopy(args["entry"]), lambda e: rt.inject_eventbridge_entry(e, context, args["key"]), warnings)
        return injected("entry", copy.deepcopy(args["entry"]), lambda e: rt.inject_eventbridge_entry(e, context), warnings)
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
        actual = run_carrier(expand(case["input"]), handler)
    finally:
        logger.removeHandler(handler)
    expected = expand(case["expected"])
    if isinstance(actual, dict) and ("message" in actual or "entry" in actual):
        # Same bytes as Node would send: key order included.
        assert json.dumps(actual) == json.dumps(expected)
    assert actual == expected
