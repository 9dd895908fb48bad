import { join } from 'path';
import { CfnParameter, Duration, Fn, Lazy, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { inlineFunctionProps, regionalStack, shopResources } from './helpers';
import {
  FunctionTracing, SloObjective, SamplingStrategy, TracedEventBus, TracedFunction, TracedNodejsFunction, TracedQueue, TracedTopic,
  TracingAlarmGranularity, TracingAlarms, TracingAlarmsProps, TracingAlarmThresholds, TracingDashboard, TracingFilter, TracingGroup,
  TracingSamplingRule, TracingSlo, TracingSloProps, TransactionSearch,
} from '../src';

/**
 * Every numeric prop of the library (and every `Duration` prop it checks) given a deploy-time value, a
 * `Number` CfnParameter named `P`: construction and synthesis must not fail on the token's placeholder
 * number, the parameter reference must land where the value goes, and no placeholder may leak into the
 * template. Where CloudFormation cannot compute with a deploy-time value, the library must refuse it with
 * an error that names the prop.
 */

const P = { Ref: 'P' };

type Build = (stack: Stack, token: number) => void;

/** Where a value lands: resources of `type` (logical id matching `id`), at property `path` (anywhere when absent). */
interface Where {
  readonly type: string;
  readonly path?: string;
  readonly id?: RegExp;
}

interface Row {
  /** The construct or method and the prop, as a user writes them. */
  readonly name: string;
  /** Builds the construct in `stack` with `token` for the prop. */
  readonly build: Build;
  /** Where the parameter reference must land. */
  readonly where?: Where;
  /** CloudFormation cannot compute with a deploy-time value here: the refusal expected. */
  readonly refused?: RegExp;
  /** Why it fails today, in a file outside src/sampling and src/function/function-tracing.ts; flip to `test` once fixed. */
  readonly failsToday?: string;
}

/** A prop whose deploy-time value must reach the template as the parameter reference. */
function lands(name: string, where: Where, build: Build, failsToday?: string): Row {
  return { name, where, build, failsToday };
}

/** A prop CloudFormation cannot compute with at deploy time: the library must say so, naming the prop. */
function refused(name: string, error: RegExp, build: Build, failsToday?: string): Row {
  return { name, refused: error, build, failsToday };
}

/** Property `path` (dots; numeric segments index arrays) of `value`. */
function at(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  return path.split('.').reduce<any>((v, key) => (v === undefined || v === null ? undefined : v[key]), value);
}

function containsP(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes(JSON.stringify(P));
}

/** Token placeholders (numbers near -1.888e+289, or their text, or unresolved string tokens) left in the template. */
function placeholders(value: unknown, path = ''): string[] {
  if (typeof value === 'number') return Math.abs(value) > 1e280 ? [`${path}: ${value}`] : [];
  if (typeof value === 'string') return /e\+2\d\d|\$\{Token\[/i.test(value) ? [`${path}: ${value}`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => placeholders(v, `${path}.${i}`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => placeholders(v, path ? `${path}.${k}` : k));
  return [];
}

function check(row: Row): void {
  const stack = regionalStack();
  const token = new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber;
  if (row.refused) {
    expect(() => {
      row.build(stack, token);
      Template.fromStack(stack);
    }).toThrow(row.refused);
    return;
  }
  row.build(stack, token);
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties?: unknown }> };
  expect(placeholders(template)).toEqual([]);
  const { type, path, id } = row.where!;
  const values = Object.entries(template.Resources)
    .filter(([logicalId, r]) => r.Type === type && (!id || id.test(logicalId)))
    .map(([, r]) => at(r.Properties, path));
  const key = `${type} ${path ?? ''}`;
  expect({ [key]: values.some(containsP) ? P : values }).toEqual({ [key]: P });
}

/** One test per row, under the file that declares the props. */
function propsOf(source: string, rows: Row[]): void {
  describe(source, () => {
    for (const row of rows) {
      if (row.failsToday) test.failing(row.name, () => check(row));
      else test(row.name, () => check(row));
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// Fixtures

const SAMPLING_RULE = 'AWS::XRay::SamplingRule';
const rule = (path: string): Where => ({ type: SAMPLING_RULE, path: `SamplingRule.${path}` });
const service = { serviceName: 'orders', priority: 100, percent: 5 };
const route = { urlPath: '/payments/*', priority: 100, percent: 5 };
const boost = { ...service, maxPercent: 50 };
const rateBoost = (maxRate: number, cooldown: Duration) => ({ priority: 1, fixedRate: 0.05, samplingRateBoost: { maxRate, cooldown } });

const XRAY_GROUP: Where = { type: 'AWS::XRay::Group', path: 'FilterExpression' };
const inGroup = (stack: Stack, filter: TracingFilter) => new TracingGroup(stack, 'G', { groupName: 'slow', filter });

const SAMPLER_ARG: Where = { type: 'AWS::Lambda::Function', path: 'Environment.Variables.OTEL_TRACES_SAMPLER_ARG' };

const queue = (path: string): Where => ({ type: 'AWS::SQS::Queue', id: /^QQueue/, path });
const mapping = (path: string): Where => ({ type: 'AWS::Lambda::EventSourceMapping', path });
const targetRetry = (field: string): Where => ({ type: 'AWS::Events::Rule', path: `Targets.0.RetryPolicy.${field}` });
const paid = { eventPattern: { source: ['shop'] } };

const SLO = 'AWS::ApplicationSignals::ServiceLevelObjective';
const ALARM = 'AWS::CloudWatch::Alarm';

function worker(stack: Stack, id = 'Worker'): TracedFunction {
  return new TracedFunction(stack, id, { ...inlineFunctionProps(), timeout: Duration.seconds(30) });
}

/** The shop, a bus with a rule and a topic with a subscriber: every kind of alarm. */
function alarmedApp(stack: Stack, props: TracingAlarmsProps): void {
  new TracingAlarms(stack, 'Alarms', props);
  const { api, worker: consumer, jobs } = shopResources(stack);
  new TracedEventBus(stack, 'Payments').addConsumer('Paid', consumer, { eventPattern: { detailType: ['PaymentCompleted'] } });
  const topic = new TracedTopic(stack, 'Orders');
  topic.addProducer(api);
  topic.addSubscriber(jobs);
}

/** The same app, with `thresholds` as an override of every traced resource and of the default faults group. */
function overriddenApp(stack: Stack, thresholds: TracingAlarmThresholds): void {
  const { api, worker: consumer, jobs } = shopResources(stack);
  const bus = new TracedEventBus(stack, 'Payments');
  bus.addConsumer('Paid', consumer, { eventPattern: { detailType: ['PaymentCompleted'] } });
  const topic = new TracedTopic(stack, 'Orders');
  topic.addProducer(api);
  topic.addSubscriber(jobs);
  const resources = [api, consumer, jobs, bus, topic, ...stack.node.findAll().filter((c) => c instanceof TracingGroup)];
  new TracingAlarms(stack, 'Alarms', { overrides: resources.map((resource) => ({ resource, thresholds })) });
}

function slo(stack: Stack, props: Partial<TracingSloProps>, objective = SloObjective.AVAILABILITY): void {
  new TracingSlo(stack, 'Slo', { function: new TracedFunction(stack, 'Charge', inlineFunctionProps()), objective, ...props });
}

function dashboard(stack: Stack, props: { maxWidgetsPerDashboard?: number; defaultInterval?: Duration }): void {
  new TracingDashboard(stack, 'Dashboard', props);
  shopResources(stack);
}

// ---------------------------------------------------------------------------------------------------------
// The props, file by file

describe('every numeric prop takes a deploy-time value', () => {
  propsOf('src/sampling/tracing-sampling-rule.ts', [
    lands('TracingSamplingRule priority', rule('Priority'), (s, t) => new TracingSamplingRule(s, 'R', { priority: t, fixedRate: 0.05 })),
    lands('TracingSamplingRule fixedRate', rule('FixedRate'), (s, t) => new TracingSamplingRule(s, 'R', { priority: 1, fixedRate: t })),
    lands('TracingSamplingRule reservoirSize', rule('ReservoirSize'),
      (s, t) => new TracingSamplingRule(s, 'R', { priority: 1, fixedRate: 0.05, reservoirSize: t })),
    lands('TracingSamplingRule samplingRateBoost.maxRate', rule('SamplingRateBoost.MaxRate'),
      (s, t) => new TracingSamplingRule(s, 'R', rateBoost(t, Duration.minutes(1)))),
    lands('TracingSamplingRule samplingRateBoost.cooldown (Duration.minutes)', rule('SamplingRateBoost.CooldownWindowMinutes'),
      (s, t) => new TracingSamplingRule(s, 'R', rateBoost(0.5, Duration.minutes(t)))),
    refused('TracingSamplingRule samplingRateBoost.cooldown (Duration.seconds): refused, CloudFormation cannot convert it to minutes',
      /^samplingRateBoost\.cooldown: a deploy-time value is not allowed here because .*; use Duration\.minutes\(\)/,
      (s, t) => new TracingSamplingRule(s, 'R', rateBoost(0.5, Duration.seconds(t)))),
  ]);

  propsOf('src/sampling/sampling-strategy.ts', [
    lands('SamplingStrategy.forService priority', rule('Priority'), (s, t) => SamplingStrategy.forService(s, 'R', { ...service, priority: t })),
    lands('SamplingStrategy.forService percent', rule('FixedRate'), (s, t) => SamplingStrategy.forService(s, 'R', { ...service, percent: t })),
    lands('SamplingStrategy.forService reservoirPerSecond', rule('ReservoirSize'),
      (s, t) => SamplingStrategy.forService(s, 'R', { ...service, reservoirPerSecond: t })),
    lands('SamplingStrategy.forRoute priority', rule('Priority'), (s, t) => SamplingStrategy.forRoute(s, 'R', { ...route, priority: t })),
    lands('SamplingStrategy.forRoute percent', rule('FixedRate'), (s, t) => SamplingStrategy.forRoute(s, 'R', { ...route, percent: t })),
    lands('SamplingStrategy.forRoute reservoirPerSecond', rule('ReservoirSize'),
      (s, t) => SamplingStrategy.forRoute(s, 'R', { ...route, reservoirPerSecond: t })),
    lands('SamplingStrategy.criticalPath percent', rule('FixedRate'), (s, t) => SamplingStrategy.criticalPath(s, 'R', { ...route, percent: t })),
    lands('SamplingStrategy.boostOnAnomalies priority', rule('Priority'), (s, t) => SamplingStrategy.boostOnAnomalies(s, 'R', { ...boost, priority: t })),
    lands('SamplingStrategy.boostOnAnomalies percent', rule('FixedRate'), (s, t) => SamplingStrategy.boostOnAnomalies(s, 'R', { ...boost, percent: t })),
    lands('SamplingStrategy.boostOnAnomalies reservoirPerSecond', rule('ReservoirSize'),
      (s, t) => SamplingStrategy.boostOnAnomalies(s, 'R', { ...boost, reservoirPerSecond: t })),
    lands('SamplingStrategy.boostOnAnomalies maxPercent', rule('SamplingRateBoost.MaxRate'),
      (s, t) => SamplingStrategy.boostOnAnomalies(s, 'R', { ...boost, maxPercent: t })),
    lands('SamplingStrategy.boostOnAnomalies percent and maxPercent', rule('SamplingRateBoost.MaxRate'),
      (s, t) => SamplingStrategy.boostOnAnomalies(s, 'R', { ...boost, percent: t, maxPercent: t })),
    lands('SamplingStrategy.boostOnAnomalies cooldown (Duration.minutes)', rule('SamplingRateBoost.CooldownWindowMinutes'),
      (s, t) => SamplingStrategy.boostOnAnomalies(s, 'R', { ...boost, cooldown: Duration.minutes(t) })),
    refused('SamplingStrategy.boostOnAnomalies cooldown (Duration.seconds): refused, CloudFormation cannot convert it to minutes',
      /^cooldown: a deploy-time value is not allowed here because .*; use Duration\.minutes\(\)/,
      (s, t) => SamplingStrategy.boostOnAnomalies(s, 'R', { ...boost, cooldown: Duration.seconds(t) })),
  ]);

  propsOf('src/sampling/tracing-filter.ts', [
    lands('TracingFilter.responseTimeOver(seconds)', XRAY_GROUP, (s, t) => inGroup(s, TracingFilter.responseTimeOver(t))),
    lands('TracingFilter.responseTimeOver(seconds) combined with and()', XRAY_GROUP,
      (s, t) => inGroup(s, TracingFilter.allOf(TracingFilter.fault(), TracingFilter.responseTimeOver(t)))),
    lands('TracingFilter.annotation(key, value: number)', XRAY_GROUP, (s, t) => inGroup(s, TracingFilter.annotation('tier', t))),
  ]);

  propsOf('src/function/function-tracing.ts', [
    lands('TracedFunction samplingRatio', SAMPLER_ARG, (s, t) => new TracedFunction(s, 'F', { ...inlineFunctionProps(), samplingRatio: t })),
    lands('TracedNodejsFunction samplingRatio', SAMPLER_ARG,
      (s, t) => new TracedNodejsFunction(s, 'F', { entry: join(__dirname, 'fixtures', 'otel-handler.ts'), samplingRatio: t })),
    lands('FunctionTracing.instrument samplingRatio', SAMPLER_ARG,
      (s, t) => FunctionTracing.instrument(new lambda.Function(s, 'F', inlineFunctionProps()), { samplingRatio: t })),
  ]);

  propsOf('src/queue/traced-queue.ts', [
    lands('TracedQueue maxReceiveCount', queue('RedrivePolicy.maxReceiveCount'), (s, t) => new TracedQueue(s, 'Q', { maxReceiveCount: t }).addConsumer(worker(s))),
    lands('TracedQueue maxMessageSizeBytes', queue('MaximumMessageSize'), (s, t) => new TracedQueue(s, 'Q', { maxMessageSizeBytes: t })),
    lands('TracedQueue visibilityTimeout', queue('VisibilityTimeout'),
      (s, t) => new TracedQueue(s, 'Q', { visibilityTimeout: Duration.seconds(t) }).addConsumer(worker(s))),
    lands('TracedQueue retentionPeriod', queue('MessageRetentionPeriod'), (s, t) => new TracedQueue(s, 'Q', { retentionPeriod: Duration.seconds(t) })),
    lands('TracedQueue deadLetterQueueRetentionPeriod', { type: 'AWS::SQS::Queue', id: /^QDeadLetterQueue/, path: 'MessageRetentionPeriod' },
      (s, t) => new TracedQueue(s, 'Q', { deadLetterQueueRetentionPeriod: Duration.seconds(t) })),
    lands('TracedQueue dataKeyReuse', queue('KmsDataKeyReusePeriodSeconds'),
      (s, t) => new TracedQueue(s, 'Q', { encryption: sqs.QueueEncryption.KMS, dataKeyReuse: Duration.seconds(t) })),
    lands('TracedQueue deliveryDelay', queue('DelaySeconds'), (s, t) => new TracedQueue(s, 'Q', { deliveryDelay: Duration.seconds(t) })),
    lands('TracedQueue receiveMessageWaitTime', queue('ReceiveMessageWaitTimeSeconds'),
      (s, t) => new TracedQueue(s, 'Q', { receiveMessageWaitTime: Duration.seconds(t) })),
    lands('TracedQueue.addConsumer batchSize', mapping('BatchSize'), (s, t) => new TracedQueue(s, 'Q').addConsumer(worker(s), { batchSize: t })),
    lands('TracedQueue.addConsumer maxBatchingWindow', mapping('MaximumBatchingWindowInSeconds'),
      (s, t) => new TracedQueue(s, 'Q').addConsumer(worker(s), { maxBatchingWindow: Duration.seconds(t) })),
    lands('TracedQueue.addConsumer maxConcurrency', mapping('ScalingConfig.MaximumConcurrency'),
      (s, t) => new TracedQueue(s, 'Q').addConsumer(worker(s), { maxConcurrency: t })),
  ]);

  propsOf('src/events/traced-event-bus.ts', [
    lands('TracedEventBus archive.retention', { type: 'AWS::Events::Archive', path: 'RetentionDays' },
      (s, t) => new TracedEventBus(s, 'Bus', { archive: { retention: Duration.days(t) } })),
    lands('TracedEventBus.addConsumer retryAttempts', targetRetry('MaximumRetryAttempts'),
      (s, t) => new TracedEventBus(s, 'Bus').addConsumer('Paid', worker(s), { ...paid, retryAttempts: t })),
    lands('TracedEventBus.addConsumer maxEventAge', targetRetry('MaximumEventAgeInSeconds'),
      (s, t) => new TracedEventBus(s, 'Bus').addConsumer('Paid', worker(s), { ...paid, maxEventAge: Duration.seconds(t) })),
  ]);

  const thresholds: { prop: keyof TracingAlarmThresholds; value: (t: number) => TracingAlarmThresholds; failsToday?: string }[] = [
    { prop: 'functionErrorRatePercent', value: (t) => ({ functionErrorRatePercent: t }) },
    { prop: 'functionThrottles', value: (t) => ({ functionThrottles: t }) },
    {
      prop: 'durationPercentOfTimeout',
      value: (t) => ({ durationPercentOfTimeout: t }),
    },
    { prop: 'queueMessageAge', value: (t) => ({ queueMessageAge: Duration.seconds(t) }) },
    { prop: 'deadLetterMessages', value: (t) => ({ deadLetterMessages: t }) },
    { prop: 'ruleFailedInvocations', value: (t) => ({ ruleFailedInvocations: t }) },
    { prop: 'topicFailedDeliveries', value: (t) => ({ topicFailedDeliveries: t }) },
    { prop: 'faultyTraces', value: (t) => ({ faultyTraces: t }) },
  ];
  propsOf('src/observability/alarm-inputs.ts (TracingAlarmThresholds)', thresholds.flatMap(({ prop, value, failsToday }) => {
    // The duration alarm's threshold is derived from the percentage; wherever it goes, it must hold the parameter.
    const threshold: Where = { type: ALARM, path: prop === 'durationPercentOfTimeout' ? undefined : 'Threshold' };
    return [
      lands(`TracingAlarms thresholds.${prop}`, threshold, (s, t) => alarmedApp(s, { thresholds: value(t) }), failsToday),
      lands(`TracingAlarms overrides[].thresholds.${prop}`, threshold, (s, t) => overriddenApp(s, value(t)), failsToday),
      lands(`TracingAlarms thresholds.${prop} (granularity SERVICE)`, { type: ALARM, path: 'Metrics' },
        (s, t) => alarmedApp(s, { thresholds: value(t), granularity: TracingAlarmGranularity.SERVICE }), failsToday),
    ];
  }));

  propsOf('src/observability/tracing-slo.ts', [
    lands('TracingSlo goal', { type: SLO, path: 'Goal.AttainmentGoal' }, (s, t) => slo(s, { goal: t })),
    lands('TracingSlo warningThreshold', { type: SLO, path: 'Goal.WarningThreshold' }, (s, t) => slo(s, { warningThreshold: t })),
    lands('TracingSlo interval', { type: SLO, path: 'Goal.Interval.RollingInterval.Duration' }, (s, t) => slo(s, { interval: Duration.days(t) })),
    lands('TracingSlo period (burnRateAlarms: false)', { type: SLO, path: 'Sli.SliMetric.PeriodSeconds' },
      (s, t) => slo(s, { period: Duration.seconds(t), burnRateAlarms: false })),
    refused('TracingSlo period (with burn-rate alarms): refused, CDK builds the alarms from it', /^period: a deploy-time value is not allowed/,
      (s, t) => slo(s, { period: Duration.seconds(t) })),
    lands('TracingSlo availabilityThreshold', { type: SLO, path: 'Sli.MetricThreshold' }, (s, t) => slo(s, { availabilityThreshold: t })),
    lands('TracingSlo latencyThreshold', { type: SLO, path: 'Sli.MetricThreshold' },
      (s, t) => slo(s, { latencyThreshold: Duration.millis(t) }, SloObjective.LATENCY)),
    lands('TracingSlo fastBurnRate', { type: ALARM, id: /^SloFastBurnLong/, path: 'Threshold' }, (s, t) => slo(s, { fastBurnRate: t })),
    lands('TracingSlo slowBurnRate', { type: ALARM, id: /^SloSlowBurnLong/, path: 'Threshold' }, (s, t) => slo(s, { slowBurnRate: t })),
  ]);

  propsOf('src/observability/tracing-dashboard.ts', [
    refused('TracingDashboard maxWidgetsPerDashboard: refused, CDK splits the widgets into dashboards at synthesis',
      /^maxWidgetsPerDashboard: a deploy-time value is not allowed here because/,
      (s, t) => dashboard(s, { maxWidgetsPerDashboard: t })),
    lands('TracingDashboard defaultInterval', { type: 'AWS::CloudWatch::Dashboard', path: 'DashboardBody' },
      (s, t) => dashboard(s, { defaultInterval: Duration.hours(t) })),
  ]);

  propsOf('src/observability/transaction-search.ts', [
    lands('TransactionSearch indexingPercentage', { type: 'AWS::XRay::TransactionSearchConfig', path: 'IndexingPercentage' },
      (s, t) => new TransactionSearch(s, 'Search', { indexingPercentage: t })),
  ]);
});

// ---------------------------------------------------------------------------------------------------------
// What the sampling values become in the template

describe('deploy-time sampling values in the template', () => {
  function stackWithParameter(): { stack: Stack; token: number } {
    const stack = regionalStack();
    return { stack, token: new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber };
  }
  const samplingRule = (stack: Stack) => Object.values(Template.fromStack(stack).findResources(SAMPLING_RULE))[0].Properties.SamplingRule;
  const importedPercent = () => Token.asNumber(Fn.importValue('SharedPercent'));

  test('a deploy-time percent picks its rate from a table of the whole percentages, percent / 100', () => {
    const { stack, token } = stackWithParameter();
    SamplingStrategy.forRoute(stack, 'R', { ...route, percent: token });
    const fixedRate = samplingRule(stack).FixedRate;
    expect(Object.keys(fixedRate)).toEqual(['Fn::Select']);
    const [index, rates] = fixedRate['Fn::Select'];
    expect(index).toEqual(P);
    expect(rates).toHaveLength(101);
    rates.forEach((rate: number, percent: number) => expect(rate).toBe(percent / 100));
    expect(rates[5]).toBe(0.05);
  });

  test('maxPercent becomes the boost\'s MaxRate the same way; a literal percent still gives a literal rate', () => {
    const { stack, token } = stackWithParameter();
    SamplingStrategy.boostOnAnomalies(stack, 'R', { ...boost, percent: 5, maxPercent: token, cooldown: Duration.minutes(token) });
    const found = samplingRule(stack);
    expect(found.FixedRate).toBe(0.05);
    expect(found.SamplingRateBoost.MaxRate['Fn::Select'][0]).toEqual(P);
    expect(found.SamplingRateBoost.CooldownWindowMinutes).toEqual(P);
  });

  test('a percent only known at synthesis (Lazy) is checked and divided then', () => {
    const stack = regionalStack();
    SamplingStrategy.forService(stack, 'R', { ...service, percent: Lazy.number({ produce: () => 25 }) });
    expect(samplingRule(stack).FixedRate).toBe(0.25);
    const other = regionalStack();
    SamplingStrategy.forService(other, 'R', { ...service, percent: Lazy.number({ produce: () => 250 }) });
    expect(() => Template.fromStack(other)).toThrow(/percent: 250 is not allowed; use a percentage from 0 to 100/);
  });

  test('a deploy-time percent CloudFormation cannot use as an Fn::Select index is refused, naming the prop', () => {
    expect(() => SamplingStrategy.forService(regionalStack(), 'R', { ...service, percent: importedPercent() }))
      .toThrow(/^percent: a deploy-time value is not allowed here because CloudFormation cannot divide it by 100.*Fn::ImportValue; use a number/);
    expect(() => SamplingStrategy.boostOnAnomalies(regionalStack(), 'R', { ...boost, maxPercent: importedPercent() }))
      .toThrow(/^maxPercent: a deploy-time value is not allowed here because/);
  });

  test('a deploy-time percent does not stop the checks of literal values', () => {
    const { stack, token } = stackWithParameter();
    expect(() => SamplingStrategy.forService(stack, 'A', { ...service, percent: token, priority: 0 })).toThrow(/^priority: 0 is not allowed/);
    expect(() => SamplingStrategy.boostOnAnomalies(stack, 'B', { ...boost, percent: token, maxPercent: 101 })).toThrow(/^maxPercent: 101 is not allowed/);
    expect(() => SamplingStrategy.boostOnAnomalies(stack, 'C', { ...boost, maxPercent: token, cooldown: Duration.seconds(30) }))
      .toThrow(/^cooldown: 30 seconds is not allowed; use whole minutes, at least 1/);
    expect(() => TracingFilter.responseTimeOver(0)).toThrow(/^responseTimeOver: 0 is not allowed/);
  });

  test('number tokens in a filter render as an Fn::Join holding the parameter reference', () => {
    const { stack, token } = stackWithParameter();
    inGroup(stack, TracingFilter.allOf(TracingFilter.fault(), TracingFilter.responseTimeOver(token), TracingFilter.annotation('tier', token)));
    expect(Object.values(Template.fromStack(stack).findResources('AWS::XRay::Group'))[0].Properties.FilterExpression).toEqual({
      'Fn::Join': ['', ['(fault = true) AND (responsetime > ', P, ') AND (annotation.tier = ', P, ')']],
    });
  });

  test('samplingRatio lands in OTEL_TRACES_SAMPLER_ARG as the parameter reference', () => {
    const { stack, token } = stackWithParameter();
    new TracedFunction(stack, 'F', { ...inlineFunctionProps(), samplingRatio: token });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: P } },
    });
  });

  test('a refused deploy-time samplingRatio names it without the placeholder', () => {
    const { stack, token } = stackWithParameter();
    expect(() => new TracedFunction(stack, 'F', { ...inlineFunctionProps(), environment: { OTEL_TRACES_SAMPLER: 'always_on' }, samplingRatio: token }))
      .toThrow(/^samplingRatio: a deploy-time value contradicts OTEL_TRACES_SAMPLER='always_on'/);
  });
});
