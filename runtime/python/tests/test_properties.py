"""Properties (Hypothesis): parse(format(context)) is the identity, and no input at all makes anything raise."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdk_serverless_tracing_runtime import (
    TraceContext,
    eventbridge_event_context,
    format_traceparent,
    format_xray_header,
    inject_eventbridge_entry,
    inject_sns_message,
    inject_sqs_message,
    parse_traceparent,
    parse_tracestate,
    parse_xray_header,
    process_sqs_batch,
    sns_record_context,
    sqs_record_context,
    traceparent_to_xray,
    xray_to_traceparent,
)
from cdk_serverless_tracing_runtime._js import OBJECT_PROTOTYPE_KEYS
from cdk_serverless_tracing_runtime.xray_header import _parse_fields

HEX = "0123456789abcdef"
KEY_START = string.ascii_lowercase + string.digits
KEY_REST = KEY_START + "_-*/@"
VALUE_LAST = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in ",=")
VALUE = " " + VALUE_LAST


def hex_id(length):
    return st.text(HEX, min_size=length, max_size=length).filter(lambda s: s.strip("0") != "")


tracestate_member = st.builds(
    lambda k0, k, v, v1: f"{k0}{k}={v}{v1}",
    st.sampled_from(KEY_START), st.text(KEY_REST, max_size=20), st.text(VALUE, max_size=20), st.sampled_from(VALUE_LAST),
)

w3c_context = st.builds(
    lambda trace_id, parent_id, flags, state: TraceContext(trace_id, parent_id, flags, flags & 1 == 1, state),
    hex_id(32), hex_id(16), st.integers(0, 3),
    # Within Level 2's 512 characters: a longer one is truncated (TestTracestateBounds), not returned as given.
    st.none() | st.lists(tracestate_member, min_size=1, max_size=32).map(",".join).filter(lambda s: len(s) <= 512),
)

lineage_hop = st.builds(lambda h, n: f"{h}:{n}", st.text(HEX, min_size=8, max_size=8), st.integers(0, 999))
lineage = st.lists(lineage_hop, min_size=1, max_size=4).map("|".join)
extra_field = st.builds(
    lambda k, v: f"X{k}={v}",
    st.text(string.ascii_letters, max_size=8),
    st.text(string.ascii_letters + string.digits + ":-.", min_size=1, max_size=12),
)

xray_context = st.builds(
    lambda trace_id, parent_id, sampled, lineage, extra: TraceContext(trace_id, parent_id, None, sampled, None, lineage, extra),
    hex_id(32),
    st.none() | hex_id(16),
    st.none() | st.booleans(),
    st.none() | lineage,
    st.none() | st.lists(extra_field, min_size=1, max_size=3).map(";".join),
)

TOKENS = ["0", "1", "f", "F", "a", "-", ";", "=", ",", " ", "\t", "Root", "Parent", "Sampled", "Lineage", "?", "@", "\u00e9", "\U0001F600", "\n"]


def delete_one(header):
    return st.integers(0, len(header)).map(lambda i: header[:i] + header[i + 1:])


# Strings that look like headers most of the time, so the parsers get past their first checks.
headerish = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(TOKENS), max_size=60).map("".join),
    w3c_context.map(format_traceparent).flatmap(delete_one),
    xray_context.map(format_xray_header).flatmap(delete_one),
)

header_value = headerish | st.none() | st.lists(headerish, max_size=3) | st.integers()

KEYS = [
    "traceparent", "tracestate", "stringValue", "Value", "messageAttributes", "attributes", "AWSTraceHeader", "body", "Type",
    "MessageAttributes", "detail", "_trace", "Sns", "Records", "messageId", "MessageGroupId", "eventSourceARN", "Detail",
    "MessageSystemAttributes", "TraceHeader", "Source", "Resources", "Time", "x",
]
json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | st.sampled_from([
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8",
    "Notification", "rojo=1", '{"detail":{"_trace":{"traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}}',
])
json_value = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(string.ascii_letters, max_size=5), children, max_size=5),
    max_leaves=20,
)

context_like = st.one_of(
    w3c_context, xray_context, st.none(),
    st.dictionaries(st.sampled_from(["trace_id", "parent_id", "trace_flags", "sampled", "trace_state", "lineage", "extra"]), json_value),
)


class TestIdentity:
    @given(w3c_context)
    def test_w3c(self, context):
        assert parse_traceparent(format_traceparent(context), context.trace_state) == context

    @given(xray_context)
    def test_x_ray(self, context):
        assert parse_xray_header(format_xray_header(context)) == context

    @given(w3c_context)
    def test_w3c_through_x_ray_and_back(self, context):
        # X-Ray carries the sampled bit only: random-trace-id (02) does not survive the trip.
        sampled_only = context._replace(trace_flags=context.trace_flags & 1)
        assert xray_to_traceparent(traceparent_to_xray(format_traceparent(context))) == format_traceparent(sampled_only)

    @given(headerish)
    def test_format_parse_is_stable_for_any_header_that_parses(self, header):
        once = parse_xray_header(header)
        if once is not None:
            assert parse_xray_header(format_xray_header(once)) == once._replace(lineage=once.lineage or None)
        w3c = parse_traceparent(header)
        if w3c is not None:
            assert parse_traceparent(format_traceparent(w3c)) == w3c._replace(trace_flags=w3c.trace_flags & 3, sampled=w3c.sampled)

    @given(st.lists(tracestate_member, min_size=1, max_size=32).filter(lambda m: len(",".join(m)) <= 512))
    def test_a_valid_tracestate_comes_back_as_given(self, members):
        assert parse_tracestate(",".join(members)) == ",".join(members)
        assert parse_tracestate(" , ".join(members)) == ",".join(members)


long_member = st.builds(lambda k, v: f"{k}={v}", st.from_regex(r"[a-z][a-z0-9]{0,30}", fullmatch=True),
                        st.text(VALUE_LAST, min_size=100, max_size=256))


class TestTracestateBounds:
    """W3C Trace Context Level 2 limits (https://www.w3.org/TR/trace-context-2/#tracestate-limits), whatever comes in."""

    @given(st.lists(st.one_of(tracestate_member, long_member, st.sampled_from(["", " ", "\t"])), min_size=1, max_size=80).map(",".join))
    def test_at_most_32_members_and_512_characters_idempotent_in_order(self, value):
        bounded = parse_tracestate(value)
        if bounded is None:
            return
        kept = bounded.split(",")
        assert len(kept) <= 32 and len(bounded) <= 512 and "" not in kept
        assert parse_tracestate(bounded) == bounded
        given_members = [m.strip(" \t") for m in value.split(",") if m.strip(" \t")]
        at = 0
        for member in kept:  # a subsequence of the input's members, in their order
            at = given_members.index(member, at) + 1


canonical_xray = st.builds(
    lambda epoch, random, parent, sampled, lineage: f"Root=1-{epoch}-{random}" + "".join(
        f";{k}={v}" for k, v in (("Parent", parent), ("Sampled", sampled), ("Lineage", lineage)) if v is not None),
    st.text("0a", min_size=8, max_size=8) | st.text(HEX, min_size=8, max_size=8),
    st.text("0f", min_size=24, max_size=24) | st.text(HEX, min_size=24, max_size=24),
    st.none() | st.text("01", min_size=16, max_size=16) | st.text(HEX, min_size=16, max_size=16),
    st.none() | st.sampled_from(["0", "1", "?", "", "2"]),
    st.none() | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12),
)


