import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { inlineFunctionProps, regionalStack, snapshotOf } from './helpers';
import { OpenTelemetryLayer, SamplingStrategy, TracedFunction, TracingFilter, TracingGroup, TracingRegistry, TracingSamplingRule } from '../src';

describe('TracingSamplingRule', () => {
  test('matches the snapshot and defaults every matcher to *', () => {
    const stack = regionalStack();
    const rule = new TracingSamplingRule(stack, 'Api', { ruleName: 'api-default', priority: 100, fixedRate: 0.05 });
    const template = Template.fromStack(stack);
    expect(snapshotOf(template)).toMatchSnapshot();
    template.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: {
        RuleName: 'api-default',
        Priority: 100,
        FixedRate: 0.05,
        ReservoirSize: 1,
        Version: 1,
        ServiceName: '*',
        ServiceType: '*',
        Host: '*',
        HTTPMethod: '*',
        URLPath: '*',
        ResourceARN: '*',
        Attributes: Match.absent(),
        SamplingRateBoost: Match.absent(),
      },
    });
    expect(TracingRegistry.of(stack).samplingRules.map((r) => r.owner)).toEqual([rule]);
    expect(stack.resolve(rule.ruleArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Api/), 'RuleARN'] });
  });

  test('writes every field, attributes and the adaptive boost', () => {
    const stack = regionalStack();
    new TracingSamplingRule(stack, 'Payments', {
      priority: 10,
      fixedRate: 0.25,
      reservoirSize: 5,
      serviceName: 'orders-api/prod',
      serviceType: 'AWS::ApiGateway::Stage',
      host: '*.example.com',
      httpMethod: 'POST',
      urlPath: '/payments/*',
      resourceArn: 'arn:aws:execute-api:*',
      attributes: { tier: 'gold' },
      samplingRateBoost: { maxRate: 0.5, cooldown: Duration.minutes(5) },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({
        RuleName: Match.stringLikeRegexp('^TestStack-Payments'),
        Priority: 10,
        FixedRate: 0.25,
        ReservoirSize: 5,
        HTTPMethod: 'POST',
        URLPath: '/payments/*',
        Attributes: { tier: 'gold' },
        SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 5 },
      }),
    });
  });

  test('a generated rule name fits in 32 characters', () => {
    const stack = new Stack(new App(), 'AVeryLongStackNameForTheOrderPipeline');
    const rule = new TracingSamplingRule(stack, 'AnEvenLongerConstructIdForThePaymentsRoute', { priority: 1, fixedRate: 0.1 });
    expect(rule.ruleName.length).toBeLessThanOrEqual(32);
  });

  const invalid: Array<[string, object, RegExp]> = [
    ['priority 0', { priority: 0 }, /^priority: 0 is not allowed; use an integer from 1 to 9999/],
    ['priority 10000', { priority: 10000 }, /^priority: 10000 is not allowed/],
    ['a fractional priority', { priority: 1.5 }, /^priority: 1.5 is not allowed/],
    ['fixedRate 1.5', { fixedRate: 1.5 }, /^fixedRate: 1.5 is not allowed; use a number from 0 to 1/],
    ['a negative reservoir', { reservoirSize: -1 }, /^reservoirSize: -1 is not allowed; use an integer from 0 up/],
    ['a fractional reservoir', { reservoirSize: 0.5 }, /^reservoirSize: 0.5 is not allowed/],
    ['an empty rule name', { ruleName: '' }, /^ruleName: '' is not allowed; use 1-32 letters/],
    ['a 33-character rule name', { ruleName: 'r'.repeat(33) }, /^ruleName: 'r{33}' is not allowed/],
    ['a rule name with a space', { ruleName: 'my rule' }, /^ruleName: 'my rule' is not allowed/],
    ['a 65-character service name', { serviceName: 's'.repeat(65) }, /^serviceName: 's{65}' is not allowed; use 1-64 characters/],
    ['a 65-character service type', { serviceType: 't'.repeat(65) }, /^serviceType: /],
    ['a 65-character host', { host: 'h'.repeat(65) }, /^host: /],
    ['an 11-character HTTP method', { httpMethod: 'M'.repeat(11) }, /^httpMethod: 'M{11}' is not allowed; use 1-10 characters/],
    ['a 129-character URL path', { urlPath: `/${'p'.repeat(128)}` }, /^urlPath: .* use 1-128 characters/],
    ['a 501-character resource ARN', { resourceArn: 'a'.repeat(501) }, /^resourceArn: .* use 1-500 characters/],
    ['6 attributes', { attributes: { a: '1', b: '1', c: '1', d: '1', e: '1', f: '1' } }, /^attributes: 6 attributes are not allowed; X-Ray matches at most 5/],
    ['a 33-character attribute key', { attributes: { ['k'.repeat(33)]: 'v' } }, /^attributes: key 'k{33}' is not allowed; use 1-32 characters/],
    ['an empty attribute value', { attributes: { k: '' } }, /^attributes: value of 'k' '' is not allowed/],
    ['a boost rate above 1', { samplingRateBoost: { maxRate: 2, cooldown: Duration.minutes(1) } }, /^samplingRateBoost.maxRate: 2 is not allowed/],
    ['a 30-second boost cooldown', { samplingRateBoost: { maxRate: 0.5, cooldown: Duration.seconds(30) } }, /^samplingRateBoost.cooldown: 30 seconds is not allowed; use whole minutes, at least 1/],
  ];
  test.each(invalid)('refuses %s', (_name, props, message) => {
    expect(() => new TracingSamplingRule(regionalStack(), 'R', { priority: 1, fixedRate: 0.1, ...props })).toThrow(message);
  });

  test('refuses a priority another rule of the stack has', () => {
    const stack = regionalStack();
    new TracingSamplingRule(stack, 'A', { priority: 5, fixedRate: 0.1 });
    expect(() => new TracingSamplingRule(stack, 'B', { priority: 5, fixedRate: 0.2 })).toThrow(/^priority: 5 is already used by 'TestStack\/A'/);
    expect(() => new TracingSamplingRule(regionalStack(), 'B', { priority: 5, fixedRate: 0.2 })).not.toThrow();
  });

  test('warns on the rule that goes past 25 in one Region, across stacks', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: { region: 'eu-west-1' } });
    const b = new Stack(app, 'B', { env: { region: 'eu-west-1' } });
    const c = new Stack(app, 'C', { env: { region: 'us-east-1' } });
    for (let i = 1; i <= 20; i++) new TracingSamplingRule(a, `R${i}`, { priority: i, fixedRate: 0.1 });
    for (let i = 1; i <= 5; i++) new TracingSamplingRule(c, `R${i}`, { priority: i, fixedRate: 0.1 });
    for (let i = 1; i <= 6; i++) new TracingSamplingRule(b, `R${i}`, { priority: i, fixedRate: 0.1 });
    expect(Annotations.fromStack(b).findWarning('*', Match.stringLikeRegexp('sampling rules are defined for eu-west-1')).map((w) => w.id)).toEqual(['/B/R6']);
    expect(Annotations.fromStack(c).findWarning('*', Match.anyValue())).toEqual([]);
  });
});

