import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { inlineFunctionProps, regionalStack } from './helpers';
import { FunctionTracing, OpenTelemetryLayer, OpenTelemetryMode, TracingRegistry } from '../src';

/** aws-cdk-lib's own ADOT instrumentation for Node.js, as a user would set it on a function. */
const LEGACY_NODE_ADOT: lambda.AdotInstrumentationConfig = {
  layerVersion: lambda.AdotLayerVersion.fromJavaScriptSdkLayerVersion(lambda.AdotLambdaLayerJavaScriptSdkVersion.LATEST),
  execWrapper: lambda.AdotLambdaExecWrapper.REGULAR_HANDLER,
};

describe('FunctionTracing.instrument on an existing function', () => {
  test('applies the same instrumentation as TracedFunction', () => {
    const stack = regionalStack();
    const fn = new lambda.Function(stack, 'Existing', inlineFunctionProps());
    const record = FunctionTracing.instrument(fn, { serviceName: 'existing' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON' },
      Layers: ['arn:aws:lambda:us-east-1:615299751070:layer:AWSOpenTelemetryDistroJs:15'],
      Environment: { Variables: Match.objectLike({ AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument', OTEL_SERVICE_NAME: 'existing' }) },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' })] },
    });
    expect(TracingRegistry.of(stack).functions).toEqual([record]);
  });

  test('is idempotent: a second call adds nothing and returns the same record', () => {
    const stack = regionalStack();
    const fn = new lambda.Function(stack, 'Existing', inlineFunctionProps());
    const first = FunctionTracing.instrument(fn);
    const before = Template.fromStack(stack).toJSON();
    const second = FunctionTracing.instrument(fn);
    const third = FunctionTracing.instrument(fn, {
      openTelemetry: OpenTelemetryLayer.awsDistro(),
      applicationSignals: true,
      tracing: lambda.Tracing.ACTIVE,
    });
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(Template.fromStack(stack).toJSON()).toEqual(before);
    const fnProps = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    expect(Object.values(fnProps)[0].Properties.Layers).toHaveLength(1);
    expect(TracingRegistry.of(stack).functions).toHaveLength(1);
  });

  test('a second call with other options is an error naming what differs', () => {
    const stack = regionalStack();
    const fn = new lambda.Function(stack, 'Existing', inlineFunctionProps());
    FunctionTracing.instrument(fn);
    expect(() => FunctionTracing.instrument(fn, { serviceName: 'other', applicationSignals: false }))
      .toThrow(/^serviceName: 'other' \(traced with 'test-stack-existing'\); applicationSignals: false \(traced with true\): 'TestStack\/Existing' is already traced with other options/);
  });

  test('keeps a tracing mode the function already has, and adds no second X-Ray grant', () => {
    const stack = regionalStack();
    const fn = new lambda.Function(stack, 'Pass', { ...inlineFunctionProps(), tracing: lambda.Tracing.PASS_THROUGH });
    const record = FunctionTracing.instrument(fn, { openTelemetry: OpenTelemetryLayer.none() });
    expect(record.tracing).toBe(lambda.Tracing.PASS_THROUGH);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'PassThrough' } });
    const xrayStatements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => JSON.stringify(s.Action).includes('xray:'));
    expect(xrayStatements).toHaveLength(1);
  });

  test('an explicit tracing option overrides the function\'s mode', () => {
    const stack = regionalStack();
    const fn = new lambda.Function(stack, 'Pass', { ...inlineFunctionProps(), tracing: lambda.Tracing.PASS_THROUGH });
    FunctionTracing.instrument(fn, { tracing: lambda.Tracing.ACTIVE });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
  });

  test('adds JSON log format to an existing logging config without dropping its log group', () => {
    const stack = regionalStack();
    const fn = new lambda.Function(stack, 'Logged', { ...inlineFunctionProps(), logGroup: new logs.LogGroup(stack, 'Logs') });
    FunctionTracing.instrument(fn);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^Logs') } },
    });
  });

  test('recognizes a function created with aws-cdk-lib adotInstrumentation as LEGACY_ADOT', () => {
    const stack = regionalStack();
    const fn = new lambda.Function(stack, 'Adot', {
      ...inlineFunctionProps(),
      adotInstrumentation: LEGACY_NODE_ADOT,
    });
    const record = FunctionTracing.instrument(fn, { openTelemetry: OpenTelemetryLayer.legacyAdot() });
    expect(record.openTelemetryMode).toBe(OpenTelemetryMode.LEGACY_ADOT);
    expect(record.execWrapper).toBe('/opt/otel-handler');
    const layers = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0].Properties.Layers;
    expect(layers).toHaveLength(1);
  });

  test('refuses legacyAdot() settings that differ from the function\'s own', () => {
    const fn = new lambda.Function(regionalStack(), 'Adot', {
      ...inlineFunctionProps(),
      adotInstrumentation: LEGACY_NODE_ADOT,
    });
    expect(() => FunctionTracing.instrument(fn, {
      openTelemetry: OpenTelemetryLayer.legacyAdot({
        layerVersion: lambda.AdotLayerVersion.fromJavaScriptSdkLayerVersion(lambda.AdotLambdaLayerJavaScriptSdkVersion.LATEST),
        execWrapper: lambda.AdotLambdaExecWrapper.PROXY_HANDLER,
      }),
    })).toThrow(/^openTelemetry: legacyAdot\(\) asks for exec wrapper '\/opt\/otel-proxy-handler', but 'TestStack\/Adot' was created with adotInstrumentation using '\/opt\/otel-handler'/);
  });

  test('refuses a function whose layers are full, before changing anything', () => {
    const build = () => {
      const stack = regionalStack();
      const fn = new lambda.Function(stack, 'F', inlineFunctionProps());
      for (const n of [1, 2, 3, 4, 5]) fn.addLayers(lambda.LayerVersion.fromLayerVersionArn(stack, `L${n}`, `arn:aws:lambda:us-east-1:123456789012:layer:l${n}:1`));
      return { stack, fn };
    };
    const attempted = build();
    expect(() => FunctionTracing.instrument(attempted.fn)).toThrow(/^openTelemetry: 'TestStack\/F' already has 5 layers/);
    expect(Template.fromStack(attempted.stack).toJSON()).toEqual(Template.fromStack(build().stack).toJSON());
  });

  test('refuses tracing DISABLED', () => {
    const fn = new lambda.Function(regionalStack(), 'F', inlineFunctionProps());
    expect(() => FunctionTracing.instrument(fn, { tracing: lambda.Tracing.DISABLED })).toThrow(/^tracing: Tracing\.DISABLED contradicts instrumenting/);
  });

  test('refuses legacyAdot() on a function created without adotInstrumentation', () => {
    const stack = regionalStack();
    const fn = new lambda.Function(stack, 'F', inlineFunctionProps());
    expect(() => FunctionTracing.instrument(fn, { openTelemetry: OpenTelemetryLayer.legacyAdot() }))
      .toThrow(/^openTelemetry: OpenTelemetryLayer\.legacyAdot\(\) needs aws-cdk-lib's adotInstrumentation/);
    expect(TracingRegistry.of(stack).functions).toHaveLength(0);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { TracingConfig: Match.absent(), Layers: Match.absent() });
  });

  test('refuses the distro on a function that already has the ADOT layer', () => {
    const fn = new lambda.Function(regionalStack(), 'F', {
      ...inlineFunctionProps(),
      adotInstrumentation: LEGACY_NODE_ADOT,
    });
    expect(() => FunctionTracing.instrument(fn)).toThrow(/already has aws-cdk-lib's adotInstrumentation layer/);
  });

  test('a failed instrumentation leaves the function untouched', () => {
    const build = () => {
      const stack = regionalStack();
      return { stack, fn: new lambda.Function(stack, 'F', { ...inlineFunctionProps(), environment: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/custom' } }) };
    };
    const attempted = build();
    expect(() => FunctionTracing.instrument(attempted.fn)).toThrow(/AWS_LAMBDA_EXEC_WRAPPER is '\/opt\/custom'/);
    expect(Template.fromStack(attempted.stack).toJSON()).toEqual(Template.fromStack(build().stack).toJSON());
  });
});
