"""X-Ray annotations and metadata on spans of the real OpenTelemetry SDK (skipped without opentelemetry-sdk)."""

import logging
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("opentelemetry.sdk.trace")

from opentelemetry import trace  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags  # noqa: E402
from opentelemetry.util._once import Once  # noqa: E402

from cdk_serverless_tracing_runtime import _otel, annotations  # noqa: E402
from cdk_serverless_tracing_runtime.annotations import (  # noqa: E402
    MAX_ANNOTATIONS,
    XRAY_ANNOTATIONS_ATTRIBUTE,
    add_metadata,
    annotate,
    annotate_invocation,
)

_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def provider():
    """The SDK as the Lambda layer registers it. The global tracer provider can be set once per process, so
    the slot is reset around this module (as OpenTelemetry's own test utilities do) and given back after."""
    saved = trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE
    trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE = None, Once()
    sdk = TracerProvider()
    sdk.add_span_processor(SimpleSpanProcessor(_EXPORTER))
    trace.set_tracer_provider(sdk)
    yield sdk
    trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE = saved


@pytest.fixture(autouse=True)
def exporter(monkeypatch):
    _EXPORTER.clear()
    monkeypatch.setattr(_otel, "WARNED_ONCE", set())
    yield _EXPORTER
    _EXPORTER.clear()


@pytest.fixture
def warnings(caplog):
    caplog.set_level(logging.WARNING, logger="cdk_serverless_tracing_runtime")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "cdk_serverless_tracing_runtime"]


def in_span(fn, name="handler"):
    """Runs ``fn`` in a current span and returns the span as exported."""
    with trace.get_tracer("test").start_as_current_span(name):
        fn()
    return _EXPORTER.get_finished_spans()[-1]


def attributes(span):
    return {key: list(value) if isinstance(value, tuple) else value for key, value in span.attributes.items()}


def test_sets_each_value_and_declares_its_key(warnings):
    span = in_span(lambda: annotate({"orderId": "o-1", "successfulOrder": True, "amount": 12.5, "items": 3}))
    assert attributes(span) == {
        "orderId": "o-1", "successfulOrder": True, "amount": 12.5, "items": 3,
        XRAY_ANNOTATIONS_ATTRIBUTE: ["orderId", "successfulOrder", "amount", "items"],
    }
    assert warnings() == []


def test_merges_with_the_keys_already_declared_without_duplicates():
    def handler():
        trace.get_current_span().set_attribute(XRAY_ANNOTATIONS_ATTRIBUTE, ["tenant"])
        annotate({"orderId": "o-1"})
        annotate({"orderId": "o-2", "successfulOrder": False})
        annotate({})

    span = in_span(handler)
    assert span.attributes["orderId"] == "o-2"
    assert list(span.attributes[XRAY_ANNOTATIONS_ATTRIBUTE]) == ["tenant", "orderId", "successfulOrder"]


def test_annotates_the_span_given_rather_than_the_current_one():
    other = trace.get_tracer("test").start_span("other")
    active = in_span(lambda: annotate({"orderId": "o-9"}, other))
    other.end()
    annotated = _EXPORTER.get_finished_spans()[-1]
    assert dict(active.attributes) == {}
    assert annotated.name == "other"
    assert attributes(annotated) == {"orderId": "o-9", XRAY_ANNOTATIONS_ATTRIBUTE: ["orderId"]}


def test_skips_keys_and_values_xray_would_not_index_with_one_warning_each(warnings):
    emoji = "\U0001F600" * 1000
    invalid = {
        "order.id": "dot", "order id": "space", "": "empty", "k" + "x" * 500: "long key", "clé": "non-ASCII", 42: "int key",
        "objectValue": {"a": 1}, "arrayValue": ["a"], "noneValue": None, "nanValue": math.nan, "infiniteValue": math.inf,
        "longValue": "x" * 1001, "hugeInt": 2 ** 63, "bytesValue": b"x",
    }

    def handler():
        annotate({**invalid, "emojiValue": emoji, "emptyValue": "", "zero": 0, "minInt": -(2 ** 63), "kept": "yes"})
        annotate(invalid)

    span = in_span(handler)
    assert list(span.attributes[XRAY_ANNOTATIONS_ATTRIBUTE]) == ["emojiValue", "emptyValue", "zero", "minInt", "kept"]
    assert span.attributes["emojiValue"] == emoji
    assert not set(invalid) & set(span.attributes)
    said = warnings()
    assert len(said) == len(invalid)
    assert said[0] == "cdk-serverless-tracing: annotation order.id skipped: key not [A-Za-z0-9_]{1,500}"
    assert "cdk-serverless-tracing: annotation nanValue skipped: value not a string of up to 1,000 characters, finite number or boolean" in said


def test_declares_at_most_50_annotations_on_a_span(warnings):
    def handler():
        annotate({f"limit{i}": i for i in range(55)})
        annotate({"limit3": "updated"})

    span = in_span(handler)
    declared = span.attributes[XRAY_ANNOTATIONS_ATTRIBUTE]
    assert len(declared) == MAX_ANNOTATIONS and declared[49] == "limit49"
    assert span.attributes["limit3"] == "updated" and "limit50" not in span.attributes
    assert len(warnings()) == 5
    assert warnings()[0] == f"cdk-serverless-tracing: annotation limit50 skipped: over {MAX_ANNOTATIONS} annotations"


