import { asArray, CloudFormationTemplate, isObject, isTrue, referencedIds, renderText } from './template-values';
import { TraceEdge, TraceGraph, TraceNode } from './trace-graph';

export type LossKind =
  | 'untraced-function'
  | 'no-opentelemetry-layer'
  | 'queue-consumer-without-layer'
  | 'sns-raw-delivery-off'
  | 'eventbridge-input-drops-carrier'
  | 'api-stage-untraced'
  | 'state-machine-untraced'
  | 'topic-untraced';

/** A place where a trace breaks or loses a hop, and why. */
export interface TraceLoss {
  readonly kind: LossKind;
  /** The resource at fault. */
  readonly node: string;
  /** The hop that loses the context, when the loss is on one hop rather than the whole resource. */
  readonly edge?: { readonly from: string; readonly to: string };
  readonly reason: string;
}

/** The `_trace` key of `detail` where the runtime's `injectEventBridgeEntry` writes W3C context (`src/runtime/eventbridge.ts`). */
const CARRIER_PATH = '$.detail._trace';
const WHOLE_EVENT_VARIABLES = ['aws.events.event', 'aws.events.event.json'];

/** Every loss of trace context the template shows, resource by resource in graph order. */
export function findLosses(graph: TraceGraph, template: CloudFormationTemplate): TraceLoss[] {
  const traced = tracedNodes(graph);
  const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
  const incoming = (id: string) => graph.edges.filter((e) => e.to === id);
  const losses: TraceLoss[] = [];
  for (const node of graph.nodes) {
    switch (node.kind) {
      case 'function':
        if (!traced.has(node.id)) losses.push({ kind: 'untraced-function', node: node.id, reason: untracedReason(node, incoming(node.id)) });
        if (!node.openTelemetryLayer) {
          losses.push({
            kind: 'no-opentelemetry-layer',
            node: node.id,
            reason: 'no AWS OpenTelemetry layer (AWSOpenTelemetryDistro*, aws-otel): the function records no OpenTelemetry spans and neither reads nor writes W3C trace context (traceparent)',
          });
        }
        break;
      case 'api-stage':
        if (!node.activeTracing) {
          const targets = [...new Set((node.routes ?? []).map((r) => r.function))].join(', ') || 'its integrations';
          losses.push({ kind: 'api-stage-untraced', node: node.id, reason: `${node.tracing}: API Gateway records no segment and samples nothing, so ${targets} receive no sampled trace header` });
        }
        break;
      case 'state-machine':
        if (!node.activeTracing) losses.push({ kind: 'state-machine-untraced', node: node.id, reason: `${node.tracing}: executions record no segments and pass no sampled trace header to their tasks` });
        break;
      case 'topic':
        if (!node.activeTracing) losses.push({ kind: 'topic-untraced', node: node.id, reason: `${node.tracing}: SNS records no segment for the topic, so traces show a gap between its publishers and subscribers` });
        break;
    }
  }
  for (const edge of graph.edges) {
    const to = nodes.get(edge.to);
    if (edge.kind === 'event-source' && to?.kind === 'function' && !to.openTelemetryLayer) {
      losses.push({
        kind: 'queue-consumer-without-layer',
        node: edge.to,
        edge: { from: edge.from, to: edge.to },
        reason: 'the consumer has no OpenTelemetry layer: the traceparent/tracestate message attributes producers write are never read, so its spans start a new trace',
      });
    }
    if (edge.kind === 'subscription') losses.push(...subscriptionLosses(edge, template));
    if (edge.kind === 'rule-target' && nodes.get(edge.from)?.kind !== 'schedule') losses.push(...ruleTargetLosses(edge, template));
  }
  return losses;
}

/**
 * Resources that record a segment or carry a sampled header: actively traced ones, and what they reach
 * through hops that pass the header on. An SQS event source does not: Lambda makes its own sampling
 * decision for those invocations and links the producer's trace only when the consumer is Active.
 */
function tracedNodes(graph: TraceGraph): Set<string> {
  const traced = new Set(graph.nodes.filter((n) => n.activeTracing).map((n) => n.id));
  const kinds = new Map(graph.nodes.map((n) => [n.id, n.kind]));
  let grew = true;
  while (grew) {
    grew = false;
    for (const edge of graph.edges) {
      const passesHeader = !(edge.kind === 'event-source' && kinds.get(edge.to) === 'function') && kinds.get(edge.from) !== 'schedule';
      if (passesHeader && traced.has(edge.from) && !traced.has(edge.to)) {
        traced.add(edge.to);
        grew = true;
      }
    }
  }
  return traced;
}

