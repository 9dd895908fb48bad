import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  OpenTelemetryLayer, ServerlessTracing, ServerlessTracingMode, TracedFunction, TracingAlarms, TracingDashboard, TracingRegistry, TracingReport,
} from '../src';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const code = lambda.Code.fromInline('exports.handler = async () => ({});');

/** An existing application written without this library, plus one TracedFunction. */
function legacyApp(context: Record<string, unknown> = {}): { app: App; stack: Stack } {
  const app = new App({ context });
  const stack = new Stack(app, 'Legacy', { env: ENV });
  new lambda.Function(stack, 'Orders', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
  new lambda.Function(stack, 'Reports', { runtime: lambda.Runtime.PYTHON_3_13, handler: 'index.handler', code: lambda.Code.fromInline('def handler(e, c): pass') });
  new lambda.DockerImageFunction(stack, 'Renderer', {
    code: lambda.DockerImageCode.fromEcr(ecr.Repository.fromRepositoryName(stack, 'Repo', 'renderer')),
  });
  new lambda.Function(stack, 'Resizer', {
    runtime: lambda.Runtime.PROVIDED_AL2023, handler: 'bootstrap', code: lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'Artifacts', 'artifacts'), 'resizer.zip'),
  });
  new TracedFunction(stack, 'Billing', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code, serviceName: 'billing' });
  const api = new apigateway.RestApi(stack, 'Api', { deployOptions: { stageName: 'prod' } });
  api.root.addMethod('GET', new apigateway.MockIntegration());
  const internal = new apigateway.RestApi(stack, 'InternalApi', { deployOptions: { stageName: 'internal', tracingEnabled: false } });
  internal.root.addMethod('GET', new apigateway.MockIntegration());
  new sfn.StateMachine(stack, 'Fulfilment', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Ship')) });
  new sns.Topic(stack, 'Notifications');
  return { app, stack };
}

function fn(template: Template, prefix: string): Record<string, any> {
  const [, resource] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith(prefix))!;
  return resource.Properties;
}

function warnings(stack: Stack): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('ServerlessTracing')).map((w) => `${w.id}: ${w.entry.data}`);
}

