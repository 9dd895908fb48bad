import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { DISTRO_LAYER_MAPPING_ID, DISTRO_LAYER_NAMES, DistroLanguage } from '../function/distro-layer-arn';
import { TracedConnectionRole, TracingRegistry } from '../registry/tracing-registry';

/**
 * A plain-text account of what a stack traces, read from its tracing registry: functions with their
 * layer and wrapper, queues with their dead-letter queue, producers and consumers, buses, topics, REST API
 * stages, state machines, X-Ray groups and the alarms of `TracingAlarms` (created at synthesis, so render after `app.synth()`).
 */
export class TracingReport {
  /**
   * Renders the report of one stack. Values only known at deploy time (a layer ARN chosen through a
   * `CfnMapping`, say) are shown as the CloudFormation expression that will produce them.
   */
  public static render(stack: Stack): string {
    const registry = TracingRegistry.of(stack);
    const show = (value: string | undefined) => value === undefined ? '-'
      : Token.isUnresolved(value) ? JSON.stringify(stack.resolve(value)) : value;
    const name = (c: IConstruct) => c.node.path.startsWith(`${stack.node.path}/`) ? c.node.path.slice(stack.node.path.length + 1) : c.node.path;
    // A region-agnostic stack picks the distro layer from a CfnMapping at deploy time: say so, not the expression.
    const layerOf = (arn: string | undefined) => {
      const resolved = arn !== undefined && Token.isUnresolved(arn) ? stack.resolve(arn) as { 'Fn::FindInMap'?: unknown[] } : undefined;
      const lookup = resolved?.['Fn::FindInMap'];
      if (lookup?.[0] === DISTRO_LAYER_MAPPING_ID && typeof lookup[2] === 'string' && lookup[2] in DISTRO_LAYER_NAMES) {
        return `${DISTRO_LAYER_NAMES[lookup[2] as DistroLanguage]}, chosen per Region at deploy time (CfnMapping ${DISTRO_LAYER_MAPPING_ID})`;
      }
      return show(arn);
    };
    const region = Token.isUnresolved(stack.region) ? 'resolved at deploy time' : stack.region;

    const lines = [`Stack ${stack.stackName} (region: ${region})`];
    const functions = registry.functions;
    lines.push(`  Functions traced: ${functions.length}`);
    for (const f of functions) {
      lines.push(`    ${name(f.function)}`);
      lines.push(`      service: ${f.serviceName}, X-Ray: ${f.tracing}, OpenTelemetry: ${f.openTelemetryMode}, Application Signals: ${f.applicationSignals ? 'on' : 'off'}`);
      lines.push(`      layer: ${layerOf(f.layerArn)}`);
      lines.push(`      wrapper: ${show(f.execWrapper)}`);
    }
    const queues = registry.queues;
    // One copy of the subscriptions for both loops: the registry's getter copies its list on every read.
    const subscriptions = registry.topicSubscriptions;
    lines.push(`  Queues traced: ${queues.length}`);
    for (const q of queues) {
      const functionsOf = (role: TracedConnectionRole) =>
        registry.connectionsOf(q.owner, role).map((c) => name(c.function)).join(', ') || '-';
      lines.push(`    ${name(q.owner)}`);
      lines.push(`      dead-letter queue: ${name(q.deadLetterQueue)}`);
      const topics = subscriptions.filter((sub) => sub.target === q.owner).map((sub) => `topic ${name(sub.topic)}`);
      lines.push(`      producers: ${[functionsOf(TracedConnectionRole.PRODUCER), ...topics].filter((p) => p !== '-').join(', ') || '-'}`);
      lines.push(`      consumers: ${functionsOf(TracedConnectionRole.CONSUMER)}`);
    }
    const buses = registry.eventBuses;
    if (buses.length > 0) {
      lines.push(`  Event buses traced: ${buses.length}`);
      for (const b of buses) {
        const routes = registry.eventRoutes.filter((r) => r.bus === b.owner);
        lines.push(`    ${name(b.owner)}`);
        lines.push(`      producers: ${registry.connectionsOf(b.owner, TracedConnectionRole.PRODUCER).map((c) => name(c.function)).join(', ') || '-'}`);
        for (const route of routes) {
          lines.push(`      rule ${name(route.rule)} -> ${name(route.target)} (dead-letter queue: ${name(route.deadLetterQueue)})`);
        }
      }
    }
    const topics = registry.topics;
    if (topics.length > 0) {
      lines.push(`  Topics traced: ${topics.length}`);
      for (const t of topics) {
        lines.push(`    ${name(t.owner)}`);
        lines.push(`      producers: ${registry.connectionsOf(t.owner, TracedConnectionRole.PRODUCER).map((c) => name(c.function)).join(', ') || '-'}`);
        for (const s of subscriptions.filter((x) => x.topic === t.owner)) {
          lines.push(`      subscriber ${name(s.target)} (dead-letter queue: ${name(s.deadLetterQueue)})`);
        }
      }
    }
    const stages = registry.apiStages;
    if (stages.length > 0) {
      lines.push(`  REST API stages traced: ${stages.map((st) => `${show(st.apiName)}/${show(st.stageName)}`).join(', ')}`);
    }
    const machines = registry.stateMachines;
    if (machines.length > 0) {
      lines.push(`  State machines traced: ${machines.map((m) => name(m.owner)).join(', ')}`);
    }
    const rules = registry.samplingRules;
    if (rules.length > 0) {
      lines.push(`  X-Ray sampling rules: ${[...rules].sort((a, b) => a.priority - b.priority).map((r) => `${show(r.ruleName)} (priority ${r.priority})`).join(', ')}`);
    }
    const groups = registry.groups;
    if (groups.length > 0) {
      lines.push(`  X-Ray groups: ${groups.map((g) => `${g.groupName}${g.defaultFaultsGroup ? ' (default faults group)' : ''}`).join(', ')}`);
    }
    // TracingAlarms creates its alarms when the app is synthesized: render the report after app.synth().
    const alarms = registry.alarms;
    if (alarms.length > 0) {
      const composites = alarms.filter((a) => a.composite);
      lines.push(`  Alarms: ${alarms.length - composites.length}, under ${composites.length} composite alarm(s): ${composites.map((a) => show(a.alarmName)).join(', ')}`);
    }
    return lines.join('\n');
  }

  private constructor() {}
}
