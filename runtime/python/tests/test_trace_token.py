"""Trace tokens: the shared vectors in test/vectors/trace-token.json (written from the Node runtime), properties,
and start_linked_span on spans of the real OpenTelemetry SDK."""

import asyncio
import base64
import json
import logging
from pathlib import Path

import pytest
from conftest import snake_context
from hypothesis import given
from hypothesis import strategies as st

from cdk_serverless_tracing_runtime import _otel, annotations
from cdk_serverless_tracing_runtime.annotations import XRAY_ANNOTATIONS_ATTRIBUTE
from cdk_serverless_tracing_runtime.trace_token import (
    MAX_BUSINESS_KEY_BYTES,
    MAX_TRACE_TOKEN_LENGTH,
    REFUSALS,
    TraceTokenContents,
    create_trace_token,
    linked_span,
    read_trace_token,
    start_linked_span,
)

VECTORS = Path(__file__).resolve().parents[3] / "test" / "vectors" / "trace-token.json"
TRACE = "5759e988bd862e3fe1be46a994272793"
SPAN = "53995c3f42cd8ad8"
CONTEXT = {"trace_id": TRACE, "parent_id": SPAN, "sampled": True}
SECRET = "webhook-signing-secret"


def load():
    assert VECTORS.is_file(), f"{VECTORS} is missing: run `npx ts-node --transpile-only test/vectors/generate-trace-token.ts`"
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def camel(contents):
    """TraceTokenContents as the Node runtime's JSON: camelCase, no businessKey when there is none."""
    if contents is None:
        return None
    out = {"traceId": contents.trace_id, "spanId": contents.span_id, "sampled": contents.sampled}
    if contents.business_key is not None:
        out["businessKey"] = contents.business_key
    return out


def evaluate(args):
    secret = bytes.fromhex(args["secretHex"]) if isinstance(args.get("secretHex"), str) else args.get("secret")
    if args["op"] == "create":
        return create_trace_token(snake_context(args["context"]), secret=secret, business_key=args.get("businessKey"))
    refused = []
    contents = read_trace_token(args.get("token"), secret=secret, on_refused=refused.append)
    assert len(refused) == (0 if contents is not None else 1)
    return {"contents": camel(contents), "refusal": refused[0] if refused else None}


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(_otel, "WARNED_ONCE", set())


@pytest.fixture
def warnings(caplog):
    caplog.set_level(logging.WARNING, logger="cdk_serverless_tracing_runtime")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "cdk_serverless_tracing_runtime"]


def test_the_vectors_cover_every_outcome():
    cases = load()
    assert len(cases) >= 150
    reads = {case["expected"]["refusal"] for case in cases if case["input"]["op"] == "read"}
    assert reads == {None, *REFUSALS}
    assert any(case["expected"] is None for case in cases if case["input"]["op"] == "create")


@pytest.mark.parametrize("case", [pytest.param(case, id=case["name"]) for case in load()])
def test_vector(case):
    assert evaluate(case["input"]) == case["expected"]


def test_compact_url_safe_and_round_trips():
    token = create_trace_token(CONTEXT, secret=SECRET, business_key="order-1234")
    assert len(token) == 71 and token.replace("-", "").replace("_", "").isalnum() and token.isascii()
    assert read_trace_token(token, secret=SECRET) == TraceTokenContents(TRACE, SPAN, True, "order-1234")
    assert len(create_trace_token(CONTEXT)) == 35
    assert MAX_TRACE_TOKEN_LENGTH == 228


_hex_id = lambda n: st.text("0123456789abcdef", min_size=n, max_size=n).filter(lambda s: s.strip("0"))  # noqa: E731
_secrets = st.one_of(st.text(min_size=1).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)), st.binary(min_size=1, max_size=64))
_business_keys = st.text(min_size=1, max_size=40).filter(
    lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s) and len(s.encode()) <= MAX_BUSINESS_KEY_BYTES)


@given(_hex_id(32), _hex_id(16), st.booleans(), st.one_of(st.none(), _secrets), st.one_of(st.none(), _business_keys))
def test_property_any_context_secret_and_business_key_round_trip(trace_id, span_id, sampled, secret, business_key):
    token = create_trace_token({"trace_id": trace_id, "parent_id": span_id, "sampled": sampled}, secret=secret, business_key=business_key)
    assert len(token) <= MAX_TRACE_TOKEN_LENGTH
    expected = TraceTokenContents(trace_id, span_id, sampled, business_key)
    assert read_trace_token(token, secret=secret) == expected
    assert read_trace_token(token) == expected


