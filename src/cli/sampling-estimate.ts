import { byPriority, couldMatch, DEFAULT_SAMPLING_RULE, SampledRequest, SamplingRuleRecord } from './sampling-rules';
import { TraceGraph, TraceNode } from './trace-graph';

/**
 * X-Ray's public prices the estimate assumes. Source: the AWS X-Ray pricing page,
 * https://aws.amazon.com/xray/pricing/, as stored in the documentation corpus (its German, Chinese and
 * Vietnamese editions; the pages carry no date), checked on 2026-12-01. The same figures appear in every
 * edition and in the page's worked example ($0.000005 per trace recorded). Prices can differ by Region.
 */
export const XRAY_PRICES = {
  source: 'https://aws.amazon.com/xray/pricing/ (checked 2026-12-01)',
  tracesRecordedUsdPerMillion: 5,
  tracesRecordedFreePerMonth: 100_000,
  tracesRetrievedOrScannedUsdPerMillion: 0.5,
  tracesRetrievedOrScannedFreePerMonth: 1_000_000,
} as const;

/** The month of the AWS Pricing Calculator: 730 hours. */
export const SECONDS_PER_MONTH = 730 * 3600;

export type SamplingDecider = 'x-ray-rules' | 'lambda-default' | 'none';

/** A sampling rule that could match requests at a root. */
export interface RootRule {
  readonly rule: string;
  readonly stack: string;
  readonly name: string;
  readonly priority: number;
  readonly fixedRate: number;
  readonly reservoirSize: number;
  /** Whether it decides some of the root's requests: it is the first rule that could match them, where rules apply. */
  readonly applied: boolean;
  /** The root's requests it decides (`POST /orders`), when applied. */
  readonly decides: string[];
}

export interface RootSampling {
  /** Who makes the sampling decision at this root. */
  readonly decidedBy: SamplingDecider;
  readonly rules: RootRule[];
  readonly note: string;
}

export interface RootEstimate {
  readonly requestsPerSecond: number;
  readonly sampledPerSecond: number;
  readonly tracesPerMonth: number;
  readonly spansPerTrace: number;
  readonly spansPerMonth: number;
  /** Before the free tier, which is per account: `estimateTotals` subtracts it once. */
  readonly recordedCostUsd: number;
}

export interface RootReport {
  readonly node: string;
  readonly sampling: RootSampling;
  readonly estimate: RootEstimate;
}

/**
 * The cost model, kept simple on purpose:
 * - roots are API stages, schedules, and functions, state machines, queues, topics and buses nothing in the
 *   template leads to; every root receives `rps` requests per second (a schedule, the rate of its
 *   expression), split evenly over an API stage's routes;
 * - where X-Ray rules apply (traced API stages, traced state machines), each request is decided by the
 *   first rule (by priority) that could match it, else X-Ray's default rule; a rule samples its
 *   reservoir per second, then its fixed rate of the rest;
 * - a function starting a trace samples with Lambda's default (1 per second, then 5 %), which rules
 *   cannot change; a root nothing traces records nothing;
 * - one trace per sampled root request (the linked traces of queue consumers are counted in it), with
 *   one span per resource reachable from the root;
 * - recorded traces are priced; retrieval and scans depend on how traces are queried and are not estimated.
 */
