/**
 * What `require('cdk-serverless-tracing')` costs: cold (nothing loaded yet) and after what an app with
 * functions and queues loads anyway (aws-cdk-lib's modules load their files lazily, on first use, so the
 * prelude builds and synthesizes a small app rather than only requiring them), each in a fresh process, and
 * which further aws-cdk-lib modules the library pulls in, of the library as it ships (`transpileLibrary`).
 */
import { execFileSync } from 'child_process';

/** An app's own work before it touches the library: a function, a queue, a grant, a synthesis. */
const APP_PRELUDE = `
  const fs = require('fs'), os = require('os'), path = require('path');
  const cdk = require('aws-cdk-lib'), lambda = require('aws-cdk-lib/aws-lambda'), sqs = require('aws-cdk-lib/aws-sqs');
  const app = new cdk.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-require-')) });
  const stack = new cdk.Stack(app, 'App', { env: { account: '123456789012', region: 'us-east-1' } });
  const fn = new lambda.Function(stack, 'Fn', { code: lambda.Code.fromInline('exports.handler = async () => ({});'), runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler' });
  new sqs.Queue(stack, 'Queue').grantSendMessages(fn);
  fs.rmSync(app.synth().directory, { recursive: true, force: true });`;
export const APP_PRELUDE_LABEL = 'after an app of its own (a function, a queue, a grant, synthesized)';

export interface RequireSample {
  readonly ms: number;
  /** aws-cdk-lib submodules (`aws-kms`, `custom-resources`, ...) the library's require loaded. */
  readonly loaded: string[];
}

/** The exports the benchmark's app (b) uses: what requiring the library and using them costs. */
export const TYPICAL_EXPORTS = ['TracedFunction', 'TracedQueue', 'TracingDashboard', 'TracingAlarms'];

/**
 * One fresh process: optionally the app's own work first, then time the library's require and reading the
 * exports in `touch` (with a lazy index, what loads the modules behind them).
 */
export function sampleRequire(index: string, afterApp: boolean, cwd: string, touch: string[] = []): RequireSample {
  const script = `
    ${afterApp ? APP_PRELUDE : ''}
    const submodules = () => new Set(Object.keys(require.cache)
      .map((k) => /node_modules\\/aws-cdk-lib\\/([^/]+)\\//.exec(k)?.[1]).filter((m) => m !== undefined));
    const before = submodules();
    const t0 = process.hrtime.bigint();
    const lib = require(${JSON.stringify(index)});
    for (const name of ${JSON.stringify(touch)}) if (lib[name] === undefined) throw new Error('no export ' + name);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const loaded = [...submodules()].filter((m) => !before.has(m)).sort();
    process.stdout.write(JSON.stringify({ ms, loaded }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8' }));
}

/**
 * What one aws-cdk-lib submodule costs after the app's own work, fresh process: requiring it (its index, which
 * only defines lazy getters: what an import at the top of a module pays), then reading every export, which
 * loads all its files (the most that using it can cost).
 */
export function sampleModule(module: string, cwd: string): { indexMs: number; allMs: number } {
  const script = `
    ${APP_PRELUDE}
    const t0 = process.hrtime.bigint();
    const m = require(${JSON.stringify(module)});
    const t1 = process.hrtime.bigint();
    for (const key of Object.keys(m)) void m[key];
    const t2 = process.hrtime.bigint();
    process.stdout.write(JSON.stringify({ indexMs: Number(t1 - t0) / 1e6, allMs: Number(t2 - t0) / 1e6 }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8' }));
}
