/**
 * Pathological trace headers: what parsing costs at 1 KB, 100 KB and 1 MB, in the Node runtime and (when the
 * repository's Python venv is there) its Python twin. Not a test: the timings are printed, with the cost per
 * byte at 1 MB over the cost per byte at 1 KB, which stays near 1 when parsing is linear (a quadratic parser
 * would show about 1,000).
 *
 *   npx ts-node --prefer-ts-exts --project scripts/tsconfig.json scripts/bench-pathological.ts
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseTraceparent, parseTracestate, parseXrayHeader } from '../src/runtime';
import { median } from './bench/stats';

const SIZES = [1024, 100 * 1024, 1024 * 1024];
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const ROOT = 'Root=1-5759e988-bd862e3fe1be46a994272793';
/** Each case runs until this much time has passed, after a warm-up, and reports the median of 5 such runs. */
const MIN_RUN_MS = 40;

/** `unit` repeated to `size` characters, then `tail`. */
const fill = (unit: string, size: number, tail = '') => unit.repeat(Math.ceil((size - tail.length) / unit.length)).slice(0, size - tail.length) + tail;

interface Case {
  readonly header: 'traceparent' | 'tracestate' | 'x-ray';
  readonly name: string;
  readonly make: (size: number) => string;
}

const CASES: Case[] = [
  { header: 'traceparent', name: 'future version, one long trailing field (accepted)', make: (n) => `cc-${TRACE}-${SPAN}-01-${fill('x', n - 56)}` },
  { header: 'traceparent', name: 'leading whitespace (trimmed)', make: (n) => fill(' ', n, `00-${TRACE}-${SPAN}-01`) },
  { header: 'traceparent', name: 'version 00 with trailing data (rejected)', make: (n) => `00-${TRACE}-${SPAN}-01${fill('-0', n - 55)}` },
  { header: 'tracestate', name: 'small members, truncated to 32', make: (n) => fill('k=v,', n, 'z=1') },
  { header: 'tracestate', name: 'members over 128 characters, removed first', make: (n) => fill(`k=${'v'.repeat(200)},`, n, 'z=1') },
  { header: 'tracestate', name: 'empty members and whitespace', make: (n) => fill(' ,\t', n) },
  { header: 'tracestate', name: 'valid members, one invalid at the end', make: (n) => fill('k=v,', n, 'BAD=1') },
  { header: 'tracestate', name: 'one member, too long (invalid)', make: (n) => `k=${fill('v', n - 2)}` },
  { header: 'x-ray', name: 'many unknown fields (kept verbatim)', make: (n) => `${ROOT};${fill('X=1;', n - ROOT.length - 1)}` },
  { header: 'x-ray', name: 'one huge Lineage', make: (n) => `${ROOT};Lineage=${fill('a', n - ROOT.length - 9)}` },
  { header: 'x-ray', name: 'empty parts, then Root', make: (n) => fill('; ', n, ROOT) },
  { header: 'x-ray', name: 'fields, then a part without "=" (rejected)', make: (n) => `${ROOT};${fill('X=1;', n - ROOT.length - 5)}junk` },
  { header: 'x-ray', name: 'one key, no "=" (rejected)', make: (n) => fill('k', n) },
];

const PARSE: Record<Case['header'], (value: string) => unknown> = {
  'traceparent': (value) => parseTraceparent(value),
  'tracestate': (value) => parseTracestate(value),
  'x-ray': (value) => parseXrayHeader(value),
};

/** Median nanoseconds per parse of `value`. */
function time(parse: (value: string) => unknown, value: string): number {
  let sink: unknown;
  for (let i = 0; i < 3; i++) sink = parse(value);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    let iterations = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    do {
      sink = parse(value);
      iterations++;
      elapsed = process.hrtime.bigint() - start;
    } while (elapsed < BigInt(MIN_RUN_MS * 1e6));
    runs.push(Number(elapsed) / iterations);
  }
  void sink;
  return median(runs);
}

type Row = { header: string; name: string; ns: number[] };

function nodeRows(): Row[] {
  return CASES.map((c) => ({ header: c.header, name: c.name, ns: SIZES.map((size) => time(PARSE[c.header], c.make(size))) }));
}

/** The same cases through the Python twin, each value built the same way (only the size and the case's index cross over). */
function pythonRows(): Row[] | undefined {
  const python = path.join(__dirname, '..', '.tools', 'venv', 'bin', 'python');
  if (!fs.existsSync(python)) return undefined;
  const values = CASES.map((c) => SIZES.map((size) => c.make(size)));
  const script = `
import json, sys, time
sys.path.insert(0, ${JSON.stringify(path.join(__dirname, '..', 'runtime', 'python', 'src'))})
import cdk_serverless_tracing_runtime as rt
parse = {'traceparent': rt.parse_traceparent, 'tracestate': rt.parse_tracestate, 'x-ray': rt.parse_xray_header}
cases = json.load(sys.stdin)
def timed(fn, value):
    for _ in range(3): fn(value)
    runs = []
    for _ in range(5):
        n, start = 0, time.perf_counter_ns()
        while True:
            fn(value); n += 1
            elapsed = time.perf_counter_ns() - start
            if elapsed >= ${MIN_RUN_MS} * 1_000_000: break
        runs.append(elapsed / n)
    return sorted(runs)[2]
print(json.dumps([[timed(parse[header], value) for value in values] for header, values in cases]))
`;
  const input = JSON.stringify(CASES.map((c, i) => [c.header, values[i]]));
  const ns: number[][] = JSON.parse(execFileSync(python, ['-c', script], { input, encoding: 'utf8', maxBuffer: 1 << 26 }));
  return CASES.map((c, i) => ({ header: c.header, name: c.name, ns: ns[i] }));
}

function table(title: string, rows: Row[]): string {
  const format = (ns: number) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(1)} µs`);
  const lines = [
    `${title}`,
    '',
    '| header | case | 1 KB | 100 KB | 1 MB | ns/byte at 1 MB | per byte, 1 MB over 1 KB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { header, name, ns } of rows) {
    const perByte = ns.map((n, i) => n / SIZES[i]);
    lines.push(`| ${header} | ${name} | ${ns.map(format).join(' | ')} | ${perByte[2].toFixed(2)} | ${(perByte[2] / perByte[0]).toFixed(2)} |`);
  }
  return lines.join('\n');
}

const out = [`Node ${process.version}: median of 5 runs of at least ${MIN_RUN_MS} ms per case and size`, '', table('Node runtime (src/runtime)', nodeRows())];
const python = pythonRows();
out.push('', python ? table('Python twin (runtime/python)', python) : 'Python twin: .tools/venv/bin/python not found, skipped');
process.stdout.write(`${out.join('\n')}\n`);
