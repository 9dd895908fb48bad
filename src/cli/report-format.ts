import { StackReport, TracingAssemblyReport } from './build-report';
import { RootReport, SamplingDecider } from './sampling-estimate';
import { NodeKind, TraceEdge, TraceNode } from './trace-graph';

const KIND_LABELS: Record<NodeKind, string> = {
  'api-stage': 'API stage',
  'function': 'function',
  'queue': 'queue',
  'topic': 'topic',
  'event-bus': 'event bus',
  'schedule': 'schedule',
  'state-machine': 'state machine',
  'external': 'outside the template',
};

/** The report as plain text, stack by stack: hops, losses, sampling at the roots, dashboards, then the cost summary. */
export function formatText(report: TracingAssemblyReport): string {
  const stackCount = `${report.stacks.length} stack${report.stacks.length === 1 ? '' : 's'}`;
  const lines = [`Tracing report of ${report.assembly} (${stackCount}; ${number(report.requestsPerSecond)} requests/s at each root)`];
  for (const stack of report.stacks) lines.push('', ...stackLines(stack, report));
  const prices = report.prices;
  lines.push(
    '',
    `X-Ray estimate, all roots: ${number(report.totals.tracesPerMonth)} traces/month, ${number(report.totals.spansPerMonth)} spans/month, `
      + `${usd(report.totals.recordedCostUsd)}/month after the ${number(prices.tracesRecordedFreePerMonth)} free traces`,
    `Prices assumed (${prices.source}): traces recorded ${usd(prices.tracesRecordedUsdPerMillion)} per 1 million after ${number(prices.tracesRecordedFreePerMonth)} free per month; `
      + `traces retrieved or scanned ${usd(prices.tracesRetrievedOrScannedUsdPerMillion)} per 1 million after ${number(prices.tracesRetrievedOrScannedFreePerMonth)} free `
      + '(not estimated: it depends on how traces are queried)',
  );
  for (const note of report.notes) lines.push(`Note: ${note}`);
  return `${lines.join('\n')}\n`;
}

function stackLines(stack: StackReport, report: TracingAssemblyReport): string[] {
  const nodes = new Map(stack.nodes.map((n) => [n.id, n]));
  const label = (id: string) => nodeLabel(nodes.get(id) ?? { id, kind: 'external' });
  const lines = [`Stack ${stack.name} (${stack.templateFile})`];

  lines.push(stack.edges.length > 0 || stack.nodes.length > 0 ? '  Hops' : '  Hops: none (no functions, APIs, queues, topics or buses)');
  lines.push(...hopTree(stack, label).map((l) => `    ${l}`));

  lines.push(stack.losses.length === 0 ? '  Trace context losses: none' : `  Trace context losses: ${stack.losses.length}`);
  for (const loss of stack.losses) {
    const where = loss.edge ? `${loss.edge.from} -> ${loss.edge.to}` : label(loss.node);
    lines.push(`    ${where}: ${loss.reason} [${loss.kind}]`);
  }

  lines.push(stack.roots.length === 0 ? '  Roots: none' : `  Sampling at the roots (${number(report.requestsPerSecond)} requests/s at each; schedules at their own rate)`);
  for (const root of stack.roots) lines.push(...rootLines(root, label, report.prices.tracesRecordedUsdPerMillion));

  lines.push(stack.dashboards.length === 0 ? '  Dashboards: none' : `  Dashboards: ${stack.dashboards.length}`);
  for (const dashboard of stack.dashboards) {
    const counts = new Map<string, number>();
    dashboard.widgets.forEach((w) => counts.set(w.type, (counts.get(w.type) ?? 0) + 1));
    const kinds = [...counts.entries()].map(([type, count]) => `${type} ${count}`).join(', ');
    const summary = dashboard.error ?? `${dashboard.widgets.length} widgets (${kinds})`;
    lines.push(`    ${dashboard.id}${dashboard.name ? ` "${dashboard.name}"` : ''}: ${summary}${dashboard.file ? ` -> ${dashboard.file}` : ''}`);
  }
  return lines;
}

/**
 * The hops as trees, from every resource nothing leads to (then from any left in a cycle); a resource
 * reached twice is expanded the first time only.
 */
function hopTree(stack: StackReport, label: (id: string) => string): string[] {
  const lines: string[] = [];
  const expanded = new Set<string>();
  const outgoing = (id: string) => stack.edges.filter((e) => e.from === id);
  const visit = (id: string, edge: TraceEdge | undefined, depth: number) => {
    const indent = '  '.repeat(depth);
    const detail = edge && edge.detail.length > 0 ? `  (${edge.detail.join('; ')})` : '';
    const again = expanded.has(id) && outgoing(id).length > 0;
    lines.push(`${indent}${edge ? '-> ' : ''}${label(id)}${detail}${again ? '  (continues above)' : ''}`);
    if (again) return;
    expanded.add(id);
    for (const next of outgoing(id)) visit(next.to, next, depth + 1);
  };
  const targets = new Set(stack.edges.map((e) => e.to));
  for (const node of stack.nodes.filter((n) => !targets.has(n.id))) visit(node.id, undefined, 0);
  for (const node of stack.nodes.filter((n) => !expanded.has(n.id))) visit(node.id, undefined, 0);
  return lines;
}

const RULES_HEADINGS: Record<SamplingDecider, string> = {
  'x-ray-rules': 'the first by priority decides',
  'lambda-default': 'only Lambda\'s default applies here',
  'none': 'none applies here',
};

function rootLines(root: RootReport, label: (id: string) => string, usdPerMillion: number): string[] {
  const { sampling, estimate } = root;
  const lines = [`    ${label(root.node)}: ${sampling.note}`];
  if (sampling.rules.length > 0) {
    lines.push(`      rules that could match (${RULES_HEADINGS[sampling.decidedBy]}):`);
    for (const rule of sampling.rules) {
      const where = rule.stack ? `${rule.stack}/${rule.rule}` : rule.rule;
      const decides = rule.applied ? `  decides ${rule.decides.join(', ')}` : '';
      lines.push(`        priority ${String(rule.priority).padEnd(5)} ${where} "${rule.name}": ${rule.reservoirSize}/s, then ${percent(rule.fixedRate)}${decides}`);
    }
  }
  lines.push(`      estimate: ${number(estimate.sampledPerSecond)} of ${number(estimate.requestsPerSecond)} requests/s sampled -> ${number(estimate.tracesPerMonth)} traces/month `
    + `x ${estimate.spansPerTrace} span${estimate.spansPerTrace === 1 ? '' : 's'} = ${number(estimate.spansPerMonth)} spans/month; ${usd(estimate.recordedCostUsd)}/month at ${usd(usdPerMillion)} per 1 million traces recorded (before the free tier)`);
  return lines;
}

function nodeLabel(node: TraceNode): string {
  const name = node.name && node.name !== node.id ? ` ${node.name}` : '';
  return `${node.id} [${KIND_LABELS[node.kind]}${name}]`;
}

function number(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: value < 1 ? 4 : 2 });
}

function usd(value: number): string {
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

function percent(rate: number): string {
  return `${Number((rate * 100).toFixed(4))} %`;
}
