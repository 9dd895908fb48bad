/**
 * What the library costs at synthesis against the same resources written without it: N = 100, 300 and 1,000
 * traced functions, 40 per stack, in producer -> queue -> consumer pairs, with alarms and a dashboard,
 * synthesized as (a) bare aws-cdk-lib, (b) this library (`TracedFunction`, `TracedQueue`, `TracingDashboard`,
 * `TracingAlarms`) and (c) aws-cdk-lib with cdk-monitoring-constructs, and (f) the functions and queues alone,
 * which all three synthesize, so that what each one's monitoring costs is the difference. Each run is a
 * process of its own, the scenarios interleaved (a, b, c, f, a, b, c, f, ...) so that machine noise falls on all
 * alike; medians are reported. Then what `require('cdk-serverless-tracing')` costs. Not a test: targets are
 * printed as PASS/MISS.
 *
 * Run: npx projen bench:synth [--reps 2] [--sizes 100,300,1000] [--require-reps 9] [--no-synth] [--no-app-wide] [--no-require]
 *   [--baseline DIR]
 *
 * `--baseline DIR` also runs the library of another tree (a copy of the repository, or of its `src/` and
 * `scripts/` beside a `tsconfig.json`, e.g. from `git archive`) as scenario (b0), interleaved with the others,
 * for a before/after comparison that machine noise affects alike.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { App } from 'aws-cdk-lib';
import { fmt, median } from './bench/stats';
import type { AppWideFigures } from './bench-synth/app-wide-checks';
import { APP_PRELUDE_LABEL, sampleModule, sampleRequire, TYPICAL_EXPORTS } from './bench-synth/require-cost';
import { transpileLibrary } from './bench-synth/shipped-library';

const SCENARIOS = {
  a: { label: 'bare aws-cdk-lib', module: './bench-synth/bare' },
  b: { label: 'cdk-serverless-tracing', module: './bench-synth/library' },
  c: { label: 'cdk-monitoring-constructs', module: './bench-synth/monitoring-constructs' },
  f: { label: 'floor: the functions and queues alone', module: './bench-synth/unmonitored' },
} as const;
type Scenario = keyof typeof SCENARIOS;
/** The scenarios of a run: (b0) is (b) built from the `--baseline` tree. */
type Run = Scenario | 'b0';
const LABELS: Record<Run, string> = { ...Object.fromEntries(Object.entries(SCENARIOS).map(([k, v]) => [k, v.label])) as Record<Scenario, string>, b0: 'cdk-serverless-tracing, baseline' };

const TARGETS = { libraryOverBare: 1.15, libraryOverMonitoring: 0.65, maxResources: 500 };
const ROOT = path.join(__dirname, '..');

interface StackFigures { readonly name: string; readonly resources: number; readonly bytes: number }
/** Where the largest stack's bytes go: `cdk_nag` metadata, resource types, environment variables. */
interface Breakdown {
  readonly stack: string;
  readonly nagBytes: number;
  /** Per acknowledged rule: on how many resources, with how many distinct reasons, and the bytes of its entries. */
  readonly nagRules: Record<string, { readonly resources: number; readonly reasons: number; readonly bytes: number }>;
  readonly types: Record<string, number>;
  /** Template bytes each environment variable of the functions takes, summed over the stack. */
  readonly environmentBytes: Record<string, number>;
}
interface Result {
  readonly error?: string;
  readonly loadMs?: number;
  readonly constructMs?: number;
  readonly synthMs?: number;
  readonly cpuMs?: number;
  readonly baselineRssMb?: number;
  readonly peakRssMb?: number;
  readonly stacks?: StackFigures[];
  readonly breakdown?: Breakdown;
}

// --- child: one scenario, one size -----------------------------------------------------------------

/** The template as the CDK writes it (one-space indentation), for byte counts of its parts. */
const templateBytes = (template: unknown) => Buffer.byteLength(JSON.stringify(template, undefined, 1));

