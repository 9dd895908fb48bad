import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { inlineFunctionProps, regionalStack, snapshotOf } from './helpers';
import { FAULTS_GROUP_CONTEXT, TracedFunction, TracedQueue, TracingFilter, TracingGroup, TracingRegistry } from '../src';

describe('TracingFilter', () => {
  test('builds X-Ray filter expressions fluently', () => {
    expect(TracingFilter.service('charge').expression).toBe('service("charge")');
    expect(TracingFilter.fault().expression).toBe('fault = true');
    expect(TracingFilter.error().expression).toBe('error = true');
    expect(TracingFilter.responseTimeOver(2.5).expression).toBe('responsetime > 2.5');
    expect(TracingFilter.annotation('order_id', 'o-"1"').expression).toBe('annotation.order_id = "o-\\"1\\""');
    expect(TracingFilter.annotation('ColdStart', true).expression).toBe('annotation.ColdStart = true');
    expect(TracingFilter.annotation('retries', 3).expression).toBe('annotation.retries = 3');
    expect(TracingFilter.fault().and(TracingFilter.service('a'), TracingFilter.responseTimeOver(5)).expression)
      .toBe('(fault = true) AND (service("a")) AND (responsetime > 5)');
    expect(TracingFilter.fault().or(TracingFilter.error()).and(TracingFilter.raw('http.url CONTAINS "/pay"')).expression)
      .toBe('((fault = true) OR (error = true)) AND (http.url CONTAINS "/pay")');
    expect(TracingFilter.fault().and().expression).toBe('fault = true');
  });

  test.each([
    ['an empty service', () => TracingFilter.service(''), /^service: the service name must not be empty/],
    ['a zero response time', () => TracingFilter.responseTimeOver(0), /^responseTimeOver: 0 is not allowed/],
    ['an annotation key with a dot', () => TracingFilter.annotation('a.b', 'x'), /^annotation: key 'a.b' is not allowed/],
    ['an empty raw expression', () => TracingFilter.raw('  '), /^raw: the filter expression must not be empty/],
  ])('refuses %s', (_name, build, message) => {
    expect(build).toThrow(message);
  });
});

describe('TracingGroup', () => {
  test('matches the snapshot', () => {
    const stack = regionalStack();
    new TracingGroup(stack, 'Faults', { groupName: 'checkout-faults', filter: TracingFilter.fault().and(TracingFilter.service('checkout')), insights: true });
    expect(snapshotOf(Template.fromStack(stack))).toMatchSnapshot();
  });

  test('writes the group with insights and exposes ApproximateTraceCount', () => {
    const stack = regionalStack();
    const group = new TracingGroup(stack, 'Slow', {
      groupName: 'slow-payments',
      filter: TracingFilter.service('charge').and(TracingFilter.responseTimeOver(3)),
      insights: true,
      notifications: true,
    });
    const metric = group.metricApproximateTraceCount();
    expect(metric).toMatchObject({ namespace: 'AWS/X-Ray', metricName: 'ApproximateTraceCount', dimensions: { GroupName: 'slow-payments' }, statistic: 'Sum' });
    new cloudwatch.Alarm(stack, 'SlowAlarm', { metric, threshold: 1, evaluationPeriods: 1 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::XRay::Group', {
      GroupName: 'slow-payments',
      FilterExpression: '(service("charge")) AND (responsetime > 3)',
      InsightsConfiguration: { InsightsEnabled: true, NotificationsEnabled: true },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/X-Ray', MetricName: 'ApproximateTraceCount', Period: 60 });
    expect(TracingRegistry.of(stack).groups).toEqual([{ owner: group, groupName: group.groupName, filterExpression: group.filter.expression, defaultFaultsGroup: false }]);
  });

  test.each([
    ['an empty name', { groupName: '' }, /^groupName: '' is not allowed/],
    ['a 33-character name', { groupName: 'g'.repeat(33) }, /^groupName: 'g{33}' is not allowed/],
    ['the reserved Default', { groupName: 'Default' }, /reserved 'Default'/],
    ['notifications without insights', { notifications: true }, /^notifications: true needs insights: true/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => new TracingGroup(regionalStack(), 'G', { groupName: 'g', filter: TracingFilter.fault(), ...props })).toThrow(message);
  });

  test('warns past 25 groups in one Region', () => {
    const app = new App();
    const stack = new Stack(app, 'Groups', { env: { region: 'eu-west-1' } });
    for (let i = 1; i <= 26; i++) new TracingGroup(stack, `G${i}`, { groupName: `g${i}`, filter: TracingFilter.fault() });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('X-Ray groups are defined')).map((w) => w.id)).toEqual(['/Groups/G26']);
  });
});

const faultsGroupOf = (stack: Stack) => TracingRegistry.of(stack).groups.find((g) => g.defaultFaultsGroup);

describe('the default faults group', () => {
  test('is created with the first traced resource and covers every traced function and queue of the stack', () => {
    const stack = regionalStack();
    expect(faultsGroupOf(stack)).toBeUndefined();
    new TracedFunction(stack, 'A', inlineFunctionProps());
    new TracedQueue(stack, 'Jobs');
    new TracedFunction(stack, 'B', inlineFunctionProps());
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::XRay::Group', 1);
    const [group] = Object.values(template.findResources('AWS::XRay::Group'));
    expect(group.Properties.GroupName).toBe('TestStack-faults');
    const expression = JSON.stringify(group.Properties.FilterExpression);
    expect(expression).toMatch(/^\{"Fn::Join":\["",\["\(fault = true\) AND \(service\(\\"",\{"Ref":"A/);
    expect(expression).toContain('{"Fn::GetAtt":["JobsQueue');
    expect(expression).toContain('{"Ref":"B');
    expect(faultsGroupOf(stack)?.groupName).toBe('TestStack-faults');
  });

  test('a long stack name gets a generated name within 32 characters', () => {
    const stack = new Stack(new App(), 'AStackNameMuchLongerThanTwentyFiveCharacters');
    new TracedQueue(stack, 'Q');
    const name = faultsGroupOf(stack)!.groupName;
    expect(name.length).toBeLessThanOrEqual(32);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test('is not created without traced resources, or when the context turns it off', () => {
    const bare = regionalStack();
    new TracingGroup(bare, 'Own', { groupName: 'own', filter: TracingFilter.fault() });
    expect(faultsGroupOf(bare)).toBeUndefined();
    const off = regionalStack('us-east-1', {}, { [FAULTS_GROUP_CONTEXT]: false });
    new TracedFunction(off, 'F', inlineFunctionProps());
    Template.fromStack(off).resourceCountIs('AWS::XRay::Group', 0);
    // `cdk synth -c @cdk-serverless-tracing/faultsGroup=false` passes a string.
    const fromCli = regionalStack('us-east-1', {}, { [FAULTS_GROUP_CONTEXT]: 'false' });
    new TracedFunction(fromCli, 'F', inlineFunctionProps());
    Template.fromStack(fromCli).resourceCountIs('AWS::XRay::Group', 0);
    expect(() => new TracedFunction(regionalStack('us-east-1', {}, { [FAULTS_GROUP_CONTEXT]: 'no' }), 'F', inlineFunctionProps()))
      .toThrow(/^@cdk-serverless-tracing\/faultsGroup: context value "no" is not allowed; use true or false/);
  });
});