function untracedReason(node: TraceNode, incoming: TraceEdge[]): string {
  if (incoming.length === 0) return `${node.tracing}: nothing upstream sends it a sampled trace header, so its invocations are never traced`;
  if (incoming.every((e) => e.kind === 'event-source')) {
    return `${node.tracing}: Lambda samples invocations from an SQS event source itself and links the producer's trace only with Active tracing`;
  }
  return `${node.tracing}: its callers (${[...new Set(incoming.map((e) => e.from))].join(', ')}) send no sampled trace header`;
}

function subscriptionLosses(edge: TraceEdge, template: CloudFormationTemplate): TraceLoss[] {
  const resource = template.Resources?.[edge.via];
  const properties = resource?.Type === 'AWS::SNS::Subscription' ? resource.Properties ?? {} : undefined;
  const protocol = properties ? properties.Protocol : 'sqs';
  if (protocol !== 'sqs' || (properties && isTrue(properties.RawMessageDelivery))) return [];
  const where = properties ? `subscription ${edge.via}` : `inline subscription of ${edge.via}`;
  return [{
    kind: 'sns-raw-delivery-off',
    node: edge.via,
    edge: { from: edge.from, to: edge.to },
    reason: `${where} has no RawMessageDelivery 'true': SNS wraps each message in a JSON envelope, so its W3C attributes (traceparent) reach SQS inside the body, not as message attributes; only consumers that parse the envelope recover them`,
  }];
}

function ruleTargetLosses(edge: TraceEdge, template: CloudFormationTemplate): TraceLoss[] {
  const rule = template.Resources?.[edge.via];
  const targetList = rule?.Type === 'AWS::Scheduler::Schedule' ? asArray(rule.Properties?.Target) : asArray(rule?.Properties?.Targets);
  const targets = targetList.filter(isObject).filter((t) => referencedIds(t.Arn, template).includes(edge.to) || edge.to === `external:${renderText(t.Arn, template)}`);
  return targets.flatMap((target) => {
    const problem = carrierProblem(target, template);
    return problem ? [{ kind: 'eventbridge-input-drops-carrier' as const, node: edge.via, edge: { from: edge.from, to: edge.to }, reason: `rule ${edge.via}, target ${String(target.Id ?? edge.to)}: ${problem}` }] : [];
  });
}

/**
 * Why a target's input loses `detail._trace`, or undefined when the target still receives it where the
 * runtime's `eventBridgeEventContext` reads it: the whole event, `$.detail`, or `_trace` at the top.
 */
function carrierProblem(target: Record<string, unknown>, template: CloudFormationTemplate): string | undefined {
  if (target.Input !== undefined) return 'a constant Input replaces the event, and detail._trace with it';
  if (target.InputPath !== undefined) {
    const inputPath = renderText(target.InputPath, template);
    return inputPath === '$' || inputPath === '$.detail' ? undefined : `InputPath ${inputPath} delivers part of the event without detail._trace`;
  }
  if (!isObject(target.InputTransformer)) return undefined;
  const paths = isObject(target.InputTransformer.InputPathsMap) ? target.InputTransformer.InputPathsMap : {};
  const variables = new Map(Object.entries(paths).map(([name, path]) => [name, renderText(path, template)]));
  const inputTemplate = renderText(target.InputTransformer.InputTemplate, template).trim();
  const placed = (key: string | undefined, accepted: string[]) => [...variables.entries(), ...WHOLE_EVENT_VARIABLES.map((v) => [v, '$'] as const)]
    .some(([name, path]) => accepted.includes(path) && (key === undefined
      ? inputTemplate === `<${name}>`
      : new RegExp(`"${key}"\\s*:\\s*<${name.replace(/\./g, '\\.')}>`).test(inputTemplate)));
  if (placed(undefined, ['$', '$.detail']) || placed('_trace', [CARRIER_PATH]) || placed('detail', ['$.detail'])) return undefined;
  return `the InputTransformer template does not carry detail._trace (map "${CARRIER_PATH}" to a variable and put it at "_trace" at the top of the template, or send $.detail)`;
}
