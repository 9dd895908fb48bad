import { CfnParameter, Duration, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { inlineFunctionProps, regionalStack } from './helpers';
import { TracedFunction } from '../src/function/traced-function';
import { SloObjective, TracingSlo, TracingSloProps } from '../src/observability/tracing-slo';

interface Setup { stack: Stack; fn: TracedFunction; slo: TracingSlo; template: Template }

function setup(props: Partial<TracingSloProps> = {}, objective = SloObjective.AVAILABILITY): Setup {
  const stack = regionalStack();
  const fn = new TracedFunction(stack, 'Charge', inlineFunctionProps());
  const slo = new TracingSlo(stack, 'Slo', { function: fn, objective, ...props });
  return { stack, fn, slo, template: Template.fromStack(stack) };
}

function functionRef(stack: Stack, fn: TracedFunction): { Ref: string } {
  return { Ref: stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction) };
}

function lambdaMetric(stack: Stack, fn: TracedFunction, metricName: string, stat: string, period = 60): unknown {
  return {
    Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: [{ Name: 'FunctionName', Value: functionRef(stack, fn) }] },
    Period: period,
    Stat: stat,
  };
}

function burnRateAlarm(window: number, threshold: number, period = 60): unknown {
  return {
    Namespace: 'AWS/ApplicationSignals',
    MetricName: 'BurnRate',
    Dimensions: [{ Name: 'BurnRateWindowMinutes', Value: String(window) }, { Name: 'SloName', Value: 'checkout' }],
    Statistic: 'Maximum',
    Period: period,
    Threshold: threshold,
    ComparisonOperator: 'GreaterThanThreshold',
    EvaluationPeriods: 1,
    TreatMissingData: 'notBreaching',
  };
}

describe('TracingSlo availability', () => {
  test('counts a period good when at least 99 % of its invocations succeeded, with a 99.9 % goal over 30 rolling days', () => {
    const { stack, fn, template } = setup();
    template.resourceCountIs('AWS::ApplicationSignals::ServiceLevelObjective', 1);
    template.hasResourceProperties('AWS::ApplicationSignals::ServiceLevelObjective', {
      Sli: {
        SliMetric: {
          PeriodSeconds: 60,
          MetricDataQueries: [
            { Id: 'invocations', MetricStat: lambdaMetric(stack, fn, 'Invocations', 'Sum'), ReturnData: false },
            { Id: 'errors', MetricStat: lambdaMetric(stack, fn, 'Errors', 'Sum'), ReturnData: false },
            {
              Id: 'availability',
              Expression: 'IF(FILL(invocations, 0) > 0, 100 * (1 - FILL(errors, 0) / FILL(invocations, 0)), 100)',
              ReturnData: true,
            },
          ],
        },
        MetricThreshold: 99,
        ComparisonOperator: 'GreaterThanOrEqualTo',
      },
      Goal: {
        AttainmentGoal: 99.9,
        Interval: { RollingInterval: { Duration: 30, DurationUnit: 'DAY' } },
        WarningThreshold: Match.absent(),
      },
      Description: Match.absent(),
    });
  });

  test('configures the four burn-rate look-back windows the alarms read', () => {
    const { template } = setup();
    template.hasResourceProperties('AWS::ApplicationSignals::ServiceLevelObjective', {
      BurnRateConfigurations: [
        { LookBackWindowMinutes: 60 }, { LookBackWindowMinutes: 5 }, { LookBackWindowMinutes: 360 }, { LookBackWindowMinutes: 30 },
      ],
    });
  });

  test('takes goal, interval, period, availability threshold, warning threshold, name and description', () => {
    const { stack, fn, template, slo } = setup({
      goal: 99.5,
      interval: Duration.days(7),
      period: Duration.minutes(5),
      availabilityThreshold: 100,
      warningThreshold: 25,
      sloName: 'checkout availability',
      description: 'Charges succeed',
    });
    expect(slo.sloName).toBe('checkout availability');
    template.hasResourceProperties('AWS::ApplicationSignals::ServiceLevelObjective', {
      Name: 'checkout availability',
      Description: 'Charges succeed',
      Sli: {
        SliMetric: {
          PeriodSeconds: 300,
          MetricDataQueries: Match.arrayWith([{ Id: 'errors', MetricStat: lambdaMetric(stack, fn, 'Errors', 'Sum', 300), ReturnData: false }]),
        },
        MetricThreshold: 100,
      },
      Goal: { AttainmentGoal: 99.5, WarningThreshold: 25, Interval: { RollingInterval: { Duration: 7, DurationUnit: 'DAY' } } },
    });
  });

  test('reads the metrics of an imported function by its name', () => {
    const stack = regionalStack();
    const fn = lambda.Function.fromFunctionName(stack, 'Imported', 'payments');
    new TracingSlo(stack, 'Slo', { function: fn, objective: SloObjective.AVAILABILITY });
    const dimensions = [{ Name: 'FunctionName', Value: stack.resolve(fn.functionName) }];
    Template.fromStack(stack).hasResourceProperties('AWS::ApplicationSignals::ServiceLevelObjective', {
      Sli: { SliMetric: { MetricDataQueries: Match.arrayWith([Match.objectLike({ Id: 'errors', MetricStat: Match.objectLike({ Metric: Match.objectLike({ Dimensions: dimensions }) }) })]) } },
    });
  });
});

