/**
 * What the observability constructs cost at scale: synthesis time, peak memory, resources and template
 * bytes per stack, X-Ray groups, and how a dashboard over many stacks splits. Not a test: the figures are
 * printed, and the limits (CloudFormation's 500 resources and 1 MB template, X-Ray's 25 groups, CloudWatch's dashboard
 * limits) are reported as PASS or FAIL.
 *
 * Run: npx ts-node --prefer-ts-exts --project scripts/tsconfig.json scripts/bench-observability.ts
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { TracedFunction, TracedQueue, TracingAlarms, TracingDashboard } from '../src';
import { fmt } from './bench/stats';

const ENV = { account: '123456789012', region: 'us-east-1' };
const MAX_RESOURCES = 500;
const MAX_OUTPUTS = 200;
// CloudFormation's quota for a template body uploaded to S3, which is how the CDK deploys every template.
const MAX_TEMPLATE_BYTES = 1024 * 1024;
const MAX_XRAY_GROUPS = 25;
const MAX_WIDGETS = 500;
const MAX_METRICS = 100;
const MAX_LOG_GROUPS = 50;
const COLUMNS = 24;

interface Shape { readonly stacks: number; readonly functions: number; readonly queues: number; readonly sharedDashboard: boolean }
const SCENARIOS: Record<string, Shape> = {
  '10x(30 fn + 15 queues)': { stacks: 10, functions: 30, queues: 15, sharedDashboard: false },
  'one dashboard over 10 stacks': { stacks: 10, functions: 30, queues: 15, sharedDashboard: true },
  '1,000 traced functions': { stacks: 25, functions: 40, queues: 0, sharedDashboard: false },
};

interface DashboardFigures {
  readonly name: string;
  readonly widgets: number;
  readonly maxMetrics: number;
  readonly maxLogGroups: number;
  readonly overlaps: number;
  readonly outside: number;
}
interface Result {
  readonly error?: string;
  readonly constructMs?: number;
  readonly synthMs?: number;
  readonly baselineRssMb?: number;
  readonly peakRssMb?: number;
  readonly stacks?: { readonly name: string; readonly resources: number; readonly outputs: number; readonly bytes: number }[];
  readonly xrayGroups?: number;
  readonly alarms?: number;
  readonly compositeAlarms?: number;
  readonly dashboards?: DashboardFigures[];
}

function build(shape: Shape): { app: App; alarms: TracingAlarms[] } {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-observability-')) });
  const stacks: Stack[] = [];
  const alarms: TracingAlarms[] = [];
  for (let s = 0; s < shape.stacks; s++) {
    const stack = new Stack(app, `Service${s + 1}`, { env: ENV });
    const functions = Array.from({ length: shape.functions }, (_, f) => new TracedFunction(stack, `Fn${f + 1}`, {
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      memorySize: 256,
    }));
    // Disjoint producer/consumer pairs, so every queue adds its own IAM and event source mapping.
    for (let q = 0; q < shape.queues; q++) {
      const queue = new TracedQueue(stack, `Queue${q + 1}`);
      queue.addProducer(functions[(2 * q) % functions.length]);
      queue.addConsumer(functions[(2 * q + 1) % functions.length]);
    }
    if (!shape.sharedDashboard) new TracingDashboard(stack, 'Dashboard');
    // Alarms stay per stack in the shared-dashboard case too: the dashboard's alarm status widgets read them.
    alarms.push(new TracingAlarms(stack, 'Alarms'));
    stacks.push(stack);
  }
  if (shape.sharedDashboard) new TracingDashboard(new Stack(app, 'Observability', { env: ENV }), 'Dashboard', { stacks });
  return { app, alarms };
}

/** A DashboardBody is an Fn::Join of literals and tokens; tokens only sit inside JSON strings, so a placeholder keeps it parseable. */
function dashboardBody(body: unknown): { widgets: any[] } {
  if (typeof body === 'string') return JSON.parse(body);
  const [separator, parts] = (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join(separator));
}

function dashboardFigures(name: string, widgets: any[]): DashboardFigures {
  let overlaps = 0;
  let outside = 0;
  for (const [i, a] of widgets.entries()) {
    // A widget without a position is left to CloudWatch's auto-layout: the library promises explicit ones.
    if (typeof a.x !== 'number' || typeof a.y !== 'number' || a.x < 0 || a.x + a.width > COLUMNS) outside++;
    for (const b of widgets.slice(i + 1)) {
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) overlaps++;
    }
  }
  return {
    name,
    widgets: widgets.length,
    maxMetrics: Math.max(0, ...widgets.map((w) => w.properties?.metrics?.length ?? 0)),
    maxLogGroups: Math.max(0, ...widgets.filter((w) => w.type === 'log').map((w) => (String(w.properties?.query ?? '').match(/SOURCE '/g) ?? []).length)),
    overlaps,
    outside,
  };
}

/** Runs in the child process, so that maxRSS is this scenario's alone. */
function runScenario(shape: Shape): Result {
  const baselineRssMb = process.resourceUsage().maxRSS / 1024;
  const t0 = process.hrtime.bigint();
  const { app, alarms } = build(shape);
  const t1 = process.hrtime.bigint();
  const assembly = app.synth();
  const t2 = process.hrtime.bigint();
  const stacks = assembly.stacks.map((artifact) => ({
    name: artifact.stackName,
    resources: Object.keys(artifact.template.Resources ?? {}).length,
    // Cross-stack references become outputs of the producing stack, and CloudFormation allows 200.
    outputs: Object.keys(artifact.template.Outputs ?? {}).length,
    // The file on disk is what CloudFormation is given, so its size is what counts against the template limits.
    bytes: fs.statSync(path.join(assembly.directory, artifact.templateFile)).size,
  }));
  const resources = assembly.stacks.flatMap((artifact) => Object.entries<any>(artifact.template.Resources ?? {})
    .map(([id, r]) => ({ stack: artifact.stackName, id, ...r })));
  const dashboards = resources.filter((r) => r.Type === 'AWS::CloudWatch::Dashboard')
    .map((r) => dashboardFigures(`${r.stack}/${r.id}`, dashboardBody(r.Properties.DashboardBody).widgets ?? []));
  fs.rmSync(assembly.directory, { recursive: true, force: true });
  return {
    constructMs: Number(t1 - t0) / 1e6,
    synthMs: Number(t2 - t1) / 1e6,
    baselineRssMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    stacks,
    xrayGroups: resources.filter((r) => r.Type === 'AWS::XRay::Group').length,
    alarms: alarms.reduce((n, a) => n + a.alarms.length, 0),
    compositeAlarms: alarms.reduce((n, a) => n + a.compositeAlarms.length, 0),
    dashboards,
  };
}

function runChild(name: string): Result {
  try {
    // Same ts-node as the parent, but transpile-only: the parent has already type-checked this file and src/.
    const stdout = execFileSync(process.execPath, ['-r', require.resolve('ts-node/register'), __filename, name], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, 'tsconfig.json'), TS_NODE_PREFER_TS_EXTS: 'true', TS_NODE_TRANSPILE_ONLY: 'true' },
    });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] };
  }
}