describe('SamplingStrategy', () => {
  test('service, route, critical path and anomaly boost rules', () => {
    const stack = regionalStack();
    SamplingStrategy.forService(stack, 'Orders', { priority: 200, serviceName: 'order-pipeline-validate', percent: 5, reservoirPerSecond: 1 });
    SamplingStrategy.forRoute(stack, 'Api', { priority: 100, urlPath: '/orders', httpMethod: 'POST', percent: 5 });
    SamplingStrategy.criticalPath(stack, 'Payments', { priority: 10, urlPath: '/payments/*', percent: 100 });
    SamplingStrategy.boostOnAnomalies(stack, 'Charge', { priority: 300, serviceName: 'charge', percent: 1, maxPercent: 50 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::XRay::SamplingRule', { SamplingRule: Match.objectLike({ Priority: 200, FixedRate: 0.05, ServiceName: 'order-pipeline-validate' }) });
    template.hasResourceProperties('AWS::XRay::SamplingRule', { SamplingRule: Match.objectLike({ Priority: 100, FixedRate: 0.05, URLPath: '/orders', HTTPMethod: 'POST' }) });
    template.hasResourceProperties('AWS::XRay::SamplingRule', { SamplingRule: Match.objectLike({ Priority: 10, FixedRate: 1, URLPath: '/payments/*' }) });
    template.hasResourceProperties('AWS::XRay::SamplingRule', {
      SamplingRule: Match.objectLike({ Priority: 300, FixedRate: 0.01, SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 1 } }),
    });
  });

  test('refuses percentages outside 0-100 and a boost below the base rate', () => {
    expect(() => SamplingStrategy.forService(regionalStack(), 'S', { priority: 1, serviceName: 's', percent: 101 })).toThrow(/^percent: 101 is not allowed; use a percentage from 0 to 100/);
    expect(() => SamplingStrategy.boostOnAnomalies(regionalStack(), 'S', { priority: 1, serviceName: 's', percent: 10, maxPercent: 5 }))
      .toThrow(/^maxPercent: 5 is below percent \(10\)/);
  });
});

describe('samplingRatio on traced functions', () => {
  test('configures a parent-based ratio sampler, never the X-Ray remote sampler', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'F', { ...inlineFunctionProps(), samplingRatio: 0.05 });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.05' }) },
    });
  });

  test('without it the layer keeps its own sampler', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'F', inlineFunctionProps());
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OTEL_TRACES_SAMPLER: Match.absent() }) },
    });
  });

  const invalid: Array<[string, Partial<import('../src').TracedFunctionProps>, RegExp]> = [
    ['a ratio above 1', { samplingRatio: 1.5 }, /^samplingRatio: 1.5 is not allowed; use a number from 0 to 1/],
    ['a ratio without a layer', { samplingRatio: 0.5, openTelemetry: OpenTelemetryLayer.none() }, /^samplingRatio: 0.5 needs an OpenTelemetry layer/],
    ['the X-Ray remote sampler', { environment: { OTEL_TRACES_SAMPLER: 'xray' } }, /^environment: OTEL_TRACES_SAMPLER=xray .* Lambda does not support/],
    ['a ratio and another sampler', { samplingRatio: 0.5, environment: { OTEL_TRACES_SAMPLER: 'always_on' } }, /^samplingRatio: 0.5 contradicts OTEL_TRACES_SAMPLER='always_on'/],
  ];
  test.each(invalid)('refuses %s', (_name, props, message) => {
    expect(() => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(lambda.Runtime.NODEJS_22_X), ...props })).toThrow(message);
  });
});