describe('TracingSlo latency', () => {
  test('counts a period good when p99 duration is under the threshold, with a 99 % goal', () => {
    const { stack, fn, template } = setup({ latencyThreshold: Duration.millis(800) }, SloObjective.LATENCY);
    template.hasResourceProperties('AWS::ApplicationSignals::ServiceLevelObjective', {
      Sli: {
        SliMetric: {
          PeriodSeconds: 60,
          MetricDataQueries: [
            { Id: 'duration', MetricStat: lambdaMetric(stack, fn, 'Duration', 'p99'), ReturnData: false },
            { Id: 'latency', Expression: 'FILL(duration, 0)', ReturnData: true },
          ],
        },
        MetricThreshold: 800,
        ComparisonOperator: 'LessThan',
      },
      Goal: { AttainmentGoal: 99, Interval: { RollingInterval: { Duration: 30, DurationUnit: 'DAY' } } },
    });
  });

  test('takes another statistic and converts the threshold to milliseconds', () => {
    const { stack, fn, template } = setup({ latencyThreshold: Duration.seconds(2), latencyStatistic: 'p99.9', period: Duration.minutes(2) }, SloObjective.LATENCY);
    template.hasResourceProperties('AWS::ApplicationSignals::ServiceLevelObjective', {
      Sli: {
        SliMetric: { PeriodSeconds: 120, MetricDataQueries: Match.arrayWith([{ Id: 'duration', MetricStat: lambdaMetric(stack, fn, 'Duration', 'p99.9', 120), ReturnData: false }]) },
        MetricThreshold: 2000,
      },
    });
  });
});

describe('TracingSlo burn-rate alarms', () => {
  test('alarms on the BurnRate metric of each window: 14.4 over 1 h and 5 min, 6 over 6 h and 30 min', () => {
    const { template, slo } = setup({ sloName: 'checkout' });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', burnRateAlarm(60, 14.4));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', burnRateAlarm(5, 14.4));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', burnRateAlarm(360, 6));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', burnRateAlarm(30, 6));
    expect(slo.burnRateAlarms).toHaveLength(4);
  });

  test('puts each long and short window pair in an ALL_OF composite alarm that carries the actions', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'Charge', inlineFunctionProps());
    const topic = new sns.Topic(stack, 'Pager');
    const slo = new TracingSlo(stack, 'Slo', { function: fn, objective: SloObjective.AVAILABILITY, alarmActions: [new cloudwatchActions.SnsAction(topic)] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 2);
    expect(slo.burnRateCompositeAlarms).toHaveLength(2);
    const alarmId = (i: number) => stack.getLogicalId(slo.burnRateAlarms[i].node.defaultChild as any);
    const composites = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'));
    const rules = composites.map((c) => JSON.stringify(c.Properties.AlarmRule));
    for (const [long, short] of [[0, 1], [2, 3]]) {
      expect(rules.some((r) => /ALARM\(.*\) AND ALARM\(/.test(r) && r.includes(alarmId(long)) && r.includes(alarmId(short)))).toBe(true);
    }
    for (const composite of composites) {
      expect(composite.Properties.AlarmActions).toEqual([{ Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) }]);
    }
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
    }
  });

  test('takes other burn rates and follows the SLI period', () => {
    const { template } = setup({ sloName: 'checkout', fastBurnRate: 10, slowBurnRate: 3, period: Duration.minutes(5) });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', burnRateAlarm(60, 10, 300));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', burnRateAlarm(5, 10, 300));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', burnRateAlarm(360, 3, 300));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', burnRateAlarm(30, 3, 300));
  });

  test('creates no alarms and no burn-rate configurations when burnRateAlarms is false', () => {
    const { template, slo } = setup({ burnRateAlarms: false, period: Duration.minutes(15) });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 0);
    template.hasResourceProperties('AWS::ApplicationSignals::ServiceLevelObjective', { BurnRateConfigurations: Match.absent(), Sli: { SliMetric: { PeriodSeconds: 900 } } });
    expect(slo.burnRateAlarms).toEqual([]);
    expect(slo.burnRateCompositeAlarms).toEqual([]);
  });
});