def test_no_op_without_a_current_span_on_an_ended_span_and_on_a_span_not_recording(warnings):
    annotate({"orderId": "o-1"})
    ended = trace.get_tracer("test").start_span("ended")
    ended.end()
    annotate({"orderId": "o-1"}, ended)
    add_metadata("order", {"id": "o-1"}, ended)
    not_sampled = NonRecordingSpan(SpanContext(0x4bf92f3577b34da6a3ce929d0e0e4736, 0x00f067aa0ba902b7, False, TraceFlags(0)))
    annotate({"orderId": "o-1"}, not_sampled)
    assert dict(_EXPORTER.get_finished_spans()[0].attributes) == {}
    assert warnings() == []


def test_programmer_errors_raise():
    for bad in (None, "orderId", 42, ["orderId"]):
        with pytest.raises(TypeError, match=r"annotate: expected a mapping \{key: value\}"):
            annotate(bad)
    with pytest.raises(TypeError, match="add_metadata: key must be a string"):
        add_metadata(42, "x")


def test_metadata_attributes_not_declared_objects_as_json_text():
    def handler():
        annotate({"orderId": "o-1"})
        add_metadata("orderCreated", {"orderId": "o-1", "items": [1, 2], "note": "é"})
        add_metadata("status", "created")
        add_metadata("total", 12.5)
        add_metadata("paid", False)
        add_metadata("lines", ["a", "b"])
        add_metadata("nothing", None)

    span = in_span(handler)
    assert attributes(span) == {
        "orderId": "o-1", XRAY_ANNOTATIONS_ATTRIBUTE: ["orderId"],
        "orderCreated": '{"orderId":"o-1","items":[1,2],"note":"é"}', "status": "created", "total": 12.5, "paid": False,
        "lines": '["a","b"]', "nothing": "null",
    }


def test_metadata_skipped_for_a_reserved_or_annotated_key_or_a_value_json_cannot_hold(warnings):
    cycle = []
    cycle.append(cycle)

    def handler():
        annotate({"annotatedKey": "o-1"})
        add_metadata("annotatedKey", "again")
        add_metadata(XRAY_ANNOTATIONS_ATTRIBUTE, ["x"])
        add_metadata("cycle", cycle)
        add_metadata("", "x")

    span = in_span(handler)
    assert attributes(span) == {"annotatedKey": "o-1", XRAY_ANNOTATIONS_ATTRIBUTE: ["annotatedKey"]}
    assert warnings() == [
        "cdk-serverless-tracing: metadata annotatedKey skipped: key is an annotation",
        "cdk-serverless-tracing: metadata aws.xray.annotations skipped: reserved key",
        "cdk-serverless-tracing: metadata cycle skipped: value not JSON",
        "cdk-serverless-tracing: metadata  skipped: reserved key",
    ]


def test_metadata_refuses_an_annotated_key_on_a_span_whose_attributes_cannot_be_read(warnings):
    class OpaqueSpan:
        """A recording span of another implementation: it takes attributes and shows none."""

        def __init__(self):
            self.set = {}

        def is_recording(self):
            return True

        def set_attribute(self, key, value):
            self.set[key] = value

    span = OpaqueSpan()
    annotate({"orderId": "o-1"}, span)
    add_metadata("orderId", "again", span)
    add_metadata("detail", {"a": 1}, span)
    assert span.set == {"orderId": "o-1", XRAY_ANNOTATIONS_ATTRIBUTE: ["orderId"], "detail": '{"a":1}'}
    assert warnings() == ["cdk-serverless-tracing: metadata orderId skipped: key is an annotation"]


def test_cold_start_then_warm_and_service_from_otel_service_name(monkeypatch):
    monkeypatch.setattr(annotations, "_first_invocation", True)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "orders-api")
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    first = in_span(annotate_invocation)
    second = in_span(annotate_invocation)
    assert attributes(first) == {"ColdStart": True, "Service": "orders-api", XRAY_ANNOTATIONS_ATTRIBUTE: ["ColdStart", "Service"]}
    assert attributes(second) == {"ColdStart": False, "Service": "orders-api", XRAY_ANNOTATIONS_ATTRIBUTE: ["ColdStart", "Service"]}


def test_no_service_without_otel_service_name_and_provisioned_concurrency_is_never_cold(monkeypatch):
    monkeypatch.setattr(annotations, "_first_invocation", True)
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "provisioned-concurrency")
    assert attributes(in_span(annotate_invocation)) == {"ColdStart": False, XRAY_ANNOTATIONS_ATTRIBUTE: ["ColdStart"]}


def test_an_existing_faas_coldstart_attribute_wins_and_the_first_call_counts_without_a_span(monkeypatch):
    monkeypatch.setattr(annotations, "_first_invocation", True)
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    annotate_invocation()
    warm = in_span(annotate_invocation)

    def distro():
        trace.get_current_span().set_attribute("faas.coldstart", True)
        annotate_invocation()

    assert warm.attributes["ColdStart"] is False
    assert attributes(in_span(distro)) == {"faas.coldstart": True, "ColdStart": True, XRAY_ANNOTATIONS_ATTRIBUTE: ["ColdStart"]}


def test_without_opentelemetry_api_everything_is_a_no_op_that_still_refuses_programmer_errors(monkeypatch):
    monkeypatch.setattr(_otel, "_api", None)
    annotate({"orderId": "o-1"})
    add_metadata("order", {"id": 1})
    annotate_invocation()
    with pytest.raises(TypeError):
        annotate(None)


_values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.binary(),
                    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=3))


@given(st.dictionaries(st.one_of(st.text(), st.integers()), _values, max_size=8), st.text(), _values)
def test_property_annotate_and_add_metadata_never_raise_for_data(items, key, value):
    def handler():
        annotate(items)
        add_metadata(key, value)

    span = in_span(handler)
    declared = list(span.attributes.get(XRAY_ANNOTATIONS_ATTRIBUTE, ()))
    assert len(declared) <= MAX_ANNOTATIONS
    assert all(annotations._KEY.fullmatch(k) for k in declared)
