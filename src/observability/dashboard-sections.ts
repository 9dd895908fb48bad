import { Aws, Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { eventRuleMetric } from './event-rule-metric';
import { logGroupNameOf, TracedInventory, TracedService } from './traced-inventory';
import { TracedEventRoute, TracedFunctionRecord, TracingAlarmRecord } from '../registry/tracing-registry';
import { approximateTraceCount } from '../sampling/tracing-group';

/** At most this many metrics on one graph (CloudWatch allows 500; past 100 a graph cannot be read). */
export const MAX_METRICS_PER_WIDGET = 100;
/** Logs Insights queries up to 50 log groups (StartQuery `logGroupNames`). */
export const MAX_LOG_GROUPS_PER_QUERY = 50;
/** Functions per graph: three metrics each (p50/p90/p99, or errors, invocations and their rate) stay within 100. */
const FUNCTIONS_PER_WIDGET = 33;
/** An alarm status widget lists up to 100 alarms. */
const ALARMS_PER_STATUS_WIDGET = 100;

const PERIOD = Duration.minutes(1);
const FULL = 24;
const THIRD = 8;
const QUARTER = 6;
const HEIGHT = 6;

/** A titled block of widgets that a dashboard keeps together when it can. */
export interface DashboardSection {
  readonly title: string;
  readonly widgets: cloudwatch.IWidget[];
}

/** The traces, totals, links and alarm status of everything the dashboard covers. */
export function overviewSection(inventory: TracedInventory, title: string): DashboardSection {
  const functions = inventory.services.flatMap((s) => s.functions);
  const widgets: cloudwatch.IWidget[] = [new cloudwatch.TextWidget({ markdown: linksMarkdown(inventory, title), width: FULL, height: 4 })];
  if (inventory.groups.length > 0) {
    for (const [i, groups] of chunks(inventory.groups, MAX_METRICS_PER_WIDGET).entries()) {
      widgets.push(graph(`Traces per X-Ray group${part(i, inventory.groups.length, MAX_METRICS_PER_WIDGET)}`, THIRD,
        groups.map((g) => approximateTraceCount(g.groupName, { label: g.groupName, period: PERIOD }))));
    }
  }
  // One total line per chunk of functions: SUM over at most 99 hidden metrics keeps every graph within limits.
  const totals: [string, (f: TracedFunctionRecord) => cloudwatch.IMetric][] = [
    ['Invocations', (f) => f.function.metricInvocations({ period: PERIOD })],
    ['Errors', (f) => f.function.metricErrors({ period: PERIOD })],
    ['Throttles', (f) => f.function.metricThrottles({ period: PERIOD })],
  ];
  for (const [name, metric] of totals) {
    const lines = chunks(functions, MAX_METRICS_PER_WIDGET - 1).map((group, i, all) => new cloudwatch.MathExpression({
      expression: `SUM([${group.map((_, j) => `m${j}`).join(',')}])`,
      usingMetrics: Object.fromEntries(group.map((f, j) => [`m${j}`, metric(f)])),
      label: all.length === 1 ? `${name} (all traced functions)` : `${name} (functions ${i * 99 + 1}-${i * 99 + group.length})`,
      period: PERIOD,
    }));
    for (const [i, line] of lines.entries()) widgets.push(graph(`${name}, all traced functions${part(i, lines.length, 1)}`, THIRD, [line]));
  }
  return { title, widgets };
}

/**
 * The alarm status of what `alarms` holds when the dashboard body is written, so alarms created after
 * the dashboard (by `TracingAlarms`, at synthesis) are shown: composite alarms, one per service, in widgets
 * of up to 100 alarms, enough of them for `compositeAlarms`.
 */
export function alarmStatusWidgets(alarms: () => TracingAlarmRecord[], compositeAlarms: number): cloudwatch.IWidget[] {
  const composites = () => alarms().filter((a) => a.composite);
  return Array.from({ length: Math.max(1, Math.ceil(compositeAlarms / ALARMS_PER_STATUS_WIDGET)) }, (_, i) =>
    new AlarmStatusOf(i, () => composites().slice(i * ALARMS_PER_STATUS_WIDGET, (i + 1) * ALARMS_PER_STATUS_WIDGET)));
}

/** Invocations, errors and error rate, throttles, duration against the timeout, concurrency, cold starts. */
export function serviceSections(service: TracedService): DashboardSection[] {
  return chunks(service.functions, FUNCTIONS_PER_WIDGET).map((functions, i, all) => {
    const title = `Service ${service.name}${part(i, all.length, 1)}`;
    // A timeout only known at deploy time gets no line: the annotation's value must be a number.
    const known = functions.map((f) => f.function.timeout ?? Duration.seconds(3)).filter((t) => !t.isUnresolved());
    const timeouts = [...new Set(known.map((t) => t.toSeconds()))].sort((a, b) => a - b);
    const errorRates = functions.map((f, j) => new cloudwatch.MathExpression({
      expression: `IF(i${j} > 0, 100 * e${j} / i${j}, 0)`,
      usingMetrics: { [`e${j}`]: f.function.metricErrors({ period: PERIOD }), [`i${j}`]: f.function.metricInvocations({ period: PERIOD }) },
      label: `${label(f)} error rate %`,
      period: PERIOD,
    }));
    return {
      title,
      widgets: [
        header(title),
        graph('Invocations', THIRD, functions.map((f) => f.function.metricInvocations({ period: PERIOD, label: label(f) }))),
        new cloudwatch.GraphWidget({
          title: 'Errors and error rate',
          width: THIRD,
          height: HEIGHT,
          left: functions.map((f) => f.function.metricErrors({ period: PERIOD, label: `${label(f)} errors` })),
          right: errorRates,
          rightYAxis: { min: 0, max: 100, label: '%', showUnits: false },
        }),
        graph('Throttles', THIRD, functions.map((f) => f.function.metricThrottles({ period: PERIOD, label: label(f) }))),
        new cloudwatch.GraphWidget({
          title: 'Duration p50 / p90 / p99',
          width: THIRD,
          height: HEIGHT,
          left: functions.flatMap((f) => ['p50', 'p90', 'p99'].map((statistic) =>
            f.function.metricDuration({ period: PERIOD, statistic, label: `${label(f)} ${statistic}` }))),
          leftAnnotations: timeouts.map((seconds) => ({ value: seconds * 1000, label: `timeout ${seconds} s`, color: cloudwatch.Color.RED })),
          leftYAxis: { min: 0, label: 'ms', showUnits: false },
        }),
        graph('Concurrent executions', THIRD, functions.map((f) => f.function.metric('ConcurrentExecutions', { period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: label(f) }))),
        new cloudwatch.LogQueryWidget({
          title: 'Cold starts (init duration from REPORT lines)',
          width: THIRD,
          height: HEIGHT,
          logGroupNames: functions.map((f) => logGroupNameOf(f.function)),
          // Traced functions log JSON, where the REPORT line is a platform.report record; text REPORT lines
          // (a function whose log format was changed back) give @initDuration.
          queryLines: [
            'filter @type = "REPORT" or type = "platform.report"',
            'fields coalesce(@initDuration, `record.metrics.initDurationMs`) as initMs',
            'filter ispresent(initMs)',
            'stats count(*) as coldStarts, avg(initMs) as avgInitMs, max(initMs) as maxInitMs by bin(5m)',
          ],
          view: cloudwatch.LogQueryVisualizationType.LINE,
        }),
      ],
    };
  });
}

/** Per queue: visible messages, age of the oldest, dead-letter depth, sent against deleted. */
export function queueSection(queues: TracedInventory['queues']): DashboardSection[] {
  if (queues.length === 0) return [];
  const widgets = queues.flatMap(({ record, serviceName }) => {
    const name = `${record.owner.node.id} (${serviceName})`;
    return [
      graph(`${name}: visible messages`, QUARTER, [record.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM })]),
      graph(`${name}: age of oldest message`, QUARTER, [record.queue.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM })]),
      graph(`${name}: dead-letter queue depth`, QUARTER, [record.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: 'dead letters' })]),
      graph(`${name}: sent vs deleted`, QUARTER, [
        record.queue.metricNumberOfMessagesSent({ period: PERIOD, label: 'sent' }),
        record.queue.metricNumberOfMessagesDeleted({ period: PERIOD, label: 'deleted' }),
      ]),
    ];
  });
  return [{ title: 'Queues', widgets: [header('Queues'), ...widgets] }];
}

