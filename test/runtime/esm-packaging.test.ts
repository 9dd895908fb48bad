import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSync, BuildOptions } from 'esbuild';

const REPO = path.join(__dirname, '..', '..');
const PACKAGE = 'cdk-serverless-tracing';
/** The most runtime code a consumer-only or a producer-only handler may carry (esbuild, minified). */
const RUNTIME_BUDGET = 6 * 1024;

/**
 * What aws-cdk-lib runs for a `TracedNodejsFunction` (src/function/traced-nodejs-function.ts): `NodejsFunction`'s
 * CommonJS output for the default runtime (nodejs24.x), no custom conditions, `@aws-sdk/*` external, ESM entry
 * points first, minified, with source maps; `@opentelemetry/api` is bundled.
 */
const TRACED_NODEJS_FUNCTION: BuildOptions = {
  bundle: true, platform: 'node', format: 'cjs', target: 'node24', minify: true, sourcemap: true, mainFields: ['module', 'main'], external: ['@aws-sdk/*'],
};

const HANDLERS = {
  consumer: `import { processSqsBatch } from '${PACKAGE}/runtime';
    export const handler = (event) => processSqsBatch(event, async (record) => { if (JSON.parse(record.body).fail) throw new Error('declined'); });`,
  producer: `import { injectSqsMessage } from '${PACKAGE}/runtime';
    export const handler = async (order) => injectSqsMessage({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/jobs', MessageBody: JSON.stringify(order) });`,
};
type Handler = keyof typeof HANDLERS;
/** `@opentelemetry/api` installed and bundled (TracedNodejsFunction's default), installed and external, or not installed at all. */
type Api = 'bundled' | 'external' | 'missing';

const EVENT = { Records: [{ messageId: '1', body: '{}', eventSourceARN: 'arn:aws:sqs:us-east-1:1:jobs' }, { messageId: '2', body: '{"fail":true}', eventSourceARN: 'arn:aws:sqs:us-east-1:1:jobs' }] };

/** The test's own @opentelemetry/api and SDK: a tracer provider registered the way the distro layer registers its own. */
const REGISTER_PROVIDER = `
  const { createRequire } = require('module');
  const repo = createRequire(${JSON.stringify(path.join(REPO, 'package.json'))});
  const api = repo('@opentelemetry/api');
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = repo('@opentelemetry/sdk-trace-base');
  const { AsyncLocalStorageContextManager } = repo('@opentelemetry/context-async-hooks');
  const exporter = new InMemorySpanExporter();
  api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const spans = () => exporter.getFinishedSpans().map((s) => ({ name: s.name, traceId: s.spanContext().traceId }));
`;