describe('TracingSlo name', () => {
  test('derives a valid name from the stack and construct path, unique per construct', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'Charge', inlineFunctionProps());
    const a = new TracingSlo(stack, 'Availability', { function: fn, objective: SloObjective.AVAILABILITY });
    const b = new TracingSlo(stack, 'Latency', { function: fn, objective: SloObjective.LATENCY, latencyThreshold: Duration.seconds(1) });
    expect(a.sloName).toMatch(/^TestStack-Availability-[0-9A-F]{8}$/);
    expect(a.sloName).toMatch(/^[0-9A-Za-z][-._0-9A-Za-z ]{0,126}[0-9A-Za-z]$/);
    expect(b.sloName).not.toBe(a.sloName);
    Template.fromStack(stack).hasResourceProperties('AWS::ApplicationSignals::ServiceLevelObjective', { Name: a.sloName });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { Dimensions: Match.arrayWith([{ Name: 'SloName', Value: a.sloName }]) });
  });

  test('keeps a derived name within 128 characters', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'Charge', inlineFunctionProps());
    const slo = new TracingSlo(stack, 'S'.repeat(200), { function: fn, objective: SloObjective.AVAILABILITY });
    expect(slo.sloName.length).toBeLessThanOrEqual(128);
    expect(slo.sloName).toMatch(/^[0-9A-Za-z][-._0-9A-Za-z ]{0,126}[0-9A-Za-z]$/);
  });
});