/** Per bus: rule invocations, failed invocations, dead-letter deliveries (and the rules' dead-letter depth). */
export function busSection(buses: TracedInventory['buses']): DashboardSection[] {
  if (buses.length === 0) return [];
  const ruleMetric = (bus: TracedInventory['buses'][number], route: TracedEventRoute, metricName: string) =>
    eventRuleMetric(bus.record.eventBus, route.rule, metricName, { period: PERIOD, label: `${route.rule.node.id} (${bus.record.owner.node.id})` });
  const widgets = buses.flatMap((bus) => chunks(bus.routes, MAX_METRICS_PER_WIDGET / 2).flatMap((routes, i, all) => {
    const name = `${bus.record.owner.node.id} (${bus.serviceName})${part(i, all.length, 1)}`;
    return [
      graph(`${name}: rule invocations`, THIRD, routes.map((r) => ruleMetric(bus, r, 'Invocations'))),
      graph(`${name}: failed invocations`, THIRD, routes.map((r) => ruleMetric(bus, r, 'FailedInvocations'))),
      graph(`${name}: dead-letter deliveries`, THIRD, routes.flatMap((r) => [
        ruleMetric(bus, r, 'InvocationsSentToDlq'),
        r.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: `${r.rule.node.id} dead letters` }),
      ])),
    ];
  }));
  return [{ title: 'Event buses', widgets: [header('Event buses'), ...widgets] }];
}