describe('X-Ray names and rates that X-Ray would refuse or misread', () => {
  test('refuses the reserved rule name Default', () => {
    expect(() => new TracingSamplingRule(regionalStack(), 'R', { ruleName: 'Default', priority: 1, fixedRate: 0.1 }))
      .toThrow(/^ruleName: 'Default' is not allowed; X-Ray reserves it/);
  });

  test('refuses a boost whose maxRate is below the fixedRate', () => {
    expect(() => new TracingSamplingRule(regionalStack(), 'R', { priority: 1, fixedRate: 0.2, samplingRateBoost: { maxRate: 0.1, cooldown: Duration.minutes(1) } }))
      .toThrow(/^samplingRateBoost.maxRate: 0.1 is not allowed; a boost samples more, so use at least the rule's fixedRate \(0.2\)/);
  });

  test('refuses a rule or group name another stack of the app uses in the same account and Region, not in another Region', () => {
    const app = new App();
    const env = { account: '123456789012', region: 'us-east-1' };
    const a = new Stack(app, 'A', { env });
    const b = new Stack(app, 'B', { env });
    const west = new Stack(app, 'West', { env: { ...env, region: 'us-west-2' } });
    new TracingSamplingRule(a, 'R', { ruleName: 'api', priority: 1, fixedRate: 0.1 });
    new TracingGroup(a, 'G', { groupName: 'slow', filter: TracingFilter.responseTimeOver(3) });
    expect(() => new TracingSamplingRule(b, 'R', { ruleName: 'api', priority: 2, fixedRate: 0.1 }))
      .toThrow(/^ruleName: 'api' is already used by 'A\/R' in the same account and Region/);
    expect(() => new TracingGroup(b, 'G', { groupName: 'slow', filter: TracingFilter.fault() }))
      .toThrow(/^groupName: 'slow' is already used by 'A\/G' in the same account and Region/);
    expect(() => new TracingSamplingRule(west, 'R', { ruleName: 'api', priority: 1, fixedRate: 0.1 })).not.toThrow();
    expect(() => new TracingGroup(west, 'G', { groupName: 'slow', filter: TracingFilter.fault() })).not.toThrow();
  });
});