describe('TracingSlo validation', () => {
  const latency = SloObjective.LATENCY;
  test.each<[string, Partial<TracingSloProps>, SloObjective, RegExp]>([
    ['a goal of 100', { goal: 100 }, SloObjective.AVAILABILITY, /^goal: 100 is not allowed; use a percentage above 0 and below 100/],
    ['a goal of 0', { goal: 0 }, SloObjective.AVAILABILITY, /^goal: 0 is not allowed; use a percentage above 0 and below 100/],
    ['a NaN goal', { goal: Number.NaN }, SloObjective.AVAILABILITY, /^goal: NaN is not allowed/],
    ['an interval of 0 days', { interval: Duration.days(0) }, SloObjective.AVAILABILITY, /^interval: 0 days is not allowed; use a whole number of days from 1 to 365/],
    ['an interval over a year', { interval: Duration.days(400) }, SloObjective.AVAILABILITY, /^interval: 400 days is not allowed; use a whole number of days from 1 to 365/],
    ['an interval in part days', { interval: Duration.hours(36) }, SloObjective.AVAILABILITY, /^interval: 1 day 12 hours is not allowed; use a whole number of days/],
    ['a period under a minute', { period: Duration.seconds(30) }, SloObjective.AVAILABILITY, /^period: 30 seconds is not allowed; use whole minutes from 1 to 15/],
    ['a period in part minutes', { period: Duration.seconds(90) }, SloObjective.AVAILABILITY, /^period: 1 minute 30 seconds is not allowed; use whole minutes from 1 to 15/],
    ['a period over 15 minutes', { period: Duration.minutes(20), burnRateAlarms: false }, SloObjective.AVAILABILITY, /^period: 20 minutes is not allowed; use whole minutes from 1 to 15/],
    ['a period longer than the fast short window', { period: Duration.minutes(10) }, SloObjective.AVAILABILITY,
      /^period: 10 minutes is not allowed; with burn-rate alarms, use at most 5 minutes/],
    ['an availabilityThreshold of 0', { availabilityThreshold: 0 }, SloObjective.AVAILABILITY, /^availabilityThreshold: 0 is not allowed; use a percentage above 0 and at most 100/],
    ['an availabilityThreshold over 100', { availabilityThreshold: 101 }, SloObjective.AVAILABILITY, /^availabilityThreshold: 101 is not allowed/],
    ['an availabilityThreshold on LATENCY', { availabilityThreshold: 99, latencyThreshold: Duration.seconds(1) }, latency,
      /^availabilityThreshold: 99 is not allowed; it applies to objective AVAILABILITY/],
    ['LATENCY without latencyThreshold', {}, latency, /^latencyThreshold: undefined is not allowed; objective LATENCY needs the duration/],
    ['a latencyThreshold of zero', { latencyThreshold: Duration.millis(0) }, latency, /^latencyThreshold: 0 millis is not allowed; use a duration above zero and at most 15 minutes/],
    ['a latencyThreshold over 15 minutes', { latencyThreshold: Duration.minutes(16) }, latency, /^latencyThreshold: 16 minutes is not allowed/],
    ['a latencyThreshold on AVAILABILITY', { latencyThreshold: Duration.seconds(1) }, SloObjective.AVAILABILITY,
      /^latencyThreshold: 1 second is not allowed; it applies to objective LATENCY/],
    ['a Sum latencyStatistic', { latencyThreshold: Duration.seconds(1), latencyStatistic: 'Sum' }, latency,
      /^latencyStatistic: 'Sum' is not allowed; use Average, Minimum, Maximum or a percentile such as p99/],
    ['a latencyStatistic on AVAILABILITY', { latencyStatistic: 'p99' }, SloObjective.AVAILABILITY, /^latencyStatistic: 'p99' is not allowed; it applies to objective LATENCY/],
    ['a one-character sloName', { sloName: 'a' }, SloObjective.AVAILABILITY, /^sloName: 'a' is not allowed; use 2-128 letters, digits, spaces/],
    ['an sloName with a slash', { sloName: 'checkout/charge' }, SloObjective.AVAILABILITY, /^sloName: 'checkout\/charge' is not allowed/],
    ['an sloName ending in a space', { sloName: 'checkout ' }, SloObjective.AVAILABILITY, /^sloName: 'checkout ' is not allowed/],
    ['an sloName of 129 characters', { sloName: 'a'.repeat(129) }, SloObjective.AVAILABILITY, /^sloName: 'a{129}' is not allowed/],
    ['an empty description', { description: '' }, SloObjective.AVAILABILITY, /^description: a text of 0 characters is not allowed; use 1-1024 characters/],
    ['a description of 1025 characters', { description: 'd'.repeat(1025) }, SloObjective.AVAILABILITY, /^description: a text of 1025 characters is not allowed/],
    ['a warningThreshold of 100', { warningThreshold: 100 }, SloObjective.AVAILABILITY, /^warningThreshold: 100 is not allowed; use a percentage above 0 and below 100/],
    ['a fastBurnRate of 1', { fastBurnRate: 1 }, SloObjective.AVAILABILITY, /^fastBurnRate: 1 is not allowed; use a burn rate above 1/],
    ['a slowBurnRate of 0.5', { slowBurnRate: 0.5 }, SloObjective.AVAILABILITY, /^slowBurnRate: 0.5 is not allowed; use a burn rate above 1/],
    ['a fastBurnRate without alarms', { burnRateAlarms: false, fastBurnRate: 10 }, SloObjective.AVAILABILITY, /^fastBurnRate: 10 is not allowed; it is a burn-rate alarm threshold and burnRateAlarms is false/],
    ['a slowBurnRate without alarms', { burnRateAlarms: false, slowBurnRate: 3 }, SloObjective.AVAILABILITY, /^slowBurnRate: 3 is not allowed; it is a burn-rate alarm threshold and burnRateAlarms is false/],
  ])('refuses %s', (_name, props, objective, message) => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'Charge', inlineFunctionProps());
    expect(() => new TracingSlo(stack, 'Slo', { function: fn, objective, ...props })).toThrow(message);
    expect(stack.node.tryFindChild('Slo')?.node.children ?? []).toHaveLength(0);
  });

  test('refuses alarmActions without alarms', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'Charge', inlineFunctionProps());
    const action = new cloudwatchActions.SnsAction(new sns.Topic(stack, 'Pager'));
    expect(() => new TracingSlo(stack, 'Slo', { function: fn, objective: SloObjective.AVAILABILITY, burnRateAlarms: false, alarmActions: [action] }))
      .toThrow(/^alarmActions: 1 action\(s\) is not allowed; they go on burn-rate alarms and burnRateAlarms is false/);
  });

  test('skips the checks of values only known at deploy time', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'Charge', inlineFunctionProps());
    const goal = Token.asNumber(new CfnParameter(stack, 'Goal', { type: 'Number' }).valueAsNumber);
    const days = new CfnParameter(stack, 'Days', { type: 'Number' }).valueAsNumber;
    const name = new CfnParameter(stack, 'SloName').valueAsString;
    const rate = new CfnParameter(stack, 'FastBurnRate', { type: 'Number' }).valueAsNumber;
    const millis = new CfnParameter(stack, 'Millis', { type: 'Number' }).valueAsNumber;
    expect(() => new TracingSlo(stack, 'Slo', {
      function: fn,
      objective: SloObjective.LATENCY,
      goal,
      interval: Duration.days(days),
      sloName: name,
      fastBurnRate: rate,
      latencyThreshold: Duration.millis(millis),
    })).not.toThrow();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApplicationSignals::ServiceLevelObjective', {
      Name: { Ref: 'SloName' },
      Sli: { MetricThreshold: { Ref: 'Millis' } },
      Goal: { AttainmentGoal: { Ref: 'Goal' }, Interval: { RollingInterval: { Duration: { Ref: 'Days' } } } },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: { Ref: 'FastBurnRate' } });
  });

  test('takes a deploy-time period in seconds without alarms, and refuses it with alarms', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'Charge', inlineFunctionProps());
    const period = Duration.seconds(new CfnParameter(stack, 'PeriodSeconds', { type: 'Number' }).valueAsNumber);
    expect(() => new TracingSlo(stack, 'WithAlarms', { function: fn, objective: SloObjective.AVAILABILITY, period }))
      .toThrow(/^period: a deploy-time value is not allowed; CDK must know the period of burn-rate alarms/);
    new TracingSlo(stack, 'Slo', { function: fn, objective: SloObjective.AVAILABILITY, period, burnRateAlarms: false });
    Template.fromStack(stack).hasResourceProperties('AWS::ApplicationSignals::ServiceLevelObjective', {
      Sli: { SliMetric: { PeriodSeconds: { Ref: 'PeriodSeconds' } } },
    });
  });
});