/** Per topic: published, delivered, failed (and the subscriptions' dead-letter depth). */
export function topicSection(topics: TracedInventory['topics']): DashboardSection[] {
  if (topics.length === 0) return [];
  const widgets = topics.flatMap(({ record, serviceName, subscriptions }) => {
    const name = `${record.owner.node.id} (${serviceName})`;
    return [
      graph(`${name}: published`, THIRD, [record.topic.metricNumberOfMessagesPublished({ period: PERIOD, label: 'published' })]),
      graph(`${name}: delivered`, THIRD, [record.topic.metricNumberOfNotificationsDelivered({ period: PERIOD, label: 'delivered' })]),
      graph(`${name}: failed`, THIRD, [
        record.topic.metricNumberOfNotificationsFailed({ period: PERIOD, label: 'failed' }),
        ...subscriptions.slice(0, MAX_METRICS_PER_WIDGET - 1).map((s) => s.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM, label: `${s.target.node.id} dead letters`,
        })),
      ]),
    ];
  });
  return [{ title: 'Topics', widgets: [header('Topics'), ...widgets] }];
}

/** Per REST API stage (the request's entry, where X-Ray's sampling decision is made): requests, errors, latency. */
export function apiStageSection(stages: TracedInventory['apiStages']): DashboardSection[] {
  if (stages.length === 0) return [];
  const widgets = stages.flatMap(({ record }) => {
    const name = Token.isUnresolved(record.apiName) ? `${record.owner.node.id} ${record.stageName}` : `${record.apiName}/${record.stageName}`;
    const metric = (metricName: string, statistic: string, legend: string) => new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway', metricName, dimensionsMap: { ApiName: record.apiName, Stage: record.stageName }, statistic, period: PERIOD, label: legend,
    });
    return [
      graph(`${name}: requests`, THIRD, [metric('Count', cloudwatch.Stats.SUM, 'requests')]),
      graph(`${name}: errors`, THIRD, [metric('4XXError', cloudwatch.Stats.SUM, '4XX'), metric('5XXError', cloudwatch.Stats.SUM, '5XX')]),
      graph(`${name}: latency`, THIRD, [metric('Latency', cloudwatch.Stats.p(99), 'p99'), metric('IntegrationLatency', cloudwatch.Stats.p(99), 'integration p99')]),
    ];
  });
  return [{ title: 'REST API stages', widgets: [header('REST API stages'), ...widgets] }];
}

/** Per state machine: executions started, failed and timed out, and the p99 execution time. */
export function stateMachineSection(machines: TracedInventory['stateMachines']): DashboardSection[] {
  if (machines.length === 0) return [];
  const widgets = machines.flatMap(({ record }) => {
    const metric = (metricName: string, statistic: string, legend: string) => new cloudwatch.Metric({
      namespace: 'AWS/States', metricName, dimensionsMap: { StateMachineArn: record.stateMachineArn }, statistic, period: PERIOD, label: legend,
    });
    return [
      graph(`${record.owner.node.id}: executions`, THIRD, [
        metric('ExecutionsStarted', cloudwatch.Stats.SUM, 'started'),
        metric('ExecutionsFailed', cloudwatch.Stats.SUM, 'failed'),
        metric('ExecutionsTimedOut', cloudwatch.Stats.SUM, 'timed out'),
      ]),
      graph(`${record.owner.node.id}: execution time`, THIRD, [metric('ExecutionTime', cloudwatch.Stats.p(99), 'p99')]),
    ];
  });
  return [{ title: 'State machines', widgets: [header('State machines'), ...widgets] }];
}

