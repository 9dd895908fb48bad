/**
 * Benchmark cases, bundled by bench-runtime.ts and run one per process: extract then inject of one
 * carrier, ours against OpenTelemetry's propagators, on plain-object carriers.
 */
import { context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { median } from './stats';
import { formatTraceparent, formatXrayHeader, parseTraceparent, parseXrayHeader } from '../../src/runtime';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const TRACESTATE = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE';
const XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

const w3c = new W3CTraceContextPropagator();
const xray = new AWSXRayPropagator();
void context;

export const CASES: Record<string, () => unknown> = {
  'ours traceparent': () => {
    const ctx = parseTraceparent(TRACEPARENT);
    return formatTraceparent(ctx);
  },
  'otel traceparent': () => {
    const out: Record<string, string> = {};
    w3c.inject(w3c.extract(ROOT_CONTEXT, { traceparent: TRACEPARENT }, defaultTextMapGetter), out, defaultTextMapSetter);
    return out.traceparent;
  },
  'ours traceparent+tracestate': () => {
    const ctx = parseTraceparent(TRACEPARENT, TRACESTATE);
    return [formatTraceparent(ctx), ctx?.traceState];
  },
  'otel traceparent+tracestate': () => {
    const out: Record<string, string> = {};
    w3c.inject(w3c.extract(ROOT_CONTEXT, { traceparent: TRACEPARENT, tracestate: TRACESTATE }, defaultTextMapGetter), out, defaultTextMapSetter);
    return out.tracestate;
  },
  'ours x-ray': () => formatXrayHeader(parseXrayHeader(XRAY)),
  'otel x-ray': () => {
    const out: Record<string, string> = {};
    xray.inject(xray.extract(ROOT_CONTEXT, { 'x-amzn-trace-id': XRAY }, defaultTextMapGetter), out, defaultTextMapSetter);
    return out['x-amzn-trace-id'];
  },
};

/** Runs one case: warm-up, then `repetitions` timed loops; prints the median ns/op as JSON. */
export function run(name: string, iterations: number, repetitions: number): void {
  const fn = CASES[name];
  let sink: unknown;
  for (let i = 0; i < iterations / 5; i++) sink = fn();
  const samples: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink = fn();
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  if (sink === undefined) throw new Error(`${name} produced nothing`);
  const sorted = samples.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ name, nsPerOp: median(sorted), samples: sorted }));
}