describe('TracingSlo on a REST API stage', () => {
  function apiSetup(objective: SloObjective, props: Partial<TracingSloProps> = {}) {
    const stack = regionalStack();
    const api = new apigateway.RestApi(stack, 'Api', { deployOptions: { stageName: 'prod' } });
    api.root.addMethod('GET', new apigateway.MockIntegration());
    new TracingSlo(stack, 'Slo', { apiStage: api.deploymentStage, objective, sloName: 'api', ...props });
    const slo = Object.values(Template.fromStack(stack).findResources('AWS::ApplicationSignals::ServiceLevelObjective'))[0].Properties;
    return { slo };
  }
  const apiDims = [
    { Name: 'ApiName', Value: 'Api' },
    { Name: 'Stage', Value: { Ref: expect.stringMatching(/^ApiDeploymentStageprod/) } },
  ];

  test('availability counts 5XX responses of the stage against its requests', () => {
    const { slo } = apiSetup(SloObjective.AVAILABILITY);
    const [requests, failures] = slo.Sli.SliMetric.MetricDataQueries;
    expect(requests.MetricStat).toEqual({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count', Dimensions: apiDims }, Period: 60, Stat: 'Sum' });
    expect(failures.MetricStat.Metric.MetricName).toBe('5XXError');
    expect(slo.Sli.ComparisonOperator).toBe('GreaterThanOrEqualTo');
  });

  test('latency reads the stage latency at the statistic', () => {
    const { slo } = apiSetup(SloObjective.LATENCY, { latencyThreshold: Duration.millis(800), latencyStatistic: 'p95' });
    const [latency] = slo.Sli.SliMetric.MetricDataQueries;
    expect(latency.MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Latency' }, Stat: 'p95' });
    expect(slo.Sli.MetricThreshold).toBe(800);
  });

  test('refuses both a function and a stage, or neither', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'Fn', inlineFunctionProps());
    const api = new apigateway.RestApi(stack, 'Api');
    api.root.addMethod('GET', new apigateway.MockIntegration());
    expect(() => new TracingSlo(stack, 'Both', { function: fn, apiStage: api.deploymentStage, objective: SloObjective.AVAILABILITY }))
      .toThrow(/^function: 'TestStack\/Fn' with apiStage 'TestStack\/Api\/DeploymentStage.prod' is not allowed; give exactly one of function and apiStage/);
    expect(() => new TracingSlo(stack, 'Neither', { objective: SloObjective.AVAILABILITY }))
      .toThrow(/^function: undefined without apiStage is not allowed; give exactly one of function and apiStage/);
  });
});