const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

function report(name: string, r: Result): string[] {
  const lines = [`## ${name}`, ''];
  if (r.error !== undefined) return [...lines, `FAIL: did not synthesize: ${r.error}`, ''];
  const stacks = r.stacks!;
  const dashboards = r.dashboards!;
  const maxResources = Math.max(...stacks.map((s) => s.resources));
  const maxBytes = Math.max(...stacks.map((s) => s.bytes));
  lines.push('| figure | value |', '| --- | ---: |');
  lines.push(`| construct | ${fmt(r.constructMs! / 1000, 2)} s |`, `| synth | ${fmt(r.synthMs! / 1000, 2)} s |`);
  lines.push(`| peak RSS (process before construct: ${fmt(r.baselineRssMb!)} MB) | ${fmt(r.peakRssMb!)} MB |`);
  lines.push(`| stacks / resources (all) | ${stacks.length} / ${fmt(stacks.reduce((n, s) => n + s.resources, 0))} |`);
  lines.push(`| max resources in a stack | ${maxResources} |`, `| max template bytes | ${fmt(maxBytes)} |`);
  lines.push(`| AWS::XRay::Group (app) | ${r.xrayGroups} |`, `| alarms / composite alarms | ${r.alarms} / ${r.compositeAlarms} |`);
  lines.push(`| dashboards | ${dashboards.length} |`, '');
  if (name !== '1,000 traced functions') {
    lines.push('| stack | resources | outputs | template bytes |', '| --- | ---: | ---: | ---: |');
    for (const s of [...stacks].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
      lines.push(`| ${s.name} | ${s.resources} | ${s.outputs} | ${fmt(s.bytes)} |`);
    }
    lines.push('');
  }
  const shared = dashboards.filter((d) => d.name.startsWith('Observability'));
  if (shared.length > 0) {
    lines.push('| dashboard | widgets | max metrics in a widget | max log groups in a query | overlaps | off-grid |', '| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const d of shared) lines.push(`| ${d.name} | ${d.widgets} | ${d.maxMetrics} | ${d.maxLogGroups} | ${d.overlaps} | ${d.outside} |`);
    lines.push('', `Split into ${shared.length} dashboard(s).`, '');
  }
  const checks: [string, boolean][] = [
    [`synthesizes (${stacks.length} stacks)`, true],
    [`every stack < ${MAX_RESOURCES} resources (max ${maxResources})`, maxResources < MAX_RESOURCES],
    [`every stack <= ${MAX_OUTPUTS} outputs (max ${Math.max(...stacks.map((s) => s.outputs))})`, stacks.every((s) => s.outputs <= MAX_OUTPUTS)],
    [`every template <= ${fmt(MAX_TEMPLATE_BYTES)} bytes (max ${fmt(maxBytes)})`, maxBytes <= MAX_TEMPLATE_BYTES],
    [`AWS::XRay::Group <= ${MAX_XRAY_GROUPS} (${r.xrayGroups})`, r.xrayGroups! <= MAX_XRAY_GROUPS],
    [`every dashboard <= ${MAX_WIDGETS} widgets`, dashboards.every((d) => d.widgets <= MAX_WIDGETS)],
    [`every widget <= ${MAX_METRICS} metrics`, dashboards.every((d) => d.maxMetrics <= MAX_METRICS)],
    [`every log widget <= ${MAX_LOG_GROUPS} log groups`, dashboards.every((d) => d.maxLogGroups <= MAX_LOG_GROUPS)],
    [`no overlapping widgets, all within ${COLUMNS} columns`, dashboards.every((d) => d.overlaps === 0 && d.outside === 0)],
  ];
  lines.push(...checks.map(([label, ok]) => `- ${verdict(ok)}: ${label}`), '');
  return lines;
}

const requested = process.argv[2];
if (requested !== undefined) {
  let result: Result;
  try {
    result = runScenario(SCENARIOS[requested]);
  } catch (e) {
    result = { error: (e as Error).message.split('\n')[0] };
  }
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
} else {
  process.stdout.write(`Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}; one process per scenario\n\n`);
  for (const name of Object.keys(SCENARIOS)) process.stdout.write(`${report(name, runChild(name)).join('\n')}\n`);
}
