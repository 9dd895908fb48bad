"""Speed of the Python twin: extract + inject of one carrier, on the same headers as the Node benchmark
(scripts/bench/cases.ts), against OpenTelemetry's W3C propagator when opentelemetry-api is installed.

    python runtime/python/bench.py [--iterations 200000] [--repetitions 5]

Prints the median ns/op of each case as a Markdown table. Not a test: nothing is asserted.
"""

import argparse
import gc
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from cdk_serverless_tracing_runtime import (  # noqa: E402
    format_traceparent,
    format_xray_header,
    parse_traceparent,
    parse_xray_header,
)

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
TRACESTATE = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
XRAY = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def ours_traceparent():
    return format_traceparent(parse_traceparent(TRACEPARENT))


def ours_traceparent_tracestate():
    ctx = parse_traceparent(TRACEPARENT, TRACESTATE)
    return [format_traceparent(ctx), ctx.trace_state]


def ours_xray():
    return format_xray_header(parse_xray_header(XRAY))


OURS = {"traceparent": ours_traceparent, "traceparent+tracestate": ours_traceparent_tracestate, "x-ray": ours_xray}


def otel_cases():
    """OpenTelemetry Python's propagators on plain-dict carriers, where installed (the X-Ray one is a separate package)."""
    cases = {}
    try:
        from opentelemetry.context import Context
        from opentelemetry.trace.propagation.tracecontext import (
            TraceContextTextMapPropagator,
        )
    except ImportError:
        return cases
    w3c = TraceContextTextMapPropagator()
    root = Context()

    def traceparent():
        out = {}
        w3c.inject(out, w3c.extract({"traceparent": TRACEPARENT}, root))
        return out["traceparent"]

    def traceparent_tracestate():
        out = {}
        w3c.inject(out, w3c.extract({"traceparent": TRACEPARENT, "tracestate": TRACESTATE}, root))
        return out["tracestate"]

    cases["traceparent"] = traceparent
    cases["traceparent+tracestate"] = traceparent_tracestate
    try:
        from opentelemetry.propagators.aws import AwsXRayPropagator
    except ImportError:
        return cases
    xray = AwsXRayPropagator()

    def x_ray():
        out = {}
        xray.inject(out, xray.extract({"X-Amzn-Trace-Id": XRAY}, root))
        return out["X-Amzn-Trace-Id"]

    cases["x-ray"] = x_ray
    return cases


def timed(fn, iterations):
    """ns/op of one timed loop."""
    start = time.perf_counter_ns()
    for _ in range(iterations):
        fn()
    return (time.perf_counter_ns() - start) / iterations


def measure(cases, iterations, repetitions):
    """Median ns/op of each case over `repetitions` rounds; every round times every case once, interleaved,
    so a noisy stretch of the machine is shared out instead of landing on one case.
    """
    samples = {key: [] for key in cases}
    for key, fn in cases.items():
        assert fn() is not None, key
        for _ in range(iterations // 5):
            fn()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repetitions):
            for key, fn in cases.items():
                samples[key].append(timed(fn, iterations))
    finally:
        if gc_was_enabled:
            gc.enable()
    return {key: statistics.median(values) for key, values in samples.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100_000)
    parser.add_argument("--repetitions", type=int, default=9)
    args = parser.parse_args()
    otel = otel_cases()
    cases = {("ours", name): fn for name, fn in OURS.items()}
    cases.update({("otel", name): fn for name, fn in otel.items()})
    results = measure(cases, args.iterations, args.repetitions)
    print(f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()}; "
          f"{args.iterations:,} iterations x {args.repetitions} interleaved rounds per case, median")
    print()
    print("| extract + inject | ours ns/op | OpenTelemetry ns/op | speed-up |")
    print("| --- | ---: | ---: | ---: |")
    for name in OURS:
        ours = results[("ours", name)]
        if ("otel", name) in results:
            theirs = results[("otel", name)]
            print(f"| {name} | {ours:,.0f} | {theirs:,.0f} | {theirs / ours:.1f}x |")
        else:
            print(f"| {name} | {ours:,.0f} | n/a (propagator not installed) | n/a |")


if __name__ == "__main__":
    main()