describe('ServerlessTracing.apply', () => {
  test('instruments every Lambda function it can, through the same plan as FunctionTracing.instrument', () => {
    const { app, stack } = legacyApp();
    ServerlessTracing.of(app).apply();
    const template = Template.fromStack(stack);
    expect(fn(template, 'Orders')).toMatchObject({
      TracingConfig: { Mode: 'Active' },
      Layers: [expect.stringMatching(/^arn:aws:lambda:eu-west-1:\d{12}:layer:AWSOpenTelemetryDistroJs:\d+$/)],
      LoggingConfig: { LogFormat: 'JSON' },
      Environment: { Variables: { OTEL_SERVICE_NAME: 'legacy-orders', AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument' } },
    });
    expect(fn(template, 'Reports')).toMatchObject({
      TracingConfig: { Mode: 'Active' },
      Layers: [expect.stringMatching(/:layer:AWSOpenTelemetryDistroPython:/)],
    });
    const registry = TracingRegistry.of(stack);
    expect(registry.functions.map((f) => f.function.node.id)).toEqual(['Billing', 'Orders', 'Reports']);
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^TracingXRayWritePolicy') }]),
    });
  });

  test('skips what cannot be instrumented, unchanged, with a warning naming the function and why', () => {
    const { app, stack } = legacyApp();
    ServerlessTracing.of(app).apply();
    const template = Template.fromStack(stack);
    for (const name of ['Renderer', 'Resizer']) {
      const props = fn(template, name);
      const touched = { name, tracing: props.TracingConfig, layers: props.Layers, env: props.Environment };
      expect(touched).toEqual({ name, tracing: undefined, layers: undefined, env: undefined });
    }
    expect(warnings(stack)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\/Legacy\/Renderer: ServerlessTracing left Legacy\/Renderer untraced: openTelemetry: 'Legacy\/Renderer' is a container image function/),
      expect.stringMatching(/^\/Legacy\/Resizer: ServerlessTracing left Legacy\/Resizer untraced: openTelemetry: runtime 'provided.al2023' of 'Legacy\/Resizer' does not run AWS_LAMBDA_EXEC_WRAPPER scripts/),
    ]));
    expect(TracingRegistry.of(stack).functions.map((f) => f.function.node.id)).not.toContain('Renderer');
  });

  test('leaves a TracedFunction exactly as it was, whatever options the aspect carries', () => {
    const plain = legacyApp();
    const traced = legacyApp();
    ServerlessTracing.of(traced.app).apply({ functions: { samplingRatio: 0.1 } });
    expect(fn(Template.fromStack(traced.stack), 'Billing')).toEqual(fn(Template.fromStack(plain.stack), 'Billing'));
    expect(fn(Template.fromStack(traced.stack), 'Orders')).toMatchObject({
      TracingConfig: { Mode: 'Active' }, Environment: { Variables: { OTEL_SERVICE_NAME: 'legacy-orders', OTEL_TRACES_SAMPLER_ARG: '0.1' } },
    });
  });

  test('options no function can take leave every function untraced, each with the reason', () => {
    const { app, stack } = legacyApp();
    ServerlessTracing.of(app).apply({ functions: { samplingRatio: 0.1, openTelemetry: OpenTelemetryLayer.none() } });
    expect(fn(Template.fromStack(stack), 'Orders').TracingConfig).toBeUndefined();
    expect(warnings(stack)).toContainEqual(expect.stringMatching(/^\/Legacy\/Orders: ServerlessTracing left Legacy\/Orders untraced: samplingRatio: 0.1 needs an OpenTelemetry layer/));
  });

  test('turns on REST API stage tracing, Step Functions tracing with X-Ray writes for the role, and SNS active tracing', () => {
    const { app, stack } = legacyApp();
    ServerlessTracing.of(app).apply();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod', TracingEnabled: true });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true } });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'], Resource: '*' })] },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'states.amazonaws.com' } })] }),
      ManagedPolicyArns: [{ Ref: Match.stringLikeRegexp('^TracingStateMachineXRayPolicy') }],
    });
    template.hasResourceProperties('AWS::SNS::Topic', { TracingConfig: 'Active' });
    const [xrayPolicy] = Object.values(template.findResources('AWS::XRay::ResourcePolicy'));
    expect(JSON.stringify(xrayPolicy.Properties.PolicyDocument)).toMatch(/"aws:SourceArn\\":\[\\"",\{"Ref":"Notifications[0-9A-F]+"\},"\\"\]/);
    const registry = TracingRegistry.of(stack);
    expect(registry.apiStages.map((s) => [s.apiName, s.stageName])).toEqual([['Api', 'prod']]);
    expect(registry.stateMachines.map((m) => m.owner.node.id)).toEqual(['Fulfilment']);
    expect(registry.topics.map((t) => t.owner.node.id)).toEqual(['Notifications']);
    const report = TracingReport.render(stack);
    expect(report).toContain('REST API stages traced: Api/prod');
    expect(report).toContain('State machines traced: Fulfilment');
    expect(report).toContain('Functions traced: 3');
  });

  test('respects an explicit opt-out on a stage, with a warning, and can leave each managed service out', () => {
    const { app, stack } = legacyApp();
    ServerlessTracing.of(app).apply({ stateMachines: false, topics: false });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'internal', TracingEnabled: false });
    expect(warnings(stack)).toContainEqual(expect.stringMatching(/left Legacy\/InternalApi\/DeploymentStage\.internal untraced: tracingEnabled is false on the stage/));
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: Match.absent() });
    template.hasResourceProperties('AWS::SNS::Topic', { TracingConfig: Match.absent() });
    template.resourceCountIs('AWS::XRay::ResourcePolicy', 0);
  });

  test('audit mode changes nothing and annotates what it would change', () => {
    const plain = legacyApp();
    const audited = legacyApp();
    ServerlessTracing.of(audited.app).apply({ mode: ServerlessTracingMode.AUDIT });
    expect(Template.fromStack(audited.stack).toJSON()).toEqual(Template.fromStack(plain.stack).toJSON());
    const infos = Annotations.fromStack(audited.stack).findInfo('*', Match.stringLikeRegexp('ServerlessTracing \\(audit\\)')).map((i) => `${i.id}: ${i.entry.data}`);
    expect(infos).toEqual(expect.arrayContaining([
      expect.stringMatching(/^\/Legacy\/Orders: .*would trace Legacy\/Orders: X-Ray Active; OpenTelemetry AWS_DISTRO \(NODEJS\); environment OTEL_SERVICE_NAME=legacy-orders/),
      expect.stringMatching(/Api\/DeploymentStage\.prod\/Resource: .*would turn on X-Ray tracing for REST API stage 'prod'/),
      expect.stringMatching(/Fulfilment\/Resource: .*would turn on X-Ray tracing for the state machine/),
      expect.stringMatching(/Notifications\/Resource: .*would turn on SNS active tracing/),
    ]));
    expect(infos.some((i) => i.includes('Billing'))).toBe(false);
    expect(warnings(audited.stack)).toContainEqual(expect.stringMatching(/Renderer untraced/));
    expect(TracingRegistry.of(audited.stack).apiStages).toEqual([]);
  });

  test('is idempotent: applied twice with the same options it changes nothing more; other options on the same scope are refused', () => {
    const once = legacyApp();
    ServerlessTracing.of(once.app).apply({ functions: { samplingRatio: 0.5 } });
    const twice = legacyApp();
    ServerlessTracing.of(twice.app).apply({ functions: { samplingRatio: 0.5 } });
    ServerlessTracing.of(twice.app).apply({ functions: { samplingRatio: 0.5 } });
    expect(Template.fromStack(twice.stack).toJSON()).toEqual(Template.fromStack(once.stack).toJSON());
    expect(() => ServerlessTracing.of(twice.app).apply({ functions: { samplingRatio: 0.2 } }))
      .toThrow("ServerlessTracing: '<app>' is already traced with other options; apply once per scope, or to separate scopes");
  });

  test('on an app and on one of its stacks, each function is traced once', () => {
    const { app, stack } = legacyApp();
    ServerlessTracing.of(app).apply();
    ServerlessTracing.of(stack).apply();
    const template = Template.fromStack(stack);
    expect(fn(template, 'Orders').Layers).toHaveLength(1);
    expect(TracingRegistry.of(stack).functions).toHaveLength(3);
  });

  test('adds a dashboard and alarms to every stack it traced, which include functions created after an existing dashboard', () => {
    const app = new App();
    const first = new Stack(app, 'First', { env: ENV });
    new TracingDashboard(first, 'OwnDashboard');
    new lambda.Function(first, 'Late', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
    const second = new Stack(app, 'Second', { env: ENV });
    new lambda.Function(second, 'Worker', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
    const untouched = new Stack(app, 'Storage', { env: ENV });
    new sns.Topic(untouched, 'Unused', { tracingConfig: sns.TracingConfig.PASS_THROUGH });
    ServerlessTracing.of(app).apply({ dashboards: true, alarms: {} });

    const firstTemplate = Template.fromStack(first);
    firstTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(firstTemplate.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    expect(body).toContain('first-late');
    firstTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^Late') } }],
    });
    firstTemplate.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmName: 'first-late-health' });

    const secondTemplate = Template.fromStack(second);
    secondTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    secondTemplate.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', { AlarmName: 'second-worker-health' });

    Template.fromStack(untouched).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(warnings(untouched)).toContainEqual(expect.stringMatching(/Unused untraced: tracingConfig is PassThrough/));
  });

  test('the stages and state machines it traces get dashboard sections and alarms of their own', () => {
    const { app, stack } = legacyApp();
    ServerlessTracing.of(app).apply({ dashboards: true, alarms: {} });
    const template = Template.fromStack(stack);
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    expect(body).toContain('[\\"AWS/ApiGateway\\",\\"5XXError\\",\\"ApiName\\",\\"Api\\",\\"Stage\\",\\"prod\\"');
    expect(body).toContain('REST API stages');
    expect(body).toMatch(/\[\\"AWS\/States\\",\\"ExecutionsFailed\\",\\"StateMachineArn\\",\\"",\{"Fn::GetAtt":\["Fulfilment[0-9A-F]+","Arn"\]\}/);
    expect(body).toContain('Api/prod: latency');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'legacy-api-prod-server-error-rate',
      Threshold: 5,
      Metrics: Match.arrayWith([Match.objectLike({ Expression: '100 * e' }), Match.objectLike({
        MetricStat: Match.objectLike({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Dimensions: Match.arrayWith([{ Name: 'Stage', Value: 'prod' }]) }, Stat: 'Average' }),
      })]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'legacy-fulfilment-failed-executions', Namespace: 'AWS/States', MetricName: 'ExecutionsFailed', Threshold: 1,
    });
  });

  test('refuses alarm thresholds for stages and state machines outside their range', () => {
    const { stack } = legacyApp();
    expect(() => new TracingAlarms(stack, 'Alarms', { thresholds: { apiServerErrorRatePercent: 150 } }))
      .toThrow('thresholds.apiServerErrorRatePercent: 150 is not allowed; use a number above 0 and at most 100');
    expect(() => new TracingAlarms(stack, 'Alarms2', { thresholds: { stateMachineFailedExecutions: 0 } }))
      .toThrow('thresholds.stateMachineFailedExecutions: 0 is not allowed');
  });

  test('excludePaths leaves those constructs alone; an empty path is refused', () => {
    const { app, stack } = legacyApp();
    ServerlessTracing.of(app).apply({ excludePaths: ['Legacy/Orders', 'Legacy/Api'] });
    const template = Template.fromStack(stack);
    expect(fn(template, 'Orders').TracingConfig).toBeUndefined();
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod', TracingEnabled: Match.absent() });
    expect(fn(template, 'Reports').TracingConfig).toEqual({ Mode: 'Active' });
    expect(() => ServerlessTracing.of(new App()).apply({ excludePaths: [''] })).toThrow('excludePaths: "" is not allowed');
  });

  test('gives the same template under aws-cdk-lib\'s stabilized aspect algorithm', () => {
    const classic = legacyApp();
    ServerlessTracing.of(classic.app).apply({ dashboards: true });
    const stabilized = legacyApp({ '@aws-cdk/core:aspectStabilization': true });
    ServerlessTracing.of(stabilized.app).apply({ dashboards: true });
    expect(Template.fromStack(stabilized.stack).toJSON()).toEqual(Template.fromStack(classic.stack).toJSON());
  });
});