_SIGNED = create_trace_token(CONTEXT, secret=SECRET, business_key="order-1234")
_tokenish = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="ascii"), max_size=300),
    st.from_regex(r"[A-Za-z0-9_-]{0,240}", fullmatch=True),
    st.binary(max_size=200).map(lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()),
    st.binary(max_size=190).map(lambda b: base64.urlsafe_b64encode(b"\x01" + b).rstrip(b"=").decode()),
    st.tuples(st.integers(0, len(_SIGNED)), st.text(max_size=3)).map(lambda t: _SIGNED[:t[0]] + t[1] + _SIGNED[t[0] + 1:]),
    st.none(), st.integers(), st.binary(), st.lists(st.text(), max_size=2),
)


@given(_tokenish, st.one_of(st.none(), st.text(), st.binary()))
def test_property_read_trace_token_never_raises(token, secret):
    read_trace_token(token, secret=secret)
    read_trace_token(token, secret=secret, on_refused=lambda reason: None)


@given(st.integers(0, len(base64.urlsafe_b64decode(_SIGNED + "=")) - 1), st.integers(1, 255))
def test_property_changing_any_byte_of_a_signed_token_refuses_it(at, xor):
    data = bytearray(base64.urlsafe_b64decode(_SIGNED + "="))
    data[at] ^= xor
    assert read_trace_token(base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode(), secret=SECRET) is None


def test_refusals_have_a_reason_and_never_raise():
    signed = create_trace_token(CONTEXT, secret=SECRET)

    def reason(token, **kwargs):
        said = []
        assert read_trace_token(token, on_refused=said.append, **kwargs) is None
        return said[0]

    assert reason(signed, secret="another") == "forged"
    assert reason(create_trace_token(CONTEXT), secret=SECRET) == "unsigned"
    assert reason(signed[:-1]) == "malformed"
    assert reason("not a token at all!") == "malformed"
    assert reason("A" * (MAX_TRACE_TOKEN_LENGTH + 1)) == "oversized"
    assert reason("Ag" + signed[2:]) == "version"
    assert reason(signed, secret="") == "secret"


def test_an_unusable_business_key_is_left_out_with_a_warning_an_unusable_secret_raises(warnings):
    token = create_trace_token(CONTEXT, business_key="x" * (MAX_BUSINESS_KEY_BYTES + 1))
    assert read_trace_token(token) == TraceTokenContents(TRACE, SPAN, True)
    assert warnings() == [f"cdk-serverless-tracing: trace token business key left out: not a well-formed string of at most {MAX_BUSINESS_KEY_BYTES} UTF-8 bytes"]
    for bad in ("", b"", 42, "\ud800"):
        with pytest.raises(TypeError, match="create_trace_token: secret must be a non-empty str or bytes"):
            create_trace_token(CONTEXT, secret=bad)


def test_defaults_to_the_lambda_header_without_a_current_span(monkeypatch):
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    assert create_trace_token() is None
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root=1-5759e988-bd862e3fe1be46a994272793;Parent={SPAN};Sampled=1")
    assert read_trace_token(create_trace_token()) == TraceTokenContents(TRACE, SPAN, True)
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
    assert create_trace_token() is None


def test_without_opentelemetry_api_fn_runs_without_a_span(monkeypatch):
    monkeypatch.setattr(_otel, "_api", None)
    token = create_trace_token(CONTEXT, secret=SECRET, business_key="order-1234")
    assert start_linked_span("webhook", token, lambda linked: linked.business_key, secret=SECRET) == "order-1234"
    assert start_linked_span("webhook", "forged", lambda linked: linked, secret=SECRET) is None
    with linked_span("webhook", token) as linked:
        assert linked.business_key == "order-1234"


