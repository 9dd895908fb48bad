"""The codecs in Python terms (the Node suite's cases; the shared vectors hold many more)."""

import pytest

from cdk_serverless_tracing_runtime import (
    TraceContext,
    current_trace_context,
    format_traceparent,
    format_xray_header,
    lambda_trace_header,
    parse_traceparent,
    parse_tracestate,
    parse_xray_header,
    traceparent_to_xray,
    xray_to_traceparent,
)

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
VALID = f"00-{TRACE}-{SPAN}-01"


def members(n, prefix="k"):
    return ",".join(f"{prefix}{i}=v" for i in range(n))

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
XTRACE = "5759e988bd862e3fe1be46a994272793"
PARENT = "53995c3f42cd8ad8"


class TestParseTraceparent:
    def test_valid_header(self):
        assert parse_traceparent(VALID) == TraceContext(TRACE, SPAN, 1, True)

    @pytest.mark.parametrize("header", [
        f"  \t{VALID} \t", [VALID], (VALID,), f"cc-{TRACE}-{SPAN}-01-what-the-future-holds", f"01-{TRACE}-{SPAN}-01",
    ])
    def test_accepts(self, header):
        context = parse_traceparent(header)
        assert (context.trace_id, context.parent_id, context.sampled) == (TRACE, SPAN, True)

    @pytest.mark.parametrize("header", [
        f"ff-{TRACE}-{SPAN}-01", f"{VALID}-extra", f"{VALID}x", f"0A-{TRACE}-{SPAN}-01", f"00-{'0' * 32}-{SPAN}-01",
        f"00-{TRACE}-{'0' * 16}-01", f"00-{TRACE.upper()}-{SPAN}-01", f"00-{TRACE}-{SPAN}-0A", f"00-{TRACE}-{SPAN}-1",
        f"00-{TRACE[:31]}é-{SPAN}-01", [VALID, VALID], f"{VALID},{VALID}", [], "", None, 42, b"00-" + TRACE.encode(),
        f"{VALID}\n",
    ])
    def test_rejects(self, header):
        assert parse_traceparent(header) is None

    def test_keeps_every_flag_bit_it_reads(self):
        assert parse_traceparent(f"00-{TRACE}-{SPAN}-09")[2:4] == (9, True)
        assert parse_traceparent(f"00-{TRACE}-{SPAN}-fe")[2:4] == (0xFE, False)

    def test_keeps_a_valid_tracestate_and_drops_an_invalid_one_alone(self):
        assert parse_traceparent(VALID, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE").trace_state == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
        assert parse_traceparent(VALID, "Rojo=1") == TraceContext(TRACE, SPAN, 1, True)


class TestParseTracestate:
    @pytest.mark.parametrize("value, expected", [
        ("rojo=1,congo=2", "rojo=1,congo=2"),
        ("1vendor=a,tenant@system=b", "1vendor=a,tenant@system=b"),
        (" rojo=1 ,, \t,congo=2\t", "rojo=1,congo=2"),
        (["rojo=1", "congo=2"], "rojo=1,congo=2"),
        (members(32), members(32)),
        (f"{'k' * 256}={'v' * 255}", f"{'k' * 256}={'v' * 255}"),
        # As in Node: empty members are always dropped, whitespace or not.
        ("rojo=1,,congo=2,", "rojo=1,congo=2"),
    ])
    def test_accepts(self, value, expected):
        assert parse_tracestate(value) == expected

    @pytest.mark.parametrize("value", [
        "Rojo=1", "_rojo=1", "rojo", "=1", "rojo=", "rojo=a=b", "rojo=a\tb",
        "rojo=é", "rojo=1\n", f"{'k' * 257}=v", f"k={'v' * 257}", "rojo=1,BAD=2,congo=3", "", " , ,", None, 7,
    ])
    def test_discards_the_whole_value(self, value):
        assert parse_tracestate(value) is None


class TestTracestateLimits:
    """W3C Trace Context Level 2, https://www.w3.org/TR/trace-context-2/#tracestate-limits (the Node suite's cases)."""

    @pytest.mark.parametrize("value, expected", [
        (members(33), members(32)),
        (members(40), members(32)),
        (f"{members(16)},long={'x' * 124},{members(16, 'j')}", f"{members(16)},{members(16, 'j')}"),
        (",".join([f"{c * 100}=1" for c in "abcd"] + [f"e={'v' * 99}"]), ",".join(f"{c * 100}=1" for c in "abcd")),
        (f"k=1,long={'x' * 250},a={'y' * 100},b={'z' * 100},c={'w' * 120}", f"k=1,a={'y' * 100},b={'z' * 100},c={'w' * 120}"),
        (f"a={'x' * 253},b={'y' * 253},c=1", f"a={'x' * 253},c=1"),
        (f"{'k' * 256}={'v' * 256}", None),
        (f" a={'x' * 254} ,\t b={'y' * 253}", f"a={'x' * 254},b={'y' * 253}"),
        (f"a={'x' * 254},b={'y' * 253}", f"a={'x' * 254},b={'y' * 253}"),
    ])
    def test_bounded(self, value, expected):
        assert parse_tracestate(value) == expected

    def test_a_200_kb_tracestate_is_never_forwarded_as_is(self):
        huge = "rojo=1," * 30_000 + "congo=2"
        assert len(huge) > 200_000
        assert parse_tracestate(huge) == ",".join(["rojo=1"] * 32)
        assert parse_traceparent(VALID, huge).trace_state == ",".join(["rojo=1"] * 32)
        assert parse_tracestate(huge + ",BAD=1") is None


class TestFormatTraceparent:
    def test_version_00_and_known_flags_only(self):
        assert format_traceparent(TraceContext(TRACE, SPAN, 0xFF)) == f"00-{TRACE}-{SPAN}-03"
        assert format_traceparent({"trace_id": TRACE, "parent_id": SPAN, "trace_flags": 9}) == f"00-{TRACE}-{SPAN}-01"
        assert format_traceparent({"trace_id": TRACE, "parent_id": SPAN, "sampled": True}) == f"00-{TRACE}-{SPAN}-01"
        assert format_traceparent(TraceContext(TRACE, SPAN)) == f"00-{TRACE}-{SPAN}-00"

    def test_any_object_with_the_attributes(self):
        class Ctx:
            trace_id, parent_id, trace_flags = TRACE, SPAN, 1
        assert format_traceparent(Ctx()) == VALID

    def test_a_future_version_is_written_back_as_00(self):
        assert format_traceparent(parse_traceparent(f"cc-{TRACE}-{SPAN}-01-future")) == VALID

    @pytest.mark.parametrize("context", [
        None, TraceContext(TRACE), TraceContext("0" * 32, SPAN), TraceContext(TRACE, "0" * 16), TraceContext(TRACE.upper(), SPAN),
        TraceContext(TRACE[2:], SPAN), {}, "garbage",
    ])
    def test_none_for_unusable_contexts(self, context):
        assert format_traceparent(context) is None


class TestXrayHeader:
    def test_full_header(self):
        assert parse_xray_header(f"Root={ROOT};Parent={PARENT};Sampled=1") == TraceContext(XTRACE, PARENT, None, True)

    def test_keys_case_insensitive_any_order_trimmed(self):
        assert parse_xray_header(f" sampled = 0 ; PARENT={PARENT};  root={ROOT} ;") == TraceContext(XTRACE, PARENT, None, False)

    def test_short_epoch_padded_and_uppercase_lowercased(self):
        context = parse_xray_header("Root=1-759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8")
        assert context == TraceContext("0759e988bd862e3fe1be46a994272793", PARENT)

    def test_root_only_and_open_decision(self):
        assert parse_xray_header(f"Root={ROOT}") == TraceContext(XTRACE)
        assert parse_xray_header(f"Root={ROOT};Parent={PARENT};Sampled=?").sampled is None

    def test_an_empty_lineage_is_no_lineage_and_round_trips(self):
        for header in (f"Root={ROOT};Lineage=", f"Root={ROOT};Parent={PARENT};Sampled=1;Lineage= ;Foo=1"):
            context = parse_xray_header(header)
            assert context.lineage is None
            assert parse_xray_header(format_xray_header(context)) == context
        assert format_xray_header(parse_xray_header(f"Root={ROOT};Lineage=")) == f"Root={ROOT}"
        assert parse_xray_header(f"Root={ROOT};Lineage=;Lineage=a") is None

    def test_lineage_and_unknown_fields_verbatim_and_re_emitted(self):
        header = f"Root={ROOT};Parent={PARENT};Sampled=1;Lineage=a87bd80c:1|68fd508a:5;Self=1-67891234-12456789abcdef012345678;CalledFrom=Foo"
        context = parse_xray_header(header)
        assert context.lineage == "a87bd80c:1|68fd508a:5"
        assert context.extra == "Self=1-67891234-12456789abcdef012345678;CalledFrom=Foo"
        assert format_xray_header(context) == header

    @pytest.mark.parametrize("header", [
        f"Parent={PARENT};Sampled=1", "Root=2-5759e988-bd862e3fe1be46a994272793", "Root=1-15759e988-bd862e3fe1be46a994272793",
        "Root=1-00000000-000000000000000000000000", f"Root={ROOT};Parent=0000000000000000", f"Root={ROOT};Sampled=2",
        f"Root={ROOT};=x", f"Root={ROOT};junk", f"Root={ROOT};Root={ROOT}", f"Root={ROOT};Parent={'1' * 16};parent={'2' * 16}",
        [f"Root={ROOT}", f"Root={ROOT}"], "", None,
    ])
    def test_unusable(self, header):
        assert parse_xray_header(header) is None

    def test_format_takes_sampled_from_w3c_flags(self):
        assert format_xray_header({"trace_id": XTRACE, "parent_id": PARENT, "trace_flags": 1}) == f"Root={ROOT};Parent={PARENT};Sampled=1"
        assert format_xray_header(TraceContext(XTRACE, PARENT, 0)) == f"Root={ROOT};Parent={PARENT};Sampled=0"
        assert format_xray_header(TraceContext(XTRACE)) == f"Root={ROOT}"
        assert format_xray_header(TraceContext(XTRACE, "xyz")) is None
        assert format_xray_header(None) is None

    def test_conversions(self):
        assert xray_to_traceparent(f"Root={ROOT};Parent={PARENT};Sampled=1") == f"00-{XTRACE}-{PARENT}-01"
        assert traceparent_to_xray(f"00-{XTRACE}-{PARENT}-00") == f"Root={ROOT};Parent={PARENT};Sampled=0"
        assert xray_to_traceparent(f"Root={ROOT}") is None
        assert traceparent_to_xray("garbage") is None


class TestLambdaHeader:
    def test_reads_the_environment(self, monkeypatch):
        monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={ROOT};Parent={PARENT};Sampled=1")
        assert lambda_trace_header() == f"Root={ROOT};Parent={PARENT};Sampled=1"
        monkeypatch.delenv("_X_AMZN_TRACE_ID")
        assert lambda_trace_header() is None

    def test_current_context_without_a_span_is_the_invocation_header(self, monkeypatch):
        monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={ROOT};Parent={PARENT};Sampled=1;Lineage=a87bd80c:1")
        assert current_trace_context() == TraceContext(XTRACE, PARENT, None, True, None, "a87bd80c:1")
        monkeypatch.delenv("_X_AMZN_TRACE_ID")
        assert current_trace_context() is None