class TestCanonicalXrayFastPath:
    @given(canonical_xray)
    def test_same_result_as_the_general_parser(self, header):
        assert parse_xray_header(header) == _parse_fields(header)


class TestNeverRaises:
    @given(header_value, header_value)
    def test_codecs(self, a, b):
        parse_traceparent(a, b)
        parse_traceparent([a, b])
        parse_tracestate(a)
        parse_xray_header(a)
        xray_to_traceparent(a)
        traceparent_to_xray(a)

    @given(json_value, headerish)
    def test_record_readers_on_any_shape(self, value, header):
        sqs_record_context(value)
        sqs_record_context({"messageAttributes": {"traceparent": {"stringValue": header}, "tracestate": value},
                            "attributes": {"AWSTraceHeader": header}, "body": header})
        sqs_record_context({"body": '{"Type":"Notification","MessageAttributes":{"traceparent":{"Value":' + repr(value) + "}}}" + header})
        sns_record_context(value)
        eventbridge_event_context(value)
        eventbridge_event_context({"detail": {"_trace": {"traceparent": value, "tracestate": header}}})
        eventbridge_event_context(value, header)

    @given(json_value, context_like, headerish)
    def test_injectors_on_any_shape(self, message, context, key):
        for inject in (inject_sqs_message, inject_sns_message):
            inject(message if not isinstance(message, dict) else dict(message), context)
        if isinstance(message, dict):
            # Data never raises; a key that is a programming error does, whatever the data.
            if not key or "." in key or key in OBJECT_PROTOTYPE_KEYS:
                with pytest.raises(ValueError, match="invalid EventBridge key"):
                    inject_eventbridge_entry(dict(message), context, key)
            else:
                inject_eventbridge_entry(dict(message), context, key)
            inject_eventbridge_entry(dict(message), context)
            inject_eventbridge_entry({"Detail": message.get("Detail", "{}") if isinstance(message.get("Detail"), str) else "{}"}, context)
        inject_format = format_traceparent(context), format_xray_header(context)
        assert all(h is None or isinstance(h, str) for h in inject_format)

    @given(json_value, st.lists(st.booleans(), max_size=10))
    def test_process_sqs_batch_on_any_event(self, event, outcomes):
        calls = []

        def handler(record, scope):
            calls.append(record)
            if outcomes and outcomes[(len(calls) - 1) % len(outcomes)]:
                raise ValueError("boom")

        result = process_sqs_batch(event, handler)
        assert set(result) == {"batchItemFailures"}
        assert all(set(f) == {"itemIdentifier"} and isinstance(f["itemIdentifier"], str) for f in result["batchItemFailures"])
        records = event.get("Records") if isinstance(event, dict) else None
        dict_records = [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []
        assert len(result["batchItemFailures"]) <= len(dict_records)
        assert len(calls) <= len(dict_records)