/** The bytes of one acknowledgement entry at `depth` of a template the CDK writes: its lines indented, and its line. */
const acknowledgementBytes = (rule: unknown, depth: number) =>
  Buffer.byteLength(JSON.stringify(rule, undefined, 1).replace(/\n/g, `\n${' '.repeat(depth)}`)) + depth + 2;

function breakdown(stack: string, template: any): Breakdown {
  const resources: Record<string, any> = template.Resources ?? {};
  const types: Record<string, number> = {};
  for (const r of Object.values(resources)) types[r.Type] = (types[r.Type] ?? 0) + 1;
  const total = templateBytes(template);
  const nagRules: Record<string, { resources: number; reasons: number; bytes: number }> = {};
  const reasons = new Map<string, Set<string>>();
  for (const r of Object.values(resources)) {
    for (const rule of r.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
      const entry = nagRules[rule.id] ?? (nagRules[rule.id] = { resources: 0, reasons: 0, bytes: 0 });
      entry.resources++;
      // Entries sit at depth 5 of the template (Resources, id, Metadata, cdk_nag, rules_to_suppress).
      entry.bytes += acknowledgementBytes(rule, 5);
      reasons.set(rule.id, (reasons.get(rule.id) ?? new Set()).add(rule.reason));
      entry.reasons = reasons.get(rule.id)!.size;
    }
  }
  // Acknowledgements the template carries once for the whole stack (depth 3: Metadata, cdk_nag, rules_to_suppress).
  for (const rule of template.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
    const entry = nagRules[`${rule.id} (once, for the stack)`] ??= { resources: 0, reasons: 1, bytes: 0 };
    entry.bytes += acknowledgementBytes(rule, 3);
  }
  const withoutNag = JSON.parse(JSON.stringify(template));
  delete withoutNag.Metadata?.cdk_nag;
  if (withoutNag.Metadata && Object.keys(withoutNag.Metadata).length === 0) delete withoutNag.Metadata;
  for (const r of Object.values<any>(withoutNag.Resources ?? {})) {
    if (r.Metadata?.cdk_nag === undefined) continue;
    delete r.Metadata.cdk_nag;
    if (Object.keys(r.Metadata).length === 0) delete r.Metadata;
  }
  const keys = new Set(Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')
    .flatMap((r) => Object.keys(r.Properties?.Environment?.Variables ?? {})));
  const environmentBytes: Record<string, number> = {};
  for (const key of keys) {
    const without = JSON.parse(JSON.stringify(template));
    for (const r of Object.values<any>(without.Resources)) {
      if (r.Type === 'AWS::Lambda::Function') delete r.Properties?.Environment?.Variables?.[key];
    }
    environmentBytes[key] = total - templateBytes(without);
  }
  return { stack, nagBytes: total - templateBytes(withoutNag), nagRules, types, environmentBytes };
}

function runScenario(scenario: Scenario, functions: number): Result {
  const t = () => process.hrtime.bigint();
  const tLoad = t();
  // Required here, not imported: each process loads its own scenario's modules and no other.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const cdk: typeof import('aws-cdk-lib') = require('aws-cdk-lib');
  const { build } = require(SCENARIOS[scenario].module) as { build: (app: App, functions: number) => void };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const loadMs = Number(t() - tLoad) / 1e6;
  const synthesize = (n: number) => {
    const app = new cdk.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-')) });
    build(app, n);
    return app;
  };
  // A small app first, in every scenario alike: modules loaded on first use (aws-cdk-lib's lazy ones, ts-node
  // transpiling a lazily required source) and the JIT's first compilations stay out of the timed run.
  const warm = synthesize(4).synth();
  fs.rmSync(warm.directory, { recursive: true, force: true });

  const baselineRssMb = process.resourceUsage().maxRSS / 1024;
  const cpu0 = process.cpuUsage();
  const t0 = t();
  const app = synthesize(functions);
  const t1 = t();
  const assembly = app.synth();
  const t2 = t();
  const cpu = process.cpuUsage(cpu0);
  const stacks = assembly.stacks.map((artifact) => ({
    name: artifact.stackName,
    resources: Object.keys(artifact.template.Resources ?? {}).length,
    bytes: fs.statSync(path.join(assembly.directory, artifact.templateFile)).size,
  }));
  const resourceCount = (artifact: typeof assembly.stacks[number]) => Object.keys(artifact.template.Resources ?? {}).length;
  const largest = assembly.stacks.reduce((a, b) => (resourceCount(b) > resourceCount(a) ? b : a));
  const result: Result = {
    loadMs,
    constructMs: Number(t1 - t0) / 1e6,
    synthMs: Number(t2 - t1) / 1e6,
    cpuMs: (cpu.user + cpu.system) / 1000,
    baselineRssMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    stacks,
    breakdown: breakdown(largest.stackName, largest.template),
  };
  fs.rmSync(assembly.directory, { recursive: true, force: true });
  return result;
}