class TestOnTheSdk:
    """start_linked_span with the SDK as the Lambda layer registers it."""

    @pytest.fixture(scope="class", autouse=True)
    def provider(self):
        pytest.importorskip("opentelemetry.sdk.trace")
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        from opentelemetry.util._once import Once

        # The global tracer provider can be set once per process: the slot is reset around these tests (as
        # OpenTelemetry's own test utilities do) and given back after.
        saved = trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE
        trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE = None, Once()
        exporter = InMemorySpanExporter()
        sdk = TracerProvider()
        sdk.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(sdk)
        yield exporter
        trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE = saved

    @pytest.fixture
    def exporter(self, provider):
        provider.clear()
        yield provider
        provider.clear()

    @staticmethod
    def token():
        return create_trace_token(CONTEXT, secret=SECRET, business_key="order-1234")

    def test_a_consumer_span_linked_to_not_parented_on_the_tokens_span(self, exporter, warnings):
        from opentelemetry import trace
        from opentelemetry.trace import SpanKind

        active = []

        def handler(linked):
            active.append(trace.get_current_span().get_span_context().span_id)
            return linked

        assert start_linked_span("payment webhook", self.token(), handler, secret=SECRET, annotate_key="orderId") == \
            TraceTokenContents(TRACE, SPAN, True, "order-1234")
        [span] = exporter.get_finished_spans()
        assert span.name == "payment webhook" and span.kind == SpanKind.CONSUMER
        assert span.context.span_id == active[0]
        assert format(span.context.trace_id, "032x") != TRACE and span.parent is None
        [link] = span.links
        assert (format(link.context.trace_id, "032x"), format(link.context.span_id, "016x"), link.context.is_remote) == (TRACE, SPAN, True)
        assert link.context.trace_flags.sampled
        assert {k: list(v) if isinstance(v, tuple) else v for k, v in span.attributes.items()} == \
            {"orderId": "order-1234", XRAY_ANNOTATIONS_ATTRIBUTE: ["orderId"]}
        assert span.instrumentation_scope.name == "cdk-serverless-tracing"
        assert warnings() == []

    def test_joins_the_current_trace_as_a_child_and_server_kind_on_request(self, exporter):
        from opentelemetry import trace
        from opentelemetry.trace import SpanKind

        with trace.get_tracer("test").start_as_current_span("invocation"):
            start_linked_span("webhook", self.token(), lambda linked: None, secret=SECRET, kind="server", tracer_name="webhooks")
        span, invocation = exporter.get_finished_spans()
        assert span.kind == SpanKind.SERVER
        assert span.context.trace_id == invocation.context.trace_id and span.parent.span_id == invocation.context.span_id
        assert span.attributes["businessKey"] == "order-1234"
        assert span.instrumentation_scope.name == "webhooks"

    def test_a_refused_token_or_none_only_means_no_link(self, exporter, warnings):
        forged = start_linked_span("webhook", self.token(), lambda linked: linked, secret="another")
        missing = start_linked_span("webhook", None, lambda linked: linked)
        unsigned = start_linked_span("webhook", create_trace_token(CONTEXT), lambda linked: linked, secret=SECRET)
        assert (forged, missing, unsigned) == (None, None, None)
        for span in exporter.get_finished_spans():
            assert list(span.links) == [] and dict(span.attributes) == {}
        assert warnings() == [
            "cdk-serverless-tracing: trace token refused (forged): no link",
            "cdk-serverless-tracing: trace token refused (unsigned): no link",
        ]

    def test_an_async_fn_runs_inside_the_span(self, exporter):
        from opentelemetry import trace

        async def handler(linked):
            await asyncio.sleep(0)
            return f"{linked.business_key}:{trace.get_current_span().get_span_context().span_id}"

        value = start_linked_span("webhook", self.token(), handler, secret=SECRET)
        [span] = exporter.get_finished_spans()
        assert value == f"order-1234:{span.context.span_id}"

    def test_inside_a_running_event_loop_the_context_manager_is_the_way(self, exporter):
        from opentelemetry import trace

        async def webhook():
            with pytest.raises(RuntimeError, match="use `with linked_span"):
                start_linked_span("webhook", self.token(), handler, secret=SECRET)
            with linked_span("webhook", self.token(), secret=SECRET) as linked:
                await asyncio.sleep(0)
                return linked.business_key, trace.get_current_span().get_span_context().span_id

        async def handler(linked):
            return linked

        key, span_id = asyncio.run(webhook())
        refused, span = exporter.get_finished_spans()
        assert key == "order-1234" and span_id == span.context.span_id
        assert refused.status.status_code.name == "ERROR"

    def test_an_exception_marks_the_span_and_is_passed_on(self, exporter):
        from opentelemetry import trace
        from opentelemetry.trace import StatusCode

        outer = trace.get_current_span()

        def handler(linked):
            raise ValueError("bad signature")

        with pytest.raises(ValueError, match="bad signature"):
            start_linked_span("webhook", self.token(), handler)
        with pytest.raises(RuntimeError, match="payment unknown"):
            with linked_span("webhook", self.token()):
                raise RuntimeError("payment unknown")
        thrown, raised = exporter.get_finished_spans()
        assert (thrown.status.status_code, thrown.status.description) == (StatusCode.ERROR, "bad signature")
        assert (raised.status.status_code, raised.status.description) == (StatusCode.ERROR, "payment unknown")
        assert [e.name for e in thrown.events] == ["exception"]
        assert trace.get_current_span() is outer

    def test_an_exception_whose_text_cannot_be_read_is_passed_on_as_it_is(self, exporter):
        from opentelemetry.trace import StatusCode

        class Unreadable(Exception):
            def __str__(self):
                raise RuntimeError("no text")

        with pytest.raises(Unreadable):
            with linked_span("webhook", self.token()):
                raise Unreadable()
        [span] = exporter.get_finished_spans()
        assert (span.status.status_code, span.status.description) == (StatusCode.ERROR, "Unreadable")
