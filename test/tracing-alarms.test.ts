import { App, Duration, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { inlineFunctionProps, regionalStack, shopResources, shopWithMessaging } from './helpers';
import {
  TracedFunction, TracingAlarmGranularity, TracingAlarmKind, TracingAlarms, TracingRegistry,
} from '../src';
import { eventRuleMetric } from '../src/observability/event-rule-metric';

const alarmsOf = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties);
const byName = (stack: Stack) => Object.fromEntries(alarmsOf(stack).map((p) => [p.AlarmName, p]));

describe('TracingAlarms', () => {
  test('creates the production alarms of every traced resource, named <service>-<resource>-<kind>', () => {
    const stack = regionalStack();
    const alarms = new TracingAlarms(stack, 'Alarms');
    shopResources(stack);
    const found = byName(stack);
    expect(Object.keys(found).sort()).toEqual([
      'test-stack-api-api-duration', 'test-stack-api-api-error-rate', 'test-stack-api-api-throttles',
      'test-stack-faults-faulty-traces',
      'test-stack-worker-jobs-dead-letters', 'test-stack-worker-jobs-message-age',
      'test-stack-worker-worker-duration', 'test-stack-worker-worker-error-rate', 'test-stack-worker-worker-throttles',
    ]);
    expect(found['test-stack-api-api-error-rate']).toMatchObject({
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
      Metrics: expect.arrayContaining([expect.objectContaining({ Expression: 'IF(i > 0, 100 * e / i, 0)' })]),
    });
    // The expression's legend names the resource and the kind; the description, not repeated, says the rest.
    const errorRate = found['test-stack-api-api-error-rate'];
    expect(errorRate.Metrics.find((m: { Expression?: string }) => m.Expression).Label).toBe('api: Error rate');
    expect(errorRate.AlarmDescription).toBe('TestStack/Api: errors are 5 % or more of invocations over 5 minutes (2 of 3 periods).');
    // p99 at 80 % of the timeout, in milliseconds
    expect(found['test-stack-api-api-duration']).toMatchObject({ MetricName: 'Duration', ExtendedStatistic: 'p99', Threshold: 8000 });
    expect(found['test-stack-worker-worker-duration'].Threshold).toBe(24000);
    expect(found['test-stack-api-api-throttles']).toMatchObject({ MetricName: 'Throttles', Threshold: 1 });
    expect(found['test-stack-worker-jobs-dead-letters']).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1, EvaluationPeriods: 1, Statistic: 'Maximum' });
    expect(found['test-stack-worker-jobs-dead-letters'].Dimensions[0].Value['Fn::GetAtt'][0]).toMatch(/^JobsDeadLetterQueue/);
    // twice the visibility timeout the library derives (6 x 30 s)
    expect(found['test-stack-worker-jobs-message-age']).toMatchObject({ MetricName: 'ApproximateAgeOfOldestMessage', Threshold: 360, EvaluationPeriods: 3 });
    expect(found['test-stack-faults-faulty-traces']).toMatchObject({ Namespace: 'AWS/X-Ray', MetricName: 'ApproximateTraceCount', Dimensions: [{ Name: 'GroupName', Value: 'TestStack-faults' }] });
    expect(alarms.alarms).toHaveLength(9);
  });

  test('one composite alarm per service notifies; its inputs carry no action', () => {
    const stack = regionalStack();
    const alarms = new TracingAlarms(stack, 'Alarms', { createTopic: true });
    shopResources(stack);
    const template = Template.fromStack(stack);
    const composites = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')).map((r) => r.Properties);
    expect(composites.map((c) => c.AlarmName).sort()).toEqual(['test-stack-api-health', 'test-stack-health', 'test-stack-worker-health']);
    const worker = composites.find((c) => c.AlarmName === 'test-stack-worker-health')!;
    expect(JSON.stringify(worker.AlarmRule).match(/ALARM\(/g)).toHaveLength(5);
    expect(worker.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
    expect(worker.OKActions).toEqual(worker.AlarmActions);
    for (const alarm of alarmsOf(stack)) expect(alarm.AlarmActions).toBeUndefined();
    expect(alarms.compositeAlarms).toHaveLength(3);
    expect(TracingRegistry.of(stack).alarms.filter((a) => a.composite).map((a) => a.serviceName)).toEqual(['test-stack-api', 'test-stack-worker', 'test-stack']);
    // the topic is encrypted with a rotating customer managed key CloudWatch may use, and SSL-only
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmsTopicKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] })]) },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
  });

  test('uses a given topic', () => {
    const stack = regionalStack();
    const topic = new sns.Topic(stack, 'Pager');
    new TracingAlarms(stack, 'Alarms', { topic });
    shopResources(stack);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Pager') }] });
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Topic', 1);
  });

  test('covers buses, rules and topics', () => {
    const stack = regionalStack();
    new TracingAlarms(stack, 'Alarms');
    shopWithMessaging(stack);
    const found = byName(stack);
    const rule = Object.keys(found).find((n) => n.endsWith('-failed-invocations'))!;
    expect(rule).toMatch(/^test-stack-worker-payments-/);
    // a rule on a custom bus publishes with EventBusName and RuleName; its Ref is `bus|rule`, so the name comes from its ARN
    expect(found[rule]).toMatchObject({
      Namespace: 'AWS/Events',
      MetricName: 'FailedInvocations',
      Dimensions: [
        { Name: 'EventBusName', Value: { Ref: expect.stringMatching(/^PaymentsBus/) } },
        { Name: 'RuleName', Value: { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [expect.stringMatching(/^PaymentsPaid/), 'Arn'] }] }] } },
      ],
    });
    expect(Object.keys(found).some((n) => n.endsWith('-rule-dead-letters'))).toBe(true);
    expect(found['test-stack-api-orders-failed-deliveries']).toMatchObject({ Namespace: 'AWS/SNS', MetricName: 'NumberOfNotificationsFailed' });
  });

  test('thresholds are overridable for all and per resource; kinds disableable for all and per resource', () => {
    const stack = regionalStack();
    const app = shopResources(stack);
    new TracingAlarms(stack, 'Alarms', {
      thresholds: { functionErrorRatePercent: 2, queueMessageAge: Duration.minutes(20) },
      disabledKinds: [TracingAlarmKind.FUNCTION_THROTTLES, TracingAlarmKind.FAULTY_TRACES],
      overrides: [
        { resource: app.worker, thresholds: { functionErrorRatePercent: 10, durationPercentOfTimeout: 50 } },
        { resource: app.api, disabledKinds: [TracingAlarmKind.FUNCTION_DURATION] },
      ],
    });
    const found = byName(stack);
    expect(Object.keys(found).sort()).toEqual([
      'test-stack-api-api-error-rate', 'test-stack-worker-jobs-dead-letters', 'test-stack-worker-jobs-message-age',
      'test-stack-worker-worker-duration', 'test-stack-worker-worker-error-rate',
    ]);
    expect(found['test-stack-api-api-error-rate'].Threshold).toBe(2);
    expect(found['test-stack-worker-worker-error-rate'].Threshold).toBe(10);
    expect(found['test-stack-worker-worker-duration'].Threshold).toBe(15000);
    expect(found['test-stack-worker-jobs-message-age'].Threshold).toBe(1200);
  });

  test('SERVICE granularity: one metric-math alarm per service and kind, at most 10 metrics each', () => {
    const stack = regionalStack();
    for (let i = 0; i < 12; i++) new TracedFunction(stack, `F${i}`, { ...inlineFunctionProps(), serviceName: 'checkout' });
    new TracingAlarms(stack, 'Alarms', { granularity: TracingAlarmGranularity.SERVICE });
    const found = byName(stack);
    expect(Object.keys(found).filter((n) => n.startsWith('checkout-')).sort()).toEqual([
      'checkout-duration-1', 'checkout-duration-2', 'checkout-error-rate-1', 'checkout-error-rate-2', 'checkout-error-rate-3',
      'checkout-throttles-1', 'checkout-throttles-2',
    ]);
    for (const alarm of alarmsOf(stack)) {
      if (!alarm.Metrics) continue;
      expect(alarm.Metrics.filter((m: any) => m.MetricStat).length).toBeLessThanOrEqual(10);
      expect(alarm.Threshold).toBe(1);
    }
    const errors = found['checkout-error-rate-1'].Metrics.find((m: any) => m.Expression).Expression;
    expect(errors).toBe('MAX([(IF(i_0 > 0, 100 * e_0 / i_0, 0)) / 5, (IF(i_1 > 0, 100 * e_1 / i_1, 0)) / 5, (IF(i_2 > 0, 100 * e_2 / i_2, 0)) / 5, (IF(i_3 > 0, 100 * e_3 / i_3, 0)) / 5, (IF(i_4 > 0, 100 * e_4 / i_4, 0)) / 5])');
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::CloudWatch::CompositeAlarm', { AlarmName: 'checkout-health' }, 1);
  });

  test('covers resources traced after it; one set per stack', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: { account: '123456789012', region: 'us-east-1' } });
    const b = new Stack(app, 'B', { env: { account: '123456789012', region: 'us-east-1' } });
    new TracingAlarms(a, 'Alarms');
    new TracingAlarms(b, 'Alarms');
    new TracedFunction(a, 'F', inlineFunctionProps());
    new TracedFunction(b, 'G', inlineFunctionProps());
    expect(Object.keys(byName(a)).sort()).toEqual(['a-f-f-duration', 'a-f-f-error-rate', 'a-f-f-throttles', 'a-faults-faulty-traces']);
    // the app's faults group lives in A: B does not alarm on it again
    expect(Object.keys(byName(b)).sort()).toEqual(['b-g-g-duration', 'b-g-g-error-rate', 'b-g-g-throttles']);
  });

  test('warns when the stack nears CloudFormation\'s 500 resources', () => {
    const stack = regionalStack();
    for (let i = 0; i < 76; i++) new TracedFunction(stack, `F${i}`, inlineFunctionProps());
    new TracingAlarms(stack, 'Alarms');
    expect(Annotations.fromStack(stack).findWarning('/TestStack/Alarms', Match.stringLikeRegexp('holds \\d+ resources with \\d+ tracing alarms; CloudFormation allows 500'))).toHaveLength(1);
    const small = regionalStack();
    shopResources(small);
    new TracingAlarms(small, 'Alarms');
    expect(Annotations.fromStack(small).findWarning('*', Match.stringLikeRegexp('CloudFormation allows 500'))).toHaveLength(0);
  });

  test.each([
    ['an error rate above 100 %', { thresholds: { functionErrorRatePercent: 120 } }, /^thresholds.functionErrorRatePercent: 120 is not allowed; use a number above 0 and at most 100/],
    ['a zero throttle threshold', { thresholds: { functionThrottles: 0 } }, /^thresholds.functionThrottles: 0 is not allowed; use a number above 0/],
    ['a duration above the timeout', { thresholds: { durationPercentOfTimeout: 150 } }, /^thresholds.durationPercentOfTimeout: 150 is not allowed/],
    ['a negative dead-letter threshold', { thresholds: { deadLetterMessages: -1 } }, /^thresholds.deadLetterMessages: -1 is not allowed/],
    ['a message age under a minute', { thresholds: { queueMessageAge: Duration.seconds(30) } }, /^thresholds.queueMessageAge: 30 seconds is not allowed; use 1 minute to 14 days/],
    ['a message age past SQS retention', { thresholds: { queueMessageAge: Duration.days(15) } }, /^thresholds.queueMessageAge: 15 days is not allowed/],
    ['an override threshold', { overrides: [{ resource: new App(), thresholds: { faultyTraces: 0 } }] }, /^overrides\[0\].thresholds.faultyTraces: 0 is not allowed/],
    ['a topic and createTopic', { createTopic: true, topic: {} as sns.ITopic }, /^createTopic: true is not allowed together with topic/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => new TracingAlarms(regionalStack(), 'Alarms', props as any)).toThrow(message);
  });
});