/** The app-wide checks, after a small app has loaded and warmed up the same code. */
function runAppWideChecks(functions: number): AppWideFigures {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const cdk: typeof import('aws-cdk-lib') = require('aws-cdk-lib');
  const { measure } = require('./bench-synth/app-wide-checks') as typeof import('./bench-synth/app-wide-checks');
  /* eslint-enable @typescript-eslint/no-require-imports */
  measure(new cdk.App(), 80);
  return measure(new cdk.App(), functions);
}

// --- parent ----------------------------------------------------------------------------------------

/**
 * Runs one scenario (or the app-wide checks) in a process of its own, from this tree or from `root`; (b) with
 * the library as it ships from `library` (`transpileLibrary`'s index) where given, which a tree from before
 * that argument ignores, loading its sources.
 */
function runChild<T = Result>(scenario: Scenario | 'app-wide', functions: number, root = ROOT, library?: string): T | { error: string } {
  try {
    // Same ts-node as the parent, but transpile-only: the parent has already type-checked this file and src/.
    const script = path.join(root, 'scripts', 'bench-synth.ts');
    const args = [script, '--child', scenario, String(functions), ...(library ? [library] : [])];
    const stdout = execFileSync(process.execPath, ['-r', require.resolve('ts-node/register'), ...args], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'scripts', 'tsconfig.json'), TS_NODE_PREFER_TS_EXTS: 'true', TS_NODE_TRANSPILE_ONLY: 'true' },
    });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0] };
  }
}