/**
 * The most recent errors of every traced function with the X-Ray trace of their invocation, so a person
 * goes from an error line to its trace. Error lines carry the request id; the platform's report of the same
 * request carries the trace header (`record.tracing.value` in JSON logs, `@xrayTraceId` in text logs), so
 * the query groups both by request.
 */
export function correlationSection(inventory: TracedInventory): DashboardSection[] {
  const logGroups = inventory.services.flatMap((s) => s.functions).map((f) => logGroupNameOf(f.function));
  if (logGroups.length === 0) return [];
  const widgets = chunks(logGroups, MAX_LOG_GROUPS_PER_QUERY).map((names, i, all) => new cloudwatch.LogQueryWidget({
    title: `Recent errors and their traces${part(i, all.length, 1)}`,
    width: FULL,
    height: 8,
    logGroupNames: names,
    queryLines: [
      'fields @timestamp, @log, coalesce(requestId, `record.requestId`, @requestId) as request, coalesce(@xrayTraceId, `record.tracing.value`) as trace',
      'filter level in ["ERROR", "FATAL"] or type = "platform.report" or @type = "REPORT"',
      'stats latest(trace) as traceHeader, count(level) as errorLines, latest(message) as lastError, max(@timestamp) as at by request, @log',
      'filter errorLines > 0',
      'sort at desc',
      'limit 50',
    ],
    view: cloudwatch.LogQueryVisualizationType.TABLE,
  }));
  return [{ title: 'Errors and traces', widgets: [header('Errors and their traces'), ...widgets] }];
}

function linksMarkdown(inventory: TracedInventory, title: string): string {
  const region = regionOf(inventory.stacks[0]);
  const console = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}`;
  const lines = [
    `# ${title}`,
    `[X-Ray trace map](${console}#xray:service-map/map) · [Traces](${console}#xray:traces/query)`
      + inventory.groups.map((g) => ` · [${g.groupName}](${console}#xray:traces/query?~(query~()~context~(group~'${g.groupName}')))`).join(''),
  ];
  const signals = inventory.services.filter((s) => s.functions.some((f) => f.applicationSignals));
  if (signals.length > 0) {
    lines.push(`Application Signals: ${signals.map((s) => `[${s.name}](${console}#application-signals:services?~(query~'${s.name}'))`).join(' · ')}`);
  }
  return lines.join('\n\n');
}

function regionOf(stack: Stack): string {
  return Token.isUnresolved(stack.region) ? Aws.REGION : stack.region;
}

function graph(title: string, width: number, metrics: cloudwatch.IMetric[]): cloudwatch.GraphWidget {
  return new cloudwatch.GraphWidget({ title, width, height: HEIGHT, left: metrics });
}

function header(title: string): cloudwatch.TextWidget {
  return new cloudwatch.TextWidget({ markdown: `## ${title}`, width: FULL, height: 1 });
}

function label(f: TracedFunctionRecord): string {
  return f.function.node.id;
}

function part(index: number, total: number, size: number): string {
  return Math.ceil(total / size) > 1 ? ` (${index + 1})` : '';
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** An alarm status widget whose alarms are read when the dashboard body is written. */
class AlarmStatusOf implements cloudwatch.IWidget {
  public readonly width = FULL;
  public readonly height = 4;
  public readonly warnings: string[] = [];
  private x = 0;
  private y = 0;

  constructor(private readonly index: number, private readonly alarms: () => TracingAlarmRecord[]) {}

  public position(x: number, y: number): void {
    this.x = x;
    this.y = y;
  }

  public toJson(): any[] {
    const alarms = this.alarms();
    if (alarms.length === 0) {
      const markdown = this.index === 0 ? 'No TracingAlarms cover these services yet.' : 'No further composite alarms.';
      return [{ type: 'text', width: this.width, height: this.height, x: this.x, y: this.y, properties: { markdown } }];
    }
    return [{
      type: 'alarm',
      width: this.width,
      height: this.height,
      x: this.x,
      y: this.y,
      properties: { title: 'Service health (composite alarms)', alarms: alarms.map((a) => a.alarm.alarmArn), sortBy: 'stateUpdatedTimestamp' },
    }];
  }
}
