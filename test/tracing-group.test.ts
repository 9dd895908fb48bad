import { App, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { inlineFunctionProps, regionalStack, snapshotOf } from './helpers';
import { FAULTS_GROUP_CONTEXT, OpenTelemetryLayer, TracedFunction, TracedQueue, TracingFilter, TracingGroup, TracingRegistry } from '../src';
import { FAULTS_GROUP_FILTER_BUDGET, MAX_DEFAULT_FAULTS_GROUPS } from '../src/sampling/default-faults-group';

describe('TracingFilter', () => {
  test('builds X-Ray filter expressions fluently', () => {
    expect(TracingFilter.service('charge').expression).toBe('service("charge")');
    expect(TracingFilter.fault().expression).toBe('fault = true');
    expect(TracingFilter.clientError().expression).toBe('error = true');
    expect(TracingFilter.responseTimeOver(2.5).expression).toBe('responsetime > 2.5');
    expect(TracingFilter.annotation('order_id', 'o-"1"').expression).toBe('annotation.order_id = "o-\\"1\\""');
    expect(TracingFilter.annotation('ColdStart', true).expression).toBe('annotation.ColdStart = true');
    expect(TracingFilter.annotation('retries', 3).expression).toBe('annotation.retries = 3');
    expect(TracingFilter.allOf(TracingFilter.fault(), TracingFilter.service('a'), TracingFilter.responseTimeOver(5)).expression)
      .toBe('(fault = true) AND (service("a")) AND (responsetime > 5)');
    expect(TracingFilter.allOf(TracingFilter.anyOf(TracingFilter.fault(), TracingFilter.clientError()), TracingFilter.raw('http.url CONTAINS "/pay"')).expression)
      .toBe('((fault = true) OR (error = true)) AND (http.url CONTAINS "/pay")');
    expect(TracingFilter.allOf(TracingFilter.fault()).expression).toBe('fault = true');
    expect(() => TracingFilter.anyOf()).toThrow(/^anyOf: no filters given; pass at least one/);
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
    new TracingGroup(stack, 'Faults', { groupName: 'checkout-faults', filter: TracingFilter.allOf(TracingFilter.fault(), TracingFilter.service('checkout')), insights: true });
    expect(snapshotOf(Template.fromStack(stack))).toMatchSnapshot();
  });

  test('writes the group with insights and exposes ApproximateTraceCount', () => {
    const stack = regionalStack();
    const group = new TracingGroup(stack, 'Slow', {
      groupName: 'slow-payments',
      filter: TracingFilter.allOf(TracingFilter.service('charge'), TracingFilter.responseTimeOver(3)),
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
    expect(TracingRegistry.of(stack).groups)
      .toEqual([{ owner: group, groupName: group.groupName, filterExpression: group.filter.expression, defaultFaultsGroup: false }]);
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

const faultsGroupsOf = (stack: Stack) => TracingRegistry.of(stack).groups.filter((g) => g.defaultFaultsGroup);
const groupsIn = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::XRay::Group')).map((g) => g.Properties);

describe('the default faults groups', () => {
  test('one group per app and environment covers the traced services of every stack, by literal service name', () => {
    const app = new App();
    const env = { account: '123456789012', region: 'eu-west-1' };
    const stacks = Array.from({ length: 30 }, (_, i) => new Stack(app, `Svc${i}`, { env }));
    stacks.forEach((stack, i) => {
      new TracedFunction(stack, 'Api', inlineFunctionProps());
      new TracedFunction(stack, 'Worker', { ...inlineFunctionProps(), serviceName: i % 2 === 0 ? 'shared-worker' : undefined });
    });
    const groups = groupsIn(stacks[0]);
    expect(groups).toHaveLength(1);
    expect(groups[0].GroupName).toBe('Svc0-faults');
    const expression: string = groups[0].FilterExpression;
    expect(expression.startsWith('(fault = true) AND (service("svc0-api") OR service("shared-worker") OR service("svc1-api")')).toBe(true);
    // each service once, every stack's services present
    expect(expression.match(/service\("shared-worker"\)/g)).toHaveLength(1);
    for (let i = 0; i < 30; i++) expect(expression).toContain(`service("svc${i}-api")`);
    expect(expression).toContain('service("svc29-worker")');
    for (const stack of stacks.slice(1)) expect(groupsIn(stack)).toHaveLength(0);
    // literal names: the host stack imports nothing from the others
    expect(JSON.stringify(Template.fromStack(stacks[0]).toJSON())).not.toContain('Fn::ImportValue');
    expect(faultsGroupsOf(stacks[0]).map((g) => g.groupName)).toEqual(['Svc0-faults']);
  });

  test('each environment gets its own group; region-agnostic stacks share one', () => {
    const app = new App();
    const east = new Stack(app, 'East', { env: { account: '123456789012', region: 'us-east-1' } });
    const west = new Stack(app, 'West', { env: { account: '123456789012', region: 'us-west-2' } });
    const anyA = new Stack(app, 'AnyA');
    const anyB = new Stack(app, 'AnyB');
    for (const stack of [east, west, anyA, anyB]) new TracedFunction(stack, 'F', inlineFunctionProps());
    expect(groupsIn(east).map((g) => g.FilterExpression)).toEqual(['(fault = true) AND (service("east-f"))']);
    expect(groupsIn(west).map((g) => g.FilterExpression)).toEqual(['(fault = true) AND (service("west-f"))']);
    expect(groupsIn(anyA).map((g) => g.FilterExpression)).toEqual(['(fault = true) AND (service("any-a-f") OR service("any-b-f"))']);
    expect(groupsIn(anyB)).toHaveLength(0);
  });

  test('each stage hosts its own group, even in one account and Region', () => {
    const app = new App();
    const env = { account: '123456789012', region: 'us-east-1' };
    const [beta, gamma] = ['Beta', 'Gamma'].map((name) => new Stack(new Stage(app, name), 'Orders', { env }));
    for (const stack of [beta, gamma]) new TracedFunction(stack, 'F', inlineFunctionProps());
    expect(groupsIn(beta).map((g) => [g.GroupName, g.FilterExpression])).toEqual([['Beta-Orders-faults', '(fault = true) AND (service("beta-orders-f"))']]);
    expect(groupsIn(gamma).map((g) => [g.GroupName, g.FilterExpression])).toEqual([['Gamma-Orders-faults', '(fault = true) AND (service("gamma-orders-f"))']]);
  });

  test('includes functions traced after the group was created, and not queues alone', () => {
    const stack = regionalStack();
    new TracedQueue(stack, 'Jobs');
    expect(faultsGroupsOf(stack)).toHaveLength(0);
    new TracedFunction(stack, 'A', inlineFunctionProps());
    new TracedFunction(stack, 'B', inlineFunctionProps());
    expect(groupsIn(stack).map((g) => g.FilterExpression)).toEqual(['(fault = true) AND (service("test-stack-a") OR service("test-stack-b"))']);
  });

  test('a function without a layer is matched by its function name where that needs no cross-stack reference', () => {
    const app = new App();
    const host = new Stack(app, 'Host', { env: { account: '123456789012', region: 'us-east-1' } });
    const other = new Stack(app, 'Other', { env: { account: '123456789012', region: 'us-east-1' } });
    new TracedFunction(host, 'Bare', { ...inlineFunctionProps(), openTelemetry: OpenTelemetryLayer.none() });
    new TracedFunction(other, 'Named', { ...inlineFunctionProps(), functionName: 'named-fn', openTelemetry: OpenTelemetryLayer.none() });
    new TracedFunction(other, 'Generated', { ...inlineFunctionProps(), openTelemetry: OpenTelemetryLayer.none() });
    const expression = JSON.stringify(groupsIn(host)[0].FilterExpression);
    expect(expression).toContain('{"Ref":"Bare');
    expect(expression).toContain('service(\\"named-fn\\")');
    expect(expression).not.toContain('Generated');
    expect(Annotations.fromStack(other).findWarning('/Other/Generated', Match.stringLikeRegexp('no OpenTelemetry layer and a function name only known at deploy time'))).toHaveLength(1);
  });

  test(`splits over more groups past ${FAULTS_GROUP_FILTER_BUDGET} characters, without moving services already placed`, () => {
    const stack = regionalStack();
    const name = (i: number) => `service-with-a-rather-long-descriptive-name-number-${String(i).padStart(4, '0')}`;
    for (let i = 0; i < 40; i++) new TracedFunction(stack, `F${i}`, { ...inlineFunctionProps(), serviceName: name(i) });
    const groups = groupsIn(stack);
    expect(groups.map((g) => g.GroupName)).toEqual(['TestStack-faults', 'TestStack-faults-2']);
    for (const g of groups) expect(g.FilterExpression.length).toBeLessThanOrEqual(FAULTS_GROUP_FILTER_BUDGET);
    expect(groups[0].FilterExpression).toContain(name(0));
    expect(groups[1].FilterExpression).toContain(name(39));
    for (let i = 0; i < 40; i++) expect(groups.filter((g) => g.FilterExpression.includes(`"${name(i)}"`))).toHaveLength(1);
  });

  test(`reduces to every faulty Lambda trace when more than ${MAX_DEFAULT_FAULTS_GROUPS} groups would be needed`, () => {
    const app = new App();
    const env = { account: '123456789012', region: 'us-east-1' };
    const stacks = Array.from({ length: 4 }, (_, s) => new Stack(app, s === 0 ? 'TestStack' : `More${s}`, { env }));
    for (let i = 0; i < 200; i++) new TracedFunction(stacks[i % 4], `F${i}`, { ...inlineFunctionProps(), serviceName: `a-long-enough-service-name-${i}` });
    const stack = stacks[0];
    const groups = groupsIn(stack);
    expect(groups).toEqual([{ GroupName: 'TestStack-faults', FilterExpression: 'fault = true AND service(id(type: "AWS::Lambda::Function"))' }]);
    expect(faultsGroupsOf(stack)).toHaveLength(1);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('need more than 3 default faults groups'))).toHaveLength(1);
  });

  test('a long stack name gets a generated name within 32 characters, with room for a suffix', () => {
    const stack = new Stack(new App(), 'AStackNameMuchLongerThanTwentyFiveCharacters');
    new TracedFunction(stack, 'F', inlineFunctionProps());
    const name = faultsGroupsOf(stack)[0].groupName;
    expect(name.length).toBeLessThanOrEqual(30);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  test('is not created without traced functions, or when the context turns it off', () => {
    const bare = regionalStack();
    new TracingGroup(bare, 'Own', { groupName: 'own', filter: TracingFilter.fault() });
    expect(faultsGroupsOf(bare)).toHaveLength(0);
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