function appWideReport(sizes: number[], baseline: string | undefined): string[] {
  const lines = ['## App-wide checks: one topic, sampling rule and group per stack (one run each)', ''];
  lines.push('Each counts what its account and Region hold across the app; the time per stack stays flat when counting is linear in the app.', '');
  lines.push('| N | library | stacks | topics ms | sampling rules ms | groups ms | all, ms per stack |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  const trees: [string, string][] = baseline ? [['baseline', baseline], ['this tree', ROOT]] : [['this tree', ROOT]];
  for (const n of sizes) {
    for (const [label, root] of trees) {
      const r = runChild<AppWideFigures>('app-wide', n, root);
      if ('error' in r) {
        lines.push(`| ${fmt(n)} | ${label} | - | error: ${r.error} | | | |`);
        continue;
      }
      const total = r.topicsMs + r.samplingRulesMs + r.groupsMs;
      lines.push(`| ${fmt(n)} | ${label} | ${r.stacks} | ${fmt(r.topicsMs, 1)} | ${fmt(r.samplingRulesMs, 1)} | ${fmt(r.groupsMs, 1)} | ${fmt(total / r.stacks, 2)} |`);
    }
  }
  lines.push('');
  return lines;
}

const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

interface Summary {
  readonly ok: boolean;
  readonly error?: string;
  readonly wallMs: number;
  readonly cpuMs: number;
  /** The least CPU time of the runs: noise only ever adds to a deterministic workload, so this is its steadiest estimate. */
  readonly minCpuMs: number;
  readonly constructMs: number;
  readonly synthMs: number;
  readonly peakRssMb: number;
  readonly maxBytes: number;
  readonly maxResources: number;
  readonly stacks: number;
  readonly breakdown?: Breakdown;
}

function summarize(results: Result[]): Summary {
  const ok = results.filter((r) => r.error === undefined);
  if (ok.length === 0) {
    const none = { wallMs: NaN, cpuMs: NaN, minCpuMs: NaN, constructMs: NaN, synthMs: NaN, peakRssMb: NaN, maxBytes: NaN, maxResources: NaN };
    return { ok: false, error: results[0]?.error, stacks: 0, ...none };
  }
  const m = (f: (r: Result) => number) => median(ok.map(f));
  return {
    ok: ok.length === results.length,
    error: results.find((r) => r.error !== undefined)?.error,
    wallMs: m((r) => r.constructMs! + r.synthMs!),
    cpuMs: m((r) => r.cpuMs!),
    minCpuMs: Math.min(...ok.map((r) => r.cpuMs!)),
    constructMs: m((r) => r.constructMs!),
    synthMs: m((r) => r.synthMs!),
    peakRssMb: m((r) => r.peakRssMb!),
    maxBytes: Math.max(...ok[0].stacks!.map((s) => s.bytes)),
    maxResources: Math.max(...ok[0].stacks!.map((s) => s.resources)),
    stacks: ok[0].stacks!.length,
    breakdown: ok[0].breakdown,
  };
}

function synthReport(sizes: number[], order: Run[], results: Map<string, Result[]>, reps: number): { lines: string[]; checks: [string, boolean][] } {
  const lines: string[] = [];
  const checks: [string, boolean][] = [];
  lines.push('## Synthesis (construct + synth, medians)', '');
  lines.push(`${reps} run(s) per scenario and size, each in a fresh process after a 4-function warm-up app; peak RSS is the process's. `
    + 'The time targets are judged on CPU time (user + system of construct and synth), which other load on the machine disturbs far less than wall time.', '');
  lines.push('| N | scenario | stacks | wall s | CPU s | construct s | synth s | peak RSS MB | max template bytes | max resources/stack |');
  lines.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const summaries = new Map<string, Summary>();
  for (const n of sizes) {
    for (const s of order) {
      const sum = summarize(results.get(`${s}:${n}`) ?? []);
      summaries.set(`${s}:${n}`, sum);
      if (!sum.ok && Number.isNaN(sum.wallMs)) {
        lines.push(`| ${fmt(n)} | (${s}) ${LABELS[s]} | - | did not synthesize: ${sum.error} | | | | | | |`);
        continue;
      }
      lines.push(`| ${fmt(n)} | (${s}) ${LABELS[s]} | ${sum.stacks} | ${fmt(sum.wallMs / 1000, 2)} | ${fmt(sum.cpuMs / 1000, 2)} | `
        + `${fmt(sum.constructMs / 1000, 2)} | ${fmt(sum.synthMs / 1000, 2)} | ${fmt(sum.peakRssMb)} | ${fmt(sum.maxBytes)} | ${sum.maxResources} |`);
    }
  }
  const r = (x: number, y: number) => fmt(x / y, 2);
  lines.push('', 'Ratios of the medians; "min CPU" is the ratio of the least CPU times, steadier when the machine is busy.', '');
  lines.push('| N | b/a wall | b/a CPU | b/a min CPU | b/a RSS | b/a bytes | b/c wall | b/c CPU | b/c min CPU | b/c RSS | b/c bytes |');
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const n of sizes) {
    const [a, b, c, f] = (['a', 'b', 'c', 'f'] as const).map((s) => summaries.get(`${s}:${n}`)!);
    lines.push(`| ${fmt(n)} | ${r(b.wallMs, a.wallMs)} | ${r(b.cpuMs, a.cpuMs)} | ${r(b.minCpuMs, a.minCpuMs)} | `
      + `${r(b.peakRssMb, a.peakRssMb)} | ${r(b.maxBytes, a.maxBytes)} | `
      + `${r(b.wallMs, c.wallMs)} | ${r(b.cpuMs, c.cpuMs)} | ${r(b.minCpuMs, c.minCpuMs)} | ${r(b.peakRssMb, c.peakRssMb)} | ${r(b.maxBytes, c.maxBytes)} |`);
    checks.push([`N=${fmt(n)}: b/a ${r(b.cpuMs, a.cpuMs)} CPU (${r(b.wallMs, a.wallMs)} wall) <= ${TARGETS.libraryOverBare}`, b.cpuMs / a.cpuMs <= TARGETS.libraryOverBare]);
    checks.push([`N=${fmt(n)}: b/c ${r(b.cpuMs, c.cpuMs)} CPU (${r(b.wallMs, c.wallMs)} wall) <= ${TARGETS.libraryOverMonitoring}, which ${monitoringBound(a, b, c, f)}`,
      b.cpuMs / c.cpuMs <= TARGETS.libraryOverMonitoring]);
    checks.push([`N=${fmt(n)}: every stack of (b) < ${TARGETS.maxResources} resources (max ${b.maxResources})`, b.ok && b.maxResources < TARGETS.maxResources]);
  }
  lines.push(...monitoringReport(sizes, summaries));
  if (order.includes('b0')) {
    lines.push('', 'Baseline (b0) against this tree (b), same runs:', '');
    lines.push('| N | b0/a CPU | b/a CPU | b0/c CPU | b/c CPU | b/b0 CPU | b/b0 min CPU | b/b0 wall | b/b0 RSS | b0 bytes | b bytes | b0 resources | b resources |');
    lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const n of sizes) {
      const [a, b0, b, c] = (['a', 'b0', 'b', 'c'] as const).map((s) => summaries.get(`${s}:${n}`)!);
      lines.push(`| ${fmt(n)} | ${r(b0.cpuMs, a.cpuMs)} | ${r(b.cpuMs, a.cpuMs)} | ${r(b0.cpuMs, c.cpuMs)} | ${r(b.cpuMs, c.cpuMs)} | ${r(b.cpuMs, b0.cpuMs)} | `
        + `${r(b.minCpuMs, b0.minCpuMs)} | ${r(b.wallMs, b0.wallMs)} | ${r(b.peakRssMb, b0.peakRssMb)} | ${fmt(b0.maxBytes)} | ${fmt(b.maxBytes)} | ${b0.maxResources} | ${b.maxResources} |`);
    }
  }
  if (sizes.includes(1000)) {
    const b = summaries.get('b:1000')!;
    checks.push([`1,000 functions synthesize with the library${b.error ? ` (${b.error})` : ''}`, b.ok]);
  }
  lines.push(...breakdownReport(sizes[0], order, summaries), '');
  return { lines, checks };
}

