import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';

const REPO = path.join(__dirname, '..', '..');
const RUNTIME = path.join(REPO, 'src', 'runtime');

describe('cdk-serverless-tracing/runtime packaging', () => {
  let dir: string;
  beforeAll(() => {
    // `import` resolves to the ES module build, `require` to the CommonJS one: both must be there.
    for (const file of [path.join('lib', 'runtime', 'index.js'), path.join('lib', 'runtime', 'esm', 'index.js')]) {
      if (!fs.existsSync(path.join(REPO, file))) {
        throw new Error(`${file} is missing: run \`npx projen compile\` (the test task does) before this test`);
      }
    }
    // An application that installed the library: node_modules/cdk-serverless-tracing is this repository.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-consumer-'));
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(REPO, path.join(dir, 'node_modules', 'cdk-serverless-tracing'), 'dir');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('imports nothing from the construct side or aws-cdk-lib (its own modules, Node\'s, @opentelemetry/api)', () => {
    const allowed = new Set(['@opentelemetry/api', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    for (const file of fs.readdirSync(RUNTIME)) {
      const source = fs.readFileSync(path.join(RUNTIME, file), 'utf8');
      const specifiers = [...source.matchAll(/(?:from|require\()\s*'([^']+)'/g)].map((m) => m[1]);
      for (const specifier of specifiers) {
        expect([file, specifier]).toEqual([file, allowed.has(specifier) ? specifier : expect.stringMatching(/^\.\/[a-z-]+$/)]);
      }
    }
  });

  function bundle(source: string, external: string[]): string {
    fs.writeFileSync(path.join(dir, 'handler.ts'), source);
    const outfile = path.join(dir, `bundle-${external.length}.js`);
    const result = buildSync({ entryPoints: [path.join(dir, 'handler.ts')], bundle: true, platform: 'node', format: 'cjs', external, outfile, logLevel: 'silent', absWorkingDir: dir });
    // Linked, not installed (as in a workspace): esbuild reports what it would keep quiet about in node_modules.
    expect(result.warnings.map((w) => w.text)).toEqual([]);
    return outfile;
  }

  test('resolves through the package exports and works without @opentelemetry/api installed', () => {
    const outfile = bundle(`
      import { formatXrayHeader, parseTraceparent, processSqsBatch } from 'cdk-serverless-tracing/runtime';
      export const run = () => processSqsBatch({ Records: [{ messageId: '1' }, { messageId: '2' }] }, (r) => { if (r.messageId === '2') throw new Error('x'); })
        .then((result) => ({ result, xray: formatXrayHeader(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')) }));
    `, ['@opentelemetry/api']);
    // Run from the temporary directory, where no @opentelemetry/api can be resolved.
    const output = execFileSync(process.execPath, ['-e', `require(${JSON.stringify(outfile)}).run().then((r) => process.stdout.write(JSON.stringify(r)))`], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' },
    });
    expect(JSON.parse(output)).toEqual({
      result: { batchItemFailures: [{ itemIdentifier: '2' }] },
      xray: 'Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1',
    });
  });

  test('a bundled @opentelemetry/api binds to a tracer provider registered by another copy (as the layer\'s is)', () => {
    const outfile = bundle(`
      import { processSqsBatch } from 'cdk-serverless-tracing/runtime';
      export const run = () => processSqsBatch({ Records: [{ messageId: '1', eventSourceARN: 'arn:aws:sqs:us-east-1:1:jobs' }] }, () => undefined);
    `, []);
    const script = `
      const api = require('@opentelemetry/api');
      const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
      const exporter = new InMemorySpanExporter();
      api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
      require(${JSON.stringify(outfile)}).run().then(() => process.stdout.write(JSON.stringify(exporter.getFinishedSpans().map((s) => s.name))));
    `;
    expect(fs.readFileSync(outfile, 'utf8')).toContain('opentelemetry.js.api.');
    const output = execFileSync(process.execPath, ['-e', script], { cwd: REPO, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual(['jobs process']);
  });
});
