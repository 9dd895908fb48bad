import { AssemblyStack } from './assembly-reader';
import { DashboardPreview, dashboardsOf } from './dashboard-preview';
import { estimateRoots, estimateTotals, RootReport, XRAY_PRICES } from './sampling-estimate';
import { SamplingRuleRecord, samplingRulesOf } from './sampling-rules';
import { buildTraceGraph, TraceEdge, TraceNode } from './trace-graph';
import { findLosses, TraceLoss } from './trace-losses';

/** A dashboard in the report: its preview, and the file its picture was written to with `--preview`. */
export interface DashboardReport extends DashboardPreview {
  readonly file?: string;
}

export interface StackReport {
  readonly name: string;
  readonly templateFile: string;
  readonly nodes: TraceNode[];
  readonly edges: TraceEdge[];
  readonly losses: TraceLoss[];
  readonly roots: RootReport[];
  readonly dashboards: DashboardReport[];
}

/** The whole report; `version` changes only when a field changes meaning or disappears. */
export interface TracingAssemblyReport {
  readonly version: 1;
  readonly assembly: string;
  readonly requestsPerSecond: number;
  readonly stacks: StackReport[];
  readonly totals: ReturnType<typeof estimateTotals>;
  readonly prices: typeof XRAY_PRICES;
  /** Caveats that apply to this assembly, such as sampling rules the report could not read. */
  readonly notes: string[];
}

/**
 * Reads every stack's template into hops, losses, roots and dashboards. Sampling rules are collected
 * from all stacks first: X-Ray applies an account's rules to every service, whichever stack declares them.
 */
export function buildReport(assembly: string, stacks: AssemblyStack[], requestsPerSecond: number): TracingAssemblyReport {
  const rules: SamplingRuleRecord[] = [];
  const notes: string[] = [];
  for (const stack of stacks) {
    const found = samplingRulesOf(stack.name, stack.template);
    rules.push(...found.rules);
    for (const id of found.unreadable) notes.push(`${stack.name}/${id}: sampling rule skipped, its priority, fixed rate or reservoir is not a literal number`);
  }
  if (stacks.some((s) => Object.values(s.template.Resources ?? {}).some((r) => r.Type === 'AWS::XRay::TransactionSearchConfig'))) {
    notes.push('Transaction Search is enabled: spans are then billed as CloudWatch Logs ingestion into aws/spans, which this estimate of X-Ray trace prices does not cover');
  }
  const reports = stacks.map((stack) => {
    const graph = buildTraceGraph(stack.template);
    return {
      name: stack.name,
      templateFile: stack.templateFile,
      nodes: graph.nodes,
      edges: graph.edges,
      losses: findLosses(graph, stack.template),
      roots: estimateRoots(graph, stack.name, rules, requestsPerSecond),
      dashboards: dashboardsOf(stack.template),
    };
  });
  return {
    version: 1,
    assembly,
    requestsPerSecond,
    stacks: reports,
    totals: estimateTotals(reports.flatMap((s) => s.roots)),
    prices: XRAY_PRICES,
    notes,
  };
}