describe('TracingAlarms names', () => {
  test('name resources by their path below the stack, so equal ids under different parents do not clash', () => {
    const stack = regionalStack();
    for (const parent of ['Create', 'Cancel']) {
      new TracedFunction(new Construct(stack, parent), 'Handler', { ...inlineFunctionProps(), serviceName: 'orders' });
    }
    new TracingAlarms(stack, 'Alarms');
    expect(Object.keys(byName(stack)).filter((n) => n.startsWith('orders-')).sort()).toEqual([
      'orders-cancel-handler-duration', 'orders-cancel-handler-error-rate', 'orders-cancel-handler-throttles',
      'orders-create-handler-duration', 'orders-create-handler-error-rate', 'orders-create-handler-throttles',
    ]);
  });

  test('refuse a name another stack of the account and Region already uses, until alarmNamePrefix sets them apart', () => {
    const app = new App();
    const env = { account: '123456789012', region: 'us-east-1' };
    const stages = ['Beta', 'Gamma'].map((name) => new Stack(new Stage(app, name), 'Orders', { env }));
    for (const stack of stages) new TracedFunction(stack, 'Handler', { ...inlineFunctionProps(), serviceName: 'orders' });
    new TracingAlarms(stages[0], 'Alarms');
    new TracingAlarms(stages[1], 'Alarms');
    expect(() => app.synth()).toThrow(/^alarmNamePrefix: the alarm name 'orders-handler-error-rate' is already used by 'Beta\/Orders\/Alarms' in 123456789012\/us-east-1; set alarmNamePrefix/);

    const fixed = new App();
    const [beta, gamma] = ['Beta', 'Gamma'].map((name) => new Stack(new Stage(fixed, name), 'Orders', { env }));
    for (const stack of [beta, gamma]) {
      new TracedFunction(stack, 'Handler', { ...inlineFunctionProps(), serviceName: 'orders' });
      new TracingAlarms(stack, 'Alarms', { alarmNamePrefix: Stage.of(stack)!.stageName });
    }
    expect(Object.keys(byName(gamma))).toContain('Gamma-orders-handler-error-rate');
    // each stage hosts its own faults group, and alarms on it
    expect(Object.keys(byName(beta))).toContain('Beta-beta-orders-faults-faulty-traces');
    expect(Object.keys(byName(gamma))).toContain('Gamma-gamma-orders-faults-faulty-traces');
  });

  test('refuses an invalid prefix', () => {
    expect(() => new TracingAlarms(regionalStack(), 'Alarms', { alarmNamePrefix: 'with space' }))
      .toThrow(/^alarmNamePrefix: 'with space' is not allowed; use 1-64 letters, digits, '-' or '_'/);
  });
});

describe('event rule metrics', () => {
  test('a rule on the default bus publishes with RuleName alone, taken from its ARN', () => {
    const stack = regionalStack();
    const bus = events.EventBus.fromEventBusName(stack, 'Default', 'default');
    const rule = new events.Rule(stack, 'Rule', { eventBus: bus, eventPattern: { source: ['shop'] } });
    const metric = eventRuleMetric(bus, rule, 'FailedInvocations');
    expect(stack.resolve(metric.dimensions)).toEqual({ RuleName: { 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': [stack.getLogicalId(rule.node.defaultChild as events.CfnRule), 'Arn'] }] }] } });
    expect(metric.namespace).toBe('AWS/Events');
  });
});
