/**
 * `npx projen bench`: speed, size and load time of the runtime module, ours against OpenTelemetry's
 * propagators, on this machine in one run. Not a test: the numbers are printed, and the targets
 * (>= 2.5x faster than OpenTelemetry on every case, <= 6 KB minified runtime) are reported as met or not.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { buildSync } from 'esbuild';

const ITERATIONS = 1_000_000;
const REPETITIONS = 5;
const PROCESS_RUNS = 3;
const REQUIRE_RUNS = 21;
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-runtime-'));

function bundle(entry: string, outfile: string, external: string[]): { bytes: number; gzip: number; runtimeBytes: number } {
  const result = buildSync({
    entryPoints: [path.join(__dirname, 'bench', entry)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    mainFields: ['module', 'main'],
    external,
    outfile,
    metafile: true,
    logLevel: 'error',
  });
  const output = Object.values(result.metafile!.outputs)[0];
  const runtimeBytes = Object.entries(output.inputs).filter(([file]) => file.includes('src/runtime/')).reduce((sum, [, i]) => sum + i.bytesInOutput, 0);
  const code = fs.readFileSync(outfile);
  return { bytes: code.length, gzip: gzipSync(code).length, runtimeBytes };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Speed: one bundled harness, one process per case and run, cases interleaved.
const harness = path.join(out, 'cases.js');
buildSync({
  stdin: { contents: `const c = require(${JSON.stringify(path.join(__dirname, 'bench', 'cases.ts'))}); c.run(process.argv[2], ${ITERATIONS}, ${REPETITIONS});`, resolveDir: __dirname, loader: 'ts' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  mainFields: ['module', 'main'],
  outfile: harness,
  logLevel: 'error',
});
const names = ['traceparent', 'traceparent+tracestate', 'x-ray'];
const results: Record<string, number[]> = {};
for (let runIndex = 0; runIndex < PROCESS_RUNS; runIndex++) {
  for (const name of names) {
    for (const who of ['ours', 'otel']) {
      const key = `${who} ${name}`;
      const result = JSON.parse(execFileSync(process.execPath, [harness, key], { encoding: 'utf8' }));
      (results[key] ??= []).push(result.nsPerOp);
    }
  }
}

// Size and load time of a handler using the whole runtime module.
const withoutApi = bundle('handler.ts', path.join(out, 'handler.js'), ['@aws-sdk/*', '@opentelemetry/api']);
const withApi = bundle('handler.ts', path.join(out, 'handler-with-api.js'), ['@aws-sdk/*']);
const requireTimes = (file: string) => median(Array.from({ length: REQUIRE_RUNS }, () => Number(execFileSync(process.execPath, ['-e',
  `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`], { encoding: 'utf8' }))));
const requireWithout = requireTimes(path.join(out, 'handler.js'));
const requireWith = requireTimes(path.join(out, 'handler-with-api.js'));

const lines: string[] = [];
lines.push(`Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}; ${ITERATIONS.toLocaleString('en')} iterations x ${REPETITIONS} repetitions x ${PROCESS_RUNS} processes per case`);
lines.push('');
lines.push('| extract + inject | ours ns/op | OpenTelemetry ns/op | speed-up | target >= 2.5x |');
lines.push('| --- | ---: | ---: | ---: | --- |');
let speedOk = true;
for (const name of names) {
  const ours = median(results[`ours ${name}`]);
  const otel = median(results[`otel ${name}`]);
  const ratio = otel / ours;
  speedOk &&= ratio >= 2.5;
  lines.push(`| ${name} | ${ours.toFixed(0)} | ${otel.toFixed(0)} | ${ratio.toFixed(1)}x | ${ratio >= 2.5 ? 'met' : 'NOT met'} |`);
}
lines.push('');
lines.push('| handler using the whole runtime (esbuild, minified) | bytes | gzip | require() median of 21 |');
lines.push('| --- | ---: | ---: | ---: |');
lines.push(`| without @opentelemetry/api (runtime code alone: ${withoutApi.runtimeBytes} B) | ${withoutApi.bytes} | ${withoutApi.gzip} | ${requireWithout.toFixed(2)} ms |`);
lines.push(`| with @opentelemetry/api bundled | ${withApi.bytes} | ${withApi.gzip} | ${requireWith.toFixed(2)} ms |`);
lines.push('');
lines.push(`Runtime code <= 6 KB minified: ${withoutApi.runtimeBytes <= 6144 ? 'met' : 'NOT met'} (${withoutApi.runtimeBytes} B). Speed target: ${speedOk ? 'met' : 'NOT met'}.`);
process.stdout.write(`${lines.join('\n')}\n`);
fs.rmSync(out, { recursive: true, force: true });