export function estimateRoots(graph: TraceGraph, stack: string, rules: SamplingRuleRecord[], rps: number): RootReport[] {
  const incoming = new Set(graph.edges.map((e) => e.to));
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  // Queues, topics and buses nothing in the template sends to receive their messages from outside: their consumers start traces.
  const roots = graph.nodes.filter((n) => n.kind === 'api-stage' || n.kind === 'schedule'
    || (['function', 'state-machine', 'queue', 'topic', 'event-bus'].includes(n.kind) && !incoming.has(n.id)));
  return roots.map((root) => {
    const targets = graph.edges.filter((e) => e.from === root.id).map((e) => nodes.get(e.to)!);
    const requests = requestsAt(root, stack, targets);
    const rate = root.kind === 'schedule' ? scheduleRatePerSecond(root.schedule ?? '') : rps;
    const decidedBy = deciderOf(root, targets);
    const ordered = [...rules, DEFAULT_SAMPLING_RULE].sort(byPriority);
    const deciding = new Map<SamplingRuleRecord, string[]>();
    for (const request of requests) {
      const first = decidedBy === 'x-ray-rules' ? ordered.find((r) => couldMatch(r, request.match)) ?? DEFAULT_SAMPLING_RULE
        : decidedBy === 'lambda-default' ? DEFAULT_SAMPLING_RULE : undefined;
      if (first) deciding.set(first, [...deciding.get(first) ?? [], request.label]);
    }
    const matching = ordered.filter((r) => deciding.has(r) || requests.some((q) => couldMatch(r, q.match)));
    const perRequest = rate / requests.length;
    const sampledPerSecond = [...deciding.entries()].reduce((sum, [rule, decided]) => sum + sampledRate(rule, perRequest * decided.length), 0);
    const tracesPerMonth = Math.round(sampledPerSecond * SECONDS_PER_MONTH);
    const spansPerTrace = reachable(root.id, graph);
    return {
      node: root.id,
      sampling: {
        decidedBy,
        rules: matching.map((r) => ({
          rule: r.id,
          stack: r.stack,
          name: r.name,
          priority: r.priority,
          fixedRate: r.fixedRate,
          reservoirSize: r.reservoirSize,
          applied: deciding.has(r),
          decides: deciding.get(r) ?? [],
        })),
        note: NOTES[decidedBy](root),
      },
      estimate: {
        requestsPerSecond: rate,
        sampledPerSecond,
        tracesPerMonth,
        spansPerTrace,
        spansPerMonth: tracesPerMonth * spansPerTrace,
        recordedCostUsd: cents(tracesPerMonth / 1e6 * XRAY_PRICES.tracesRecordedUsdPerMillion),
      },
    };
  });
}

/** All roots of the assembly together, with the per-account free tier subtracted once. */
export function estimateTotals(roots: RootReport[]): { tracesPerMonth: number; spansPerMonth: number; recordedCostUsd: number } {
  const tracesPerMonth = roots.reduce((sum, r) => sum + r.estimate.tracesPerMonth, 0);
  const billable = Math.max(0, tracesPerMonth - XRAY_PRICES.tracesRecordedFreePerMonth);
  return {
    tracesPerMonth,
    spansPerMonth: roots.reduce((sum, r) => sum + r.estimate.spansPerMonth, 0),
    recordedCostUsd: cents(billable / 1e6 * XRAY_PRICES.tracesRecordedUsdPerMillion),
  };
}

const NOTES: Record<SamplingDecider, (root: TraceNode) => string> = {
  'x-ray-rules': () => 'X-Ray sampling rules decide here (first match by priority), and the decision travels with the request',
  'lambda-default': (root) => root.kind === 'function'
    ? 'Lambda samples the traces this function starts with its default (1 request per second, then 5 %); sampling rules do not apply to it'
    : 'no X-Ray sampling here: the functions it invokes sample with Lambda\'s default (1 request per second, then 5 %)',
  'none': () => 'nothing traced samples here: requests from this root are not traced',
};

function deciderOf(root: TraceNode, targets: TraceNode[]): SamplingDecider {
  const activeFunctionBehind = targets.some((t) => t.kind === 'function' && t.activeTracing);
  switch (root.kind) {
    case 'api-stage': return root.activeTracing ? 'x-ray-rules' : activeFunctionBehind ? 'lambda-default' : 'none';
    case 'state-machine': return root.activeTracing ? 'x-ray-rules' : 'none';
    case 'function': return root.activeTracing ? 'lambda-default' : 'none';
    default: return targets.some((t) => t.kind === 'state-machine' && t.activeTracing) ? 'x-ray-rules' : activeFunctionBehind ? 'lambda-default' : 'none';
  }
}