/**
 * What each scenario's alarms and dashboard cost: its CPU time above the floor (f), the functions and queues
 * alone. The library's functions and queues are counted in its monitoring, which makes that figure an upper bound.
 */
function monitoringReport(sizes: number[], summaries: Map<string, Summary>): string[] {
  const lines = ['', 'What the monitoring costs: CPU above (f), the functions and queues alone (medians; (b)\'s also holds what its '
    + 'functions and queues cost above bare ones).', ''];
  lines.push('| N | (f) CPU s | a - f s | b - f s | c - f s | (b - f)/(a - f) | (b - f)/(c - f) |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const n of sizes) {
    const [a, b, c, f] = (['a', 'b', 'c', 'f'] as const).map((s) => summaries.get(`${s}:${n}`)!);
    const [ma, mb, mc] = [a, b, c].map((x) => x.cpuMs - f.cpuMs);
    lines.push(`| ${fmt(n)} | ${fmt(f.cpuMs / 1000, 2)} | ${fmt(ma / 1000, 2)} | ${fmt(mb / 1000, 2)} | ${fmt(mc / 1000, 2)} | ${fmt(mb / ma, 2)} | ${fmt(mb / mc, 2)} |`);
  }
  return lines;
}

/**
 * What the b/c target asks of this run. b/c = (b/a) / (c/a), so it asks b/a <= target x c/a, below 1 (the
 * library cheaper than bare aws-cdk-lib) whenever c/a is below 1/target; and since (b) synthesizes at least the
 * floor's functions and queues, its monitoring may take at most target x c - f, against bare's a - f.
 */
