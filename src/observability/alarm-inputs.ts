import { Duration, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { IConstruct } from 'constructs';
import { eventRuleMetric } from './event-rule-metric';
import { kebab, pathBelowStack, TracedInventory } from './traced-inventory';
import { stackLabel } from '../registry/tracing-registry';
import { approximateTraceCount } from '../sampling/tracing-group';

/**
 * The kinds of alarm `TracingAlarms` creates; the value is the last part of the alarm's name.
 */
export enum TracingAlarmKind {
  /** A function's errors over its invocations, in percent. */
  FUNCTION_ERROR_RATE = 'error-rate',
  /** A function's throttled invocations. */
  FUNCTION_THROTTLES = 'throttles',
  /** A function's p99 duration against its timeout. */
  FUNCTION_DURATION = 'duration',
  /** Messages in a queue's dead-letter queue. */
  QUEUE_DEAD_LETTERS = 'dead-letters',
  /** The age of a queue's oldest message. */
  QUEUE_MESSAGE_AGE = 'message-age',
  /** An event-bus rule's failed invocations. */
  RULE_FAILED_INVOCATIONS = 'failed-invocations',
  /** Events an event-bus rule sent to its dead-letter queue. */
  RULE_DEAD_LETTERS = 'rule-dead-letters',
  /** A topic's failed deliveries. */
  TOPIC_FAILED_DELIVERIES = 'failed-deliveries',
  /** Faulty traces in a default faults group. */
  FAULTY_TRACES = 'faulty-traces',
  /** A REST API stage's 5XX responses, in percent of its requests. */
  API_SERVER_ERROR_RATE = 'server-error-rate',
  /** A state machine's failed executions. */
  STATE_MACHINE_FAILED_EXECUTIONS = 'failed-executions',
}

/**
 * Alarm thresholds. Every field is optional; the defaults are what the alarm's documentation says.
 */
export interface TracingAlarmThresholds {
  /**
   * Error rate of a function, in percent of its invocations, over 5 minutes (2 of 3 periods).
   * @default 5
   */
  readonly functionErrorRatePercent?: number;
  /**
   * Throttled invocations of a function over 5 minutes (2 of 3 periods).
   * @default 1
   */
  readonly functionThrottles?: number;
  /**
   * p99 duration of a function, in percent of its timeout, over 5 minutes (2 of 3 periods).
   * @default 80
   */
  readonly durationPercentOfTimeout?: number;
  /**
   * Age of a queue's oldest message (3 of 3 minutes).
   * @default - twice the queue's visibility timeout when consumers are known (6 x the longest consumer
   * timeout, so an older message has failed at least twice or waited behind a stalled consumer), at least
   * 5 minutes; 15 minutes for a queue without known consumers
   */
  readonly queueMessageAge?: Duration;
  /**
   * Messages in a dead-letter queue (of a queue, a rule or a subscription), on one 1-minute period.
   * @default 1
   */
  readonly deadLetterMessages?: number;
  /**
   * Failed invocations of an event-bus rule over 5 minutes.
   * @default 1
   */
  readonly ruleFailedInvocations?: number;
  /**
   * Failed deliveries of a topic over 5 minutes.
   * @default 1
   */
  readonly topicFailedDeliveries?: number;
  /**
   * Faulty traces in a default faults group over 5 minutes.
   * @default 1
   */
  readonly faultyTraces?: number;
  /**
   * 5XX responses of a REST API stage, in percent of its requests, over 5 minutes (2 of 3 periods).
   * @default 5
   */
  readonly apiServerErrorRatePercent?: number;
  /**
   * Failed executions of a state machine over 5 minutes.
   * @default 1
   */
  readonly stateMachineFailedExecutions?: number;
}

/** One alarm to be: its metric (math over `metrics`), threshold and evaluation. */
export interface AlarmInput {
  readonly kind: TracingAlarmKind;
  readonly kindDescription: string;
  readonly serviceName: string;
  readonly resourceName: string;
  readonly description: string;
  readonly metrics: Record<string, cloudwatch.IMetric>;
  /** Metric math over `metrics`; a single metric is alarmed on directly. */
  readonly expression?: string;
  readonly threshold: number;
  readonly period: Duration;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly disabled: boolean;
}

interface Override {
  readonly resource: IConstruct;
  readonly thresholds?: TracingAlarmThresholds;
  readonly disabledKinds?: TracingAlarmKind[];
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);

/** The alarms every traced resource of `inventory` calls for, with per-resource thresholds applied. */
export function alarmInputs(inventory: TracedInventory, defaults: TracingAlarmThresholds, overrides: Override[]): AlarmInput[] {
  const find = (...resources: IConstruct[]) => overrides.filter((o) => resources.includes(o.resource));
  const settings = (...resources: IConstruct[]) => {
    const found = find(...resources);
    const thresholds: TracingAlarmThresholds = Object.assign({}, defaults, ...found.map((o) => o.thresholds ?? {}));
    const disabled = new Set(found.flatMap((o) => o.disabledKinds ?? []));
    return { thresholds, disabled };
  };
  const inputs: AlarmInput[] = [];
  const push = (input: Omit<AlarmInput, 'disabled'>, disabled: Set<TracingAlarmKind>) => inputs.push({ ...input, disabled: disabled.has(input.kind) });

  for (const service of inventory.services) {
    for (const f of service.functions) {
      const { thresholds, disabled } = settings(f.function);
      const base = {
        serviceName: service.name, resourceName: pathBelowStack(f.function), period: FIVE_MINUTES, evaluationPeriods: 3, datapointsToAlarm: 2,
      };
      const errorRate = thresholds.functionErrorRatePercent ?? 5;
      push({
        ...base,
        kind: TracingAlarmKind.FUNCTION_ERROR_RATE,
        kindDescription: 'Error rate',
        description: `${f.function.node.path}: errors are ${errorRate} % or more of invocations over 5 minutes (2 of 3 periods).`,
        metrics: { e: f.function.metricErrors({ period: FIVE_MINUTES }), i: f.function.metricInvocations({ period: FIVE_MINUTES }) },
        expression: 'IF(i > 0, 100 * e / i, 0)',
        threshold: errorRate,
      }, disabled);
      const throttles = thresholds.functionThrottles ?? 1;
      push({
        ...base,
        kind: TracingAlarmKind.FUNCTION_THROTTLES,
        kindDescription: 'Throttles',
        description: `${f.function.node.path}: ${throttles} or more throttled invocations in 5 minutes (2 of 3 periods).`,
        metrics: { t: f.function.metricThrottles({ period: FIVE_MINUTES }) },
        threshold: throttles,
      }, disabled);
      const percent = thresholds.durationPercentOfTimeout ?? 80;
      const timeout = secondsOf(f.function.timeout ?? Duration.seconds(3), `timeout (of '${f.function.node.path}')`);
      const literal = !Token.isUnresolved(percent) && !Token.isUnresolved(timeout);
      push({
        ...base,
        kind: TracingAlarmKind.FUNCTION_DURATION,
        kindDescription: 'p99 duration near the timeout',
        description: `${f.function.node.path}: p99 duration at ${percent} % of the ${timeout} s timeout or more over 5 minutes (2 of 3 periods).`,
        metrics: { d: f.function.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }) },
        // In milliseconds when both are known; with a deploy-time value CloudFormation cannot multiply, so
        // the alarm compares the duration as a percentage of the timeout instead.
        ...literal
          ? { threshold: Math.round(timeout * 1000 * percent) / 100 }
          : { expression: `100 * d / (1000 * ${Tokenization.stringifyNumber(timeout)})`, threshold: percent },
      }, disabled);
    }
  }

  for (const { record, serviceName } of inventory.queues) {
    const { thresholds, disabled } = settings(record.owner, record.queue);
    const resourceName = pathBelowStack(record.owner);
    const deadLetters = thresholds.deadLetterMessages ?? 1;
    push({
      kind: TracingAlarmKind.QUEUE_DEAD_LETTERS,
      kindDescription: 'Dead letters',
      serviceName,
      resourceName,
      description: `${record.owner.node.path}: ${deadLetters} or more messages in the dead-letter queue; each is an order, job or event that failed every retry.`,
      metrics: { v: record.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM }) },
      threshold: deadLetters,
      period: ONE_MINUTE,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
    }, disabled);
    const age = secondsOf(thresholds.queueMessageAge ?? defaultMessageAge(inventory, record.owner), 'thresholds.queueMessageAge');
    push({
      kind: TracingAlarmKind.QUEUE_MESSAGE_AGE,
      kindDescription: 'Age of the oldest message',
      serviceName,
      resourceName,
      description: `${record.owner.node.path}: the oldest message is ${age} seconds old or more (3 of 3 minutes): consumers are failing or not keeping up.`,
      metrics: { a: record.queue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM }) },
      threshold: age,
      period: ONE_MINUTE,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    }, disabled);
  }

  for (const bus of inventory.buses) {
    for (const route of bus.routes) {
      const { thresholds, disabled } = settings(bus.record.owner, bus.record.eventBus, route.rule);
      const resourceName = `${pathBelowStack(bus.record.owner)}-${kebab(route.rule.node.id)}`;
      const rule = (metricName: string) => eventRuleMetric(bus.record.eventBus, route.rule, metricName, { period: FIVE_MINUTES });
      const failed = thresholds.ruleFailedInvocations ?? 1;
      push({
        kind: TracingAlarmKind.RULE_FAILED_INVOCATIONS,
        kindDescription: 'Failed rule invocations',
        serviceName: bus.serviceName,
        resourceName,
        description: `${route.rule.node.path}: ${failed} or more failed invocations of the target in 5 minutes.`,
        metrics: { f: rule('FailedInvocations') },
        threshold: failed,
        period: FIVE_MINUTES,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
      }, disabled);
      const deadLetters = thresholds.deadLetterMessages ?? 1;
      push({
        kind: TracingAlarmKind.RULE_DEAD_LETTERS,
        kindDescription: 'Events sent to dead-letter queues',
        serviceName: bus.serviceName,
        resourceName,
        description: `${route.rule.node.path}: ${deadLetters} or more events sent to the rule's dead-letter queue in 5 minutes.`,
        metrics: { s: rule('InvocationsSentToDlq') },
        threshold: deadLetters,
        period: FIVE_MINUTES,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
      }, disabled);
    }
  }

  for (const { record, serviceName } of inventory.topics) {
    const { thresholds, disabled } = settings(record.owner, record.topic);
    const failed = thresholds.topicFailedDeliveries ?? 1;
    push({
      kind: TracingAlarmKind.TOPIC_FAILED_DELIVERIES,
      kindDescription: 'Failed deliveries',
      serviceName,
      resourceName: kebab(record.owner.node.id),
      description: `${record.owner.node.path}: ${failed} or more failed deliveries in 5 minutes.`,
      metrics: { n: record.topic.metricNumberOfNotificationsFailed({ period: FIVE_MINUTES }) },
      threshold: failed,
      period: FIVE_MINUTES,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
    }, disabled);
  }

  for (const { record, serviceName } of inventory.apiStages) {
    const { thresholds, disabled } = settings(record.owner);
    const rate = thresholds.apiServerErrorRatePercent ?? 5;
    const dimensionsMap = { ApiName: record.apiName, Stage: record.stageName };
    push({
      kind: TracingAlarmKind.API_SERVER_ERROR_RATE,
      kindDescription: 'Server error rate',
      serviceName,
      resourceName: kebab(Token.isUnresolved(record.apiName) ? pathBelowStack(record.owner) : `${record.apiName}-${record.stageName}`),
      description: `${record.owner.node.path} stage ${record.stageName}: 5XX responses are ${rate} % or more of requests over 5 minutes (2 of 3 periods).`,
      // 5XXError is 1 per failed request and 0 otherwise: its average is the share of requests that failed.
      metrics: { e: new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName: '5XXError', dimensionsMap, statistic: cloudwatch.Stats.AVERAGE, period: FIVE_MINUTES }) },
      expression: '100 * e',
      threshold: rate,
      period: FIVE_MINUTES,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    }, disabled);
  }

  for (const { record, serviceName } of inventory.stateMachines) {
    const { thresholds, disabled } = settings(record.owner);
    const failed = thresholds.stateMachineFailedExecutions ?? 1;
    push({
      kind: TracingAlarmKind.STATE_MACHINE_FAILED_EXECUTIONS,
      kindDescription: 'Failed executions',
      serviceName,
      resourceName: kebab(pathBelowStack(record.owner)),
      description: `${record.owner.node.path}: ${failed} or more failed executions in 5 minutes.`,
      metrics: {
        n: new cloudwatch.Metric({
          namespace: 'AWS/States', metricName: 'ExecutionsFailed', dimensionsMap: { StateMachineArn: record.stateMachineArn }, statistic: cloudwatch.Stats.SUM, period: FIVE_MINUTES,
        }),
      },
      threshold: failed,
      period: FIVE_MINUTES,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
    }, disabled);
  }

  // The default faults groups are alarmed on by the stack that hosts them, so each app alarms on them once.
  for (const group of inventory.groups.filter((g) => g.defaultFaultsGroup && inventory.stacks.includes(Stack.of(g.owner)))) {
    const { thresholds, disabled } = settings(group.owner);
    const faulty = thresholds.faultyTraces ?? 1;
    push({
      kind: TracingAlarmKind.FAULTY_TRACES,
      kindDescription: 'Faulty traces',
      serviceName: kebab(stackLabel(Stack.of(group.owner))),
      resourceName: kebab(group.owner.node.id.replace(/^TracingFaultsGroup/, 'faults')),
      description: `X-Ray group ${group.groupName}: ${faulty} or more faulty traces in 5 minutes.`,
      metrics: { c: approximateTraceCount(group.groupName, { period: FIVE_MINUTES }) },
      threshold: faulty,
      period: FIVE_MINUTES,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
    }, disabled);
  }
  return inputs;
}

/** Twice the visibility timeout the library gives a consumed queue (6 x the longest consumer timeout). */
function defaultMessageAge(inventory: TracedInventory, owner: IConstruct): Duration {
  const consumers = inventory.services.flatMap((s) => s.functions)
    .filter((f) => inventory.consumersOf(owner).includes(f.function));
  const known = consumers.map((f) => f.function.timeout ?? Duration.seconds(3)).filter((t) => !t.isUnresolved());
  if (known.length === 0) return Duration.minutes(15);
  const longest = Math.max(...known.map((t) => t.toSeconds()));
  return Duration.seconds(Math.max(300, 12 * longest));
}

/**
 * A duration in seconds; a deploy-time one must be given in seconds (`Duration.seconds(token)`), since
 * CloudFormation cannot convert units.
 */
function secondsOf(duration: Duration, what: string): number {
  try {
    return duration.toSeconds();
  } catch {
    throw new Error(`${what}: a deploy-time value is only allowed in seconds (Duration.seconds(...)), which CloudFormation need not convert`);
  }
}