/** The kinds of request a root receives, as X-Ray would match them against rules. */
function requestsAt(root: TraceNode, stack: string, targets: TraceNode[]): { label: string; match: SampledRequest }[] {
  // Invocations that are not HTTP requests have no host, method or path: only rules with `*` there match them.
  const notHttp = { host: '', httpMethod: '', urlPath: '', resourceArn: '*' };
  if (root.kind === 'api-stage') {
    const stageName = (root.name ?? '').split('/').pop() ?? '*';
    const routes = root.routes && root.routes.length > 0 ? root.routes : [{ method: '*', path: '*' }];
    return routes.map((r) => ({
      label: `${r.method} ${r.path}`,
      match: {
        serviceName: root.name ?? '*',
        serviceType: 'AWS::ApiGateway::Stage',
        host: '*',
        httpMethod: r.method === 'ANY' ? '*' : r.method,
        urlPath: r.path.replace(/\{[^}]*\}/g, '*'),
        resourceArn: `arn:*:apigateway:*::/restapis/*/stages/${stageName}`,
      },
    }));
  }
  if (root.kind === 'state-machine') return [{ label: root.id, match: { ...notHttp, serviceName: root.name ?? '*', serviceType: 'AWS::StepFunctions::StateMachine' } }];
  const functions = root.kind === 'function' ? [root] : targets.filter((t) => t.kind === 'function');
  // CloudFormation names an unnamed function <stack name>-<logical id>-<suffix>: X-Ray's service name for it.
  const request = (fn: TraceNode) => ({ label: fn.id, match: { ...notHttp, serviceName: fn.name ?? `${stack}-*`, serviceType: 'AWS::Lambda::Function' } });
  return functions.length > 0 ? functions.map(request) : [{ label: root.id, match: { ...notHttp, serviceName: root.id, serviceType: '*' } }];
}

function sampledRate(rule: SamplingRuleRecord, requestsPerSecond: number): number {
  return Math.min(requestsPerSecond, rule.reservoirSize) + Math.max(0, requestsPerSecond - rule.reservoirSize) * rule.fixedRate;
}

/** How many resources a trace from the root passes through, the root included. */
function reachable(root: string, graph: TraceGraph): number {
  const seen = new Set([root]);
  const queue = [root];
  while (queue.length > 0) {
    const from = queue.shift()!;
    for (const edge of graph.edges) {
      if (edge.from === from && !seen.has(edge.to)) {
        seen.add(edge.to);
        queue.push(edge.to);
      }
    }
  }
  return seen.size;
}

const DAYS_PER_MONTH = SECONDS_PER_MONTH / 86400;
const NAMES: Record<string, number> = {
  SUN: 1,
  MON: 2,
  TUE: 3,
  WED: 4,
  THU: 5,
  FRI: 6,
  SAT: 7,
  JAN: 1,
  FEB: 2,
  MAR: 3,
  APR: 4,
  MAY: 5,
  JUN: 6,
  JUL: 7,
  AUG: 8,
  SEP: 9,
  OCT: 10,
  NOV: 11,
  DEC: 12,
};

/**
 * Invocations per second of an EventBridge schedule: `rate(...)` exactly, `cron(...)` approximately
 * (fires per day times days per month), `at(...)` as nothing, since it fires once.
 */
export function scheduleRatePerSecond(expression: string): number {
  const rate = /^rate\(\s*([1-9]\d*)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (rate) return 1 / (Number(rate[1]) * { m: 60, h: 3600, d: 86400 }[rate[2][0] as 'm' | 'h' | 'd']);
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (!cron) return 0;
  const [minutes, hours, dayOfMonth, month, dayOfWeek] = cron[1].trim().split(/\s+/);
  const any = (field?: string) => field === undefined || field === '*' || field === '?';
  const days = !any(dayOfMonth) ? fieldCount(dayOfMonth, 1, 31)
    : !any(dayOfWeek) ? fieldCount(dayOfWeek, 1, 7) * DAYS_PER_MONTH / 7 : DAYS_PER_MONTH;
  const months = any(month) ? 1 : fieldCount(month, 1, 12) / 12;
  return fieldCount(minutes, 0, 59) * fieldCount(hours, 0, 23) * days * months / SECONDS_PER_MONTH;
}

function fieldCount(field: string | undefined, low: number, high: number): number {
  if (field === undefined || field === '*' || field === '?') return high - low + 1;
  const value = (text: string) => NAMES[text.toUpperCase()] ?? Number(text);
  return field.split(',').reduce((sum, part) => {
    const [range, step] = part.split('/');
    const [from, to] = range === '*' ? [low, high] : range.includes('-') ? range.split('-').map(value) : [value(range), step ? high : value(range)];
    const span = Number.isFinite(from) && Number.isFinite(to) ? Math.max(0, to - from) + 1 : 1;
    return sum + Math.ceil(span / (step ? Number(step) || 1 : 1));
  }, 0);
}

function cents(usd: number): number {
  return Math.round(usd * 100) / 100;
}