describe(`${PACKAGE}/runtime through the packed tarball: the ES module build`, () => {
  let tmp: string;
  let app: string;
  let bare: string;
  let out: string;

  beforeAll(() => {
    const modules = fs.readdirSync(path.join(REPO, 'src', 'runtime')).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '.js'));
    const missing = ['runtime', path.join('runtime', 'esm')].flatMap((dir) => modules.map((m) => path.join('lib', dir, m))).filter((f) => !fs.existsSync(path.join(REPO, f)));
    if (missing.length > 0) {
      throw new Error(`${missing.join(', ')} missing: run \`npx projen compile\` (jsii, then compile:runtime-esm; the test task does) before this test`);
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-esm-'));
    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    const tarball = path.join(tmp, packed[0].filename);

    // An application that installed the tarball (its peers, aws-cdk-lib and constructs, are not what handlers
    // import) and has @opentelemetry/api, as a function that wants spans does.
    app = path.join(tmp, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', '--no-package-lock', tarball], { cwd: app, stdio: 'pipe' });
    fs.mkdirSync(path.join(app, 'node_modules', '@opentelemetry'));
    fs.symlinkSync(path.join(REPO, 'node_modules', '@opentelemetry', 'api'), path.join(app, 'node_modules', '@opentelemetry', 'api'), 'dir');

    // The same package where no @opentelemetry/api can be resolved, and a folder for bundles outside both.
    bare = path.join(tmp, 'bare');
    fs.cpSync(path.join(app, 'node_modules', PACKAGE), path.join(bare, 'node_modules', PACKAGE), { recursive: true });
    out = path.join(tmp, 'out');
    fs.mkdirSync(out);
    for (const dir of [bare, out]) expect(() => require.resolve('@opentelemetry/api', { paths: [dir] })).toThrow();
  }, 60_000);
  afterAll(() => tmp && fs.rmSync(tmp, { recursive: true, force: true }));

  function bundle(handler: Handler, api: Api, format: 'cjs' | 'esm' = 'cjs') {
    const dir = api === 'missing' ? bare : app;
    const entry = path.join(dir, `${handler}.ts`);
    fs.writeFileSync(entry, HANDLERS[handler]);
    const outfile = path.join(out, `${handler}-${api}.${format === 'esm' ? 'mjs' : 'js'}`);
    const result = buildSync({
      ...TRACED_NODEJS_FUNCTION,
      format,
      external: [...TRACED_NODEJS_FUNCTION.external!, ...api === 'external' ? ['@opentelemetry/api'] : []],
      entryPoints: [entry],
      outfile,
      metafile: true,
      absWorkingDir: dir,
      logLevel: 'silent',
    });
    const inputs = Object.entries(result.metafile!.outputs[path.relative(dir, outfile)].inputs);
    const runtime = inputs.filter(([file]) => file.startsWith(`node_modules/${PACKAGE}/`));
    return {
      outfile,
      warnings: result.warnings.map((w) => w.text),
      runtimeFiles: runtime.map(([file]) => file.slice(`node_modules/${PACKAGE}/`.length)),
      runtimeBytes: runtime.reduce((sum, [, input]) => sum + input.bytesInOutput, 0),
      apiBytes: inputs.filter(([file]) => file.includes('node_modules/@opentelemetry/api/')).reduce((sum, [, input]) => sum + input.bytesInOutput, 0),
    };
  }

  /**
   * Runs `script` as a CommonJS file in `dir` in a new Node process and parses what it writes. A file, not
   * `node -e`: that one defines a global `require`, which ES modules would see.
   */
  let scripts = 0;
  function run(script: string, dir: string, env: Record<string, string> = {}): any {
    const file = path.join(dir, `script-${++scripts}.cjs`);
    fs.writeFileSync(file, script);
    return JSON.parse(execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: '', ...env } }));
  }

  test('`import` resolves to the ES module build, `require` to CommonJS, and only the ES module files are side-effect free', () => {
    const installed = path.join(app, 'node_modules', PACKAGE);
    expect(execFileSync(process.execPath, ['-p', `require.resolve('${PACKAGE}/runtime')`], { cwd: app, encoding: 'utf8' }).trim())
      .toBe(path.join(installed, 'lib', 'runtime', 'index.js'));
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', `process.stdout.write(import.meta.resolve('${PACKAGE}/runtime'))`], { cwd: app, encoding: 'utf8' }))
      .toBe(`file://${path.join(installed, 'lib', 'runtime', 'esm', 'index.js')}`);
    expect(JSON.parse(fs.readFileSync(path.join(installed, 'lib', 'runtime', 'esm', 'package.json'), 'utf8'))).toEqual({ type: 'module', sideEffects: false });
    // The construct side keeps its module-level code (jsii type information, enums, the CLI's main).
    expect(JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).sideEffects).toBeUndefined();
  });

  test.each<[Handler, Api]>([['consumer', 'external'], ['consumer', 'bundled'], ['producer', 'external'], ['producer', 'bundled']])(
    'a %s-only handler bundles to <= 6 KB of runtime code (@opentelemetry/api %s)', (handler, api) => {
      const result = bundle(handler, api);
      expect(result.warnings).toEqual([]);
      expect(result.runtimeFiles.filter((f) => !f.startsWith('lib/runtime/esm/'))).toEqual([]);
      expect(result.runtimeBytes).toBeLessThanOrEqual(RUNTIME_BUDGET);
      expect(result.apiBytes > 0).toBe(api === 'bundled');
      // Tree-shaken: a producer carries nothing of the batch processor.
      if (handler === 'producer') expect(result.runtimeFiles).not.toContain('lib/runtime/esm/batch.js');
    });

  test('without @opentelemetry/api the bundles still carry trace context and report failed records', () => {
    // Not installed, and not external either (TracedNodejsFunction bundles it): esbuild leaves the lazy
    // require to run time, and says nothing.
    const missing = bundle('consumer', 'missing');
    expect(missing.warnings).toEqual([]);
    const consumer = missing.outfile;
    expect(run(`require(${JSON.stringify(consumer)}).handler(${JSON.stringify(EVENT)}).then((r) => process.stdout.write(JSON.stringify(r)))`, out))
      .toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    const producer = bundle('producer', 'external').outfile;
    const sent = run(`require(${JSON.stringify(producer)}).handler({ id: 1 }).then((r) => process.stdout.write(JSON.stringify(r)))`, out, {
      _X_AMZN_TRACE_ID: 'Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1',
    });
    expect(sent.MessageSystemAttributes.AWSTraceHeader.StringValue).toMatch(/^Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1/);
  });

  test.each<'cjs' | 'esm'>(['cjs', 'esm'])('a bundled @opentelemetry/api binds to a tracer provider registered through another copy (%s output)', (format) => {
    const load = (file: string) => (format === 'cjs' ? `Promise.resolve(require(${JSON.stringify(file)}))` : `import(${JSON.stringify(file)})`);
    const consumer = bundle('consumer', 'bundled', format).outfile;
    expect(fs.readFileSync(consumer, 'utf8')).toContain('opentelemetry.js.api.');
    expect(run(`${REGISTER_PROVIDER}
      ${load(consumer)}.then((m) => m.handler(${JSON.stringify(EVENT)})).then((r) => process.stdout.write(JSON.stringify({ r, spans: spans().map((s) => s.name) })));
    `, out)).toEqual({ r: { batchItemFailures: [{ itemIdentifier: '2' }] }, spans: ['jobs process', 'jobs process'] });

    // The producer injects the active span of the other copy's provider: context binds as well as tracing.
    const producer = bundle('producer', 'bundled', format).outfile;
    const { sent, spans } = run(`${REGISTER_PROVIDER}
      ${load(producer)}.then((m) => api.trace.getTracer('test').startActiveSpan('send', async (span) => { const sent = await m.handler({ id: 1 }); span.end(); return sent; }))
        .then((sent) => process.stdout.write(JSON.stringify({ sent, spans: spans() })));
    `, out);
    expect(spans).toEqual([{ name: 'send', traceId: expect.stringMatching(/^[0-9a-f]{32}$/) }]);
    expect(sent.MessageAttributes.traceparent.StringValue).toMatch(new RegExp(`^00-${spans[0].traceId}-[0-9a-f]{16}-01$`));
  });

  test('Node\'s ES module loader runs the ES module build, with @opentelemetry/api when the application has it and without', () => {
    const script = (withSpans: boolean) => `
      ${withSpans ? REGISTER_PROVIDER : ''}
      import(${JSON.stringify(`${PACKAGE}/runtime`)})
        .then((m) => m.processSqsBatch(${JSON.stringify(EVENT)}, (record) => { if (record.messageId === '2') throw new Error('declined'); }))
        .then((r) => process.stdout.write(JSON.stringify({ r, spans: ${withSpans ? 'spans().map((s) => s.name)' : '[]'} })));
    `;
    // A dynamic import() from a CommonJS script goes through the ES module loader, under the `import` condition.
    expect(run(script(true), app)).toEqual({ r: { batchItemFailures: [{ itemIdentifier: '2' }] }, spans: ['jobs process', 'jobs process'] });
    expect(run(script(false), bare)).toEqual({ r: { batchItemFailures: [{ itemIdentifier: '2' }] }, spans: [] });
  });
});
