/**
 * `npx projen bench`: speed, size and load time of the runtime module, ours against OpenTelemetry's
 * propagators, on this machine in one run. Not a test: the numbers are printed, and the targets
 * (>= 2.5x faster than OpenTelemetry on every case, <= 6 KB minified runtime code in a consumer-only and in
 * a producer-only handler) are reported as met or not. Sizes are measured the way applications get the
 * module: through the package exports, so the ES module build in lib/runtime/esm (`npx projen compile`).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import { buildSync } from 'esbuild';
import { median } from './bench/stats';

const ITERATIONS = 1_000_000;
const REPETITIONS = 5;
const PROCESS_RUNS = 3;
const REQUIRE_RUNS = 21;
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-runtime-'));
const REPO = path.join(__dirname, '..');
const RUNTIME_BUDGET = 6 * 1024;

// An application with this package installed (a link to the repository): handlers import
// `cdk-serverless-tracing/runtime`, which resolves to the ES module build under the `import` condition.
if (!fs.existsSync(path.join(REPO, 'lib', 'runtime', 'esm', 'index.js'))) {
  throw new Error('lib/runtime/esm is missing: run `npx projen compile` before `npx projen bench`');
}
const app = path.join(out, 'app');
fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
fs.symlinkSync(REPO, path.join(app, 'node_modules', 'cdk-serverless-tracing'), 'dir');
const HANDLERS: Record<string, string> = {
  'consumer-only (processSqsBatch)': `import { processSqsBatch } from 'cdk-serverless-tracing/runtime';
    export const handler = (event) => processSqsBatch(event, async (record) => { JSON.parse(record.body); });`,
  'producer-only (injectSqsMessage)': `import { injectSqsMessage } from 'cdk-serverless-tracing/runtime';
    export const handler = async (order) => injectSqsMessage({ QueueUrl: process.env.QUEUE_URL, MessageBody: JSON.stringify(order) });`,
  // scripts/bench/handler.ts, the worst case the benchmark always measured, importing the package instead of src/.
  'whole runtime (bench/handler.ts)': fs.readFileSync(path.join(__dirname, 'bench', 'handler.ts'), 'utf8').replace(/'\.\.\/\.\.\/src\/runtime'/, "'cdk-serverless-tracing/runtime'"),
  'every export (export *)': "export * from 'cdk-serverless-tracing/runtime';",
};

/** Bundled as TracedNodejsFunction has it bundled (CommonJS, minified, ESM entry points first), for this Node. */
function bundle(name: string, withApi: boolean): { file: string; bytes: number; gzip: number; runtimeBytes: number } {
  const slug = name.split(' ')[0];
  const entry = path.join(app, `${slug}.ts`);
  fs.writeFileSync(entry, HANDLERS[name]);
  const outfile = path.join(out, `${slug}${withApi ? '-with-api' : ''}.js`);
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'cjs',
    minify: true,
    mainFields: ['module', 'main'],
    external: ['@aws-sdk/*', ...withApi ? [] : ['@opentelemetry/api']],
    outfile,
    metafile: true,
    absWorkingDir: app,
    logLevel: 'error',
  });
  const inputs = Object.entries(Object.values(result.metafile!.outputs)[0].inputs);
  const notEsm = inputs.filter(([file]) => file.includes('lib/runtime/') && !file.includes('lib/runtime/esm/'));
  if (notEsm.length > 0) throw new Error(`${name}: bundled the CommonJS build (${notEsm[0][0]}), not the ES module build`);
  const runtimeBytes = inputs.filter(([file]) => file.includes('lib/runtime/esm/')).reduce((sum, [, i]) => sum + i.bytesInOutput, 0);
  const code = fs.readFileSync(outfile);
  return { file: outfile, bytes: code.length, gzip: gzipSync(code).length, runtimeBytes };
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

// Size of each handler, and load time of the whole-runtime one.
const sizes = Object.keys(HANDLERS).map((name) => ({ name, without: bundle(name, false), with: bundle(name, true) }));
const requireTimes = (file: string) => median(Array.from({ length: REQUIRE_RUNS }, () => Number(execFileSync(process.execPath, ['-e',
  `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`], { encoding: 'utf8' }))));
const whole = sizes.find((s) => s.name.startsWith('whole'))!;
const requireWithout = requireTimes(whole.without.file);
const requireWith = requireTimes(whole.with.file);

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
lines.push('| handler (esbuild, minified, through the ES module build) | runtime code | bundle | gzip | with @opentelemetry/api: runtime code | bundle | gzip |');
lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const s of sizes) {
  lines.push(`| ${s.name} | ${s.without.runtimeBytes} | ${s.without.bytes} | ${s.without.gzip} | ${s.with.runtimeBytes} | ${s.with.bytes} | ${s.with.gzip} |`);
}
lines.push('');
lines.push(`require() of the whole-runtime handler, median of ${REQUIRE_RUNS}: ${requireWithout.toFixed(2)} ms without @opentelemetry/api, ${requireWith.toFixed(2)} ms with it bundled.`);
const budgeted = sizes.filter((s) => /^(consumer|producer)-only/.test(s.name));
const sizeOk = budgeted.every((s) => Math.max(s.without.runtimeBytes, s.with.runtimeBytes) <= RUNTIME_BUDGET);
lines.push(`Runtime code <= 6 KB minified in a consumer-only and a producer-only handler: ${sizeOk ? 'met' : 'NOT met'} (${budgeted.map((s) => `${s.name.split(' ')[0]} ${Math.max(s.without.runtimeBytes, s.with.runtimeBytes)} B`).join(', ')}). Speed target: ${speedOk ? 'met' : 'NOT met'}.`);
process.stdout.write(`${lines.join('\n')}\n`);
fs.rmSync(out, { recursive: true, force: true });