function monitoringBound(a: Summary, b: Summary, c: Summary, f: Summary): string {
  const allowed = TARGETS.libraryOverMonitoring * c.cpuMs - f.cpuMs;
  return `needs b/a <= ${fmt(TARGETS.libraryOverMonitoring * c.cpuMs / a.cpuMs, 2)} at this run's c/a ${fmt(c.cpuMs / a.cpuMs, 2)}: `
    + `the library's monitoring in at most ${fmt(allowed / 1000, 2)} s CPU above the floor's ${fmt(f.cpuMs / 1000, 2)} s, `
    + `where bare aws-cdk-lib's took ${fmt((a.cpuMs - f.cpuMs) / 1000, 2)} s (${fmt(allowed / (a.cpuMs - f.cpuMs), 2)}x) and this run's library ${fmt((b.cpuMs - f.cpuMs) / 1000, 2)} s`;
}

/** Where the library's largest stack differs from bare aws-cdk-lib's: resource types, cdk-nag metadata, environment. */
function breakdownReport(n: number, order: Run[], summaries: Map<string, Summary>): string[] {
  const libraries = order.filter((s) => s === 'b0' || s === 'b');
  const a = summaries.get(`a:${n}`)!.breakdown;
  const of = libraries.map((s) => summaries.get(`${s}:${n}`)!);
  if (!a || of.some((x) => !x.breakdown)) return [];
  const header = (first: string) => `| ${first} | (a) | ${libraries.map((s) => `(${s})`).join(' | ')} |`;
  const rule = `| --- | ---: | ${libraries.map(() => '---:').join(' | ')} |`;
  const lines = ['', `### Largest stack at N=${fmt(n)}`, ''];
  lines.push(header('template'), rule, `| bytes | ${fmt(summaries.get(`a:${n}`)!.maxBytes)} | ${of.map((x) => fmt(x.maxBytes)).join(' | ')} |`);
  lines.push(`| of which cdk_nag metadata | ${fmt(a.nagBytes)} | ${of.map((x) => fmt(x.breakdown!.nagBytes)).join(' | ')} |`, '');
  lines.push(header('resource type (where they differ)'), rule);
  const types = [...new Set([a, ...of.map((x) => x.breakdown!)].flatMap((x) => Object.keys(x.types)))].sort();
  for (const type of types) {
    const counts = [a, ...of.map((x) => x.breakdown!)].map((x) => x.types[type] ?? 0);
    if (counts.some((c) => c !== counts[0])) lines.push(`| ${type} | ${counts.join(' | ')} |`);
  }
  lines.push('', `| acknowledged rule | resources | distinct reasons | ${libraries.map((s) => `(${s}) bytes`).join(' | ')} |`);
  lines.push(`| --- | ---: | ---: | ${libraries.map(() => '---:').join(' | ')} |`);
  const last = of[of.length - 1].breakdown!;
  for (const [id, entry] of Object.entries(last.nagRules).sort((x, y) => y[1].bytes - x[1].bytes)) {
    lines.push(`| ${id} | ${entry.resources} | ${entry.reasons} | ${of.map((x) => fmt(x.breakdown!.nagRules[id]?.bytes ?? 0)).join(' | ')} |`);
  }
  lines.push('', header('environment variable, bytes over all functions'), rule);
  const producerVariable = /_QUEUE_URL$/;
  const all = [a, ...of.map((x) => x.breakdown!)];
  for (const key of Object.keys(last.environmentBytes).filter((k) => !producerVariable.test(k)).sort()) {
    lines.push(`| ${key} | ${all.map((x) => fmt(x.environmentBytes[key] ?? 0)).join(' | ')} |`);
  }
  const queueUrls = (bytes: Record<string, number>) => Object.entries(bytes).filter(([k]) => producerVariable.test(k)).reduce((t, [, v]) => t + v, 0);
  lines.push(`| the producers' *_QUEUE_URL | ${all.map((x) => fmt(queueUrls(x.environmentBytes))).join(' | ')} |`);
  return lines;
}

/** A tree whose library the benchmark loads as it ships: its label, its root and `transpileLibrary`'s index. */
interface ShippedTree { readonly label: string; readonly root: string; readonly index: string }

function requireReport(reps: number, trees: ShippedTree[]): string[] {
  const cold = trees.map(() => [] as number[]);
  const warm = trees.map(() => [] as number[]);
  const touched = trees.map(() => [] as number[]);
  const loaded = trees.map(() => [] as string[]);
  for (let rep = 0; rep < reps; rep++) {
    trees.forEach(({ root, index }, i) => {
      cold[i].push(sampleRequire(index, false, root).ms);
      warm[i].push(sampleRequire(index, true, root).ms);
      // What using the library loads: with a lazy index, requiring it alone loads nothing.
      const used = sampleRequire(index, true, root, TYPICAL_EXPORTS);
      touched[i].push(used.ms);
      loaded[i] = used.loaded;
    });
  }
  const lines = [`## require('cdk-serverless-tracing') (median of ${reps} fresh processes)`, ''];
  lines.push(`| library | cold ms | ${APP_PRELUDE_LABEL}, ms | the same, then reading ${TYPICAL_EXPORTS.join(', ')}, ms |`, '| --- | ---: | ---: | ---: |');
  trees.forEach(({ label }, i) => lines.push(`| ${label} | ${fmt(median(cold[i]), 1)} | ${fmt(median(warm[i]), 1)} | ${fmt(median(touched[i]), 1)} |`));
  lines.push('', `aws-cdk-lib submodules the library loads beyond the app's when the app reads ${TYPICAL_EXPORTS.join(', ')}; what requiring one costs after the app (its index: what an `
    + 'import at the top of a module pays) and what loading all of it costs (the most that using it can):', '');
  lines.push(`| submodule | ${trees.map(({ label }) => label).join(' | ')} | index ms | all of it, ms |`, `| --- | ${trees.map(() => ':---:').join(' | ')} | ---: | ---: |`);
  for (const module of [...new Set(loaded.flat())].sort()) {
    const samples = Array.from({ length: Math.min(reps, 3) }, () => sampleModule(`aws-cdk-lib/${module}`, ROOT));
    const used = loaded.map((l) => (l.includes(module) ? 'loaded' : '-')).join(' | ');
    lines.push(`| ${module} | ${used} | ${fmt(median(samples.map((x) => x.indexMs)), 1)} | ${fmt(median(samples.map((x) => x.allMs)), 1)} |`);
  }
  lines.push('');
  return lines;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const reps = Number(option('reps') ?? 2);
  const sizes = (option('sizes') ?? '100,300,1000').split(',').map(Number);
  const requireReps = Number(option('require-reps') ?? 9);
  const baseline = option('baseline') === undefined ? undefined : path.resolve(option('baseline')!);
  if (!Number.isInteger(reps) || reps < 1 || sizes.some((n) => !Number.isInteger(n) || n < 2)) {
    throw new Error('usage: bench-synth.ts [--reps N>=1] [--sizes 100,300,1000] [--require-reps N] [--no-synth] [--no-app-wide] [--no-require] [--baseline DIR]');
  }
  if (baseline && !['scripts/bench-synth.ts', 'src/index.ts', 'tsconfig.json'].every((f) => fs.existsSync(path.join(baseline, f)))) {
    throw new Error(`--baseline: ${baseline} needs scripts/bench-synth.ts, src/index.ts and tsconfig.json`);
  }
  const order: Run[] = baseline ? ['a', 'b0', 'b', 'c', 'f'] : ['a', 'b', 'c', 'f'];
  // A baseline from before (b) loaded the library as it ships runs its sources through ts-node, which maps their frames.
  const baselineScenario = baseline && path.join(baseline, 'scripts', 'bench-synth', 'library.ts');
  const baselineShips = baselineScenario && fs.existsSync(baselineScenario) && fs.readFileSync(baselineScenario, 'utf8').includes('BENCH_SYNTH_LIBRARY');
  const baselineLoads = baselineShips ? 'as it ships' : 'its sources through ts-node';
  process.stdout.write(`Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}; one process per run`
    + `${baseline ? `; baseline (b0): ${baseline}, the library loaded ${baselineLoads}` : ''}; (b): the library loaded as it ships\n\n`);
  const started = Date.now();
  const checks: [string, boolean][] = [];
  // Each tree's library transpiled once, beside it (so that it loads that tree's aws-cdk-lib), for the
  // synthesis runs and the require figures alike.
  const roots: [string, string][] = baseline ? [['baseline', baseline], ['this tree', ROOT]] : [['this tree', ROOT]];
  const dirs = roots.map(([, root]) => path.join(root, 'bench-results', `library-${process.pid}`));
  try {
    const trees: ShippedTree[] = roots.map(([label, root], i) => ({ label, root, index: transpileLibrary(root, dirs[i]) }));
    const library = trees[trees.length - 1].index;
    const baselineLibrary = baseline ? trees[0].index : undefined;
    if (!process.argv.includes('--no-synth')) {
      const results = new Map<string, Result[]>();
      for (const n of sizes) {
        for (let rep = 0; rep < reps; rep++) {
          for (const s of order) {
            const r = (s === 'b0' ? runChild('b', n, baseline, baselineLibrary) : runChild(s, n, ROOT, s === 'b' ? library : undefined)) as Result;
            results.set(`${s}:${n}`, [...results.get(`${s}:${n}`) ?? [], r]);
            const figures = r.error === undefined ? `${fmt((r.constructMs! + r.synthMs!) / 1000, 2)} s wall, ${fmt(r.cpuMs! / 1000, 2)} s CPU` : `error: ${r.error}`;
            process.stderr.write(`N=${n} rep ${rep + 1}/${reps} (${s}): ${figures}, ${fmt((Date.now() - started) / 1000)} s elapsed\n`);
          }
        }
      }
      const report = synthReport(sizes, order, results, reps);
      process.stdout.write(`${report.lines.join('\n')}\n`);
      checks.push(...report.checks);
    }
    if (!process.argv.includes('--no-app-wide')) process.stdout.write(`${appWideReport(sizes, baseline).join('\n')}\n`);
    if (!process.argv.includes('--no-require')) process.stdout.write(`${requireReport(requireReps, trees).join('\n')}\n`);
  } finally {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
  if (checks.length > 0) process.stdout.write(`## Targets\n\n${checks.map(([label, ok]) => `- ${verdict(ok)}: ${label}`).join('\n')}\n\n`);
  process.stdout.write(`Total ${fmt((Date.now() - started) / 1000)} s\n`);
}

if (process.argv[2] === '--child') {
  let result: Result | AppWideFigures;
  try {
    const n = Number(process.argv[4]);
    // Read by the library scenario's module: the library as it ships, instead of its sources.
    if (process.argv[5]) process.env.BENCH_SYNTH_LIBRARY = process.argv[5];
    result = process.argv[3] === 'app-wide' ? runAppWideChecks(n) : runScenario(process.argv[3] as Scenario, n);
  } catch (e) {
    result = { error: (e as Error).message.split('\n')[0] };
  }
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
} else {
  main();
}
