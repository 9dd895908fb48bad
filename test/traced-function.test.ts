import { Aws, Duration, Lazy, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { agnosticStack, inlineFunctionProps, regionalStack, snapshotOf } from './helpers';
import { OpenTelemetryLayer, OpenTelemetryMode, TracedFunction, TracingRegistry } from '../src';

const JS_US_EAST_1 = 'arn:aws:lambda:us-east-1:615299751070:layer:AWSOpenTelemetryDistroJs:15';

describe('TracedFunction defaults', () => {
  const stack = regionalStack();
  const fn = new TracedFunction(stack, 'Validate', { ...inlineFunctionProps(), timeout: Duration.seconds(10) });
  const template = Template.fromStack(stack);

  test('matches the snapshot', () => {
    expect(snapshotOf(template)).toMatchSnapshot();
  });

  test('turns on X-Ray active tracing and JSON logs', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON' },
    });
  });

  test('attaches the AWS distro layer for the region and runs the handler through /opt/otel-instrument', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Layers: [JS_US_EAST_1],
      Environment: {
        Variables: {
          AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument',
          OTEL_SERVICE_NAME: 'test-stack-validate',
          POWERTOOLS_SERVICE_NAME: 'test-stack-validate',
          OTEL_PROPAGATORS: 'baggage,tracecontext,xray',
          OTEL_AWS_APPLICATION_SIGNALS_ENABLED: 'true',
        },
      },
    });
  });

  test('grants X-Ray writes through one customer managed policy per stack holding only those two actions, acknowledged for cdk-nag', () => {
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    const [[policyId, policy]] = Object.entries(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(policy.Properties.PolicyDocument.Statement).toEqual([{ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' }]);
    expect(policy.Metadata.cdk_nag.rules_to_suppress).toEqual([expect.objectContaining({ id: 'AwsSolutions-IAM5', applies_to: ['Resource::*'] })]);
    // no inline policy carries an X-Ray statement (HIPAA and NIST 800-53 flag inline policies)
    const inline = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(inline.filter((s: any) => JSON.stringify(s.Action).includes('xray:'))).toEqual([]);
    // the role references it, so the function (which waits for its role) starts with the permission
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.arrayWith([{ Ref: policyId }]) });
  });

  test('attaches the Application Signals managed policy, acknowledged once for the stack and that policy only', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.arrayWith([{
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchLambdaApplicationSignalsExecutionRolePolicy']],
      }]),
    });
    expect(template.toJSON().Metadata.cdk_nag.rules_to_suppress).toEqual([{
      id: 'AwsSolutions-IAM4',
      reason: expect.stringMatching(/^CloudWatchLambdaApplicationSignalsExecutionRolePolicy is the policy AWS maintains/),
      applies_to: ['Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchLambdaApplicationSignalsExecutionRolePolicy'],
    }]);
    // not repeated on each role
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(JSON.stringify(role.Metadata ?? {})).not.toContain('AwsSolutions-IAM4');
    }
  });

  test('registers the function in the stack registry', () => {
    const record = TracingRegistry.of(stack).findFunction(fn);
    expect(record).toEqual(fn.tracingRecord);
    expect(record).toMatchObject({
      serviceName: 'test-stack-validate',
      tracing: lambda.Tracing.ACTIVE,
      openTelemetryMode: OpenTelemetryMode.AWS_DISTRO,
      layerArn: JS_US_EAST_1,
      execWrapper: '/opt/otel-instrument',
      applicationSignals: true,
    });
  });
});

describe('layer selection', () => {
  test('a region-agnostic stack resolves the layer at deploy time through a CfnMapping', () => {
    const stack = agnosticStack();
    const fn = new TracedFunction(stack, 'Fn', inlineFunctionProps());
    new TracedFunction(stack, 'Py', inlineFunctionProps(lambda.Runtime.PYTHON_3_12));
    const template = Template.fromStack(stack);
    expect(Token.isUnresolved(fn.tracingRecord.layerArn)).toBe(true);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Layers: [{ 'Fn::FindInMap': ['AwsOpenTelemetryDistroLayerArns', { Ref: 'AWS::Region' }, 'NODEJS'] }],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Layers: [{ 'Fn::FindInMap': ['AwsOpenTelemetryDistroLayerArns', { Ref: 'AWS::Region' }, 'PYTHON'] }],
    });
    const mappings = template.toJSON().Mappings;
    expect(Object.keys(mappings)).toEqual(['AwsOpenTelemetryDistroLayerArns']);
    expect(mappings.AwsOpenTelemetryDistroLayerArns['us-east-1']).toEqual({
      NODEJS: JS_US_EAST_1,
      PYTHON: 'arn:aws:lambda:us-east-1:615299751070:layer:AWSOpenTelemetryDistroPython:29',
    });
    expect(mappings.AwsOpenTelemetryDistroLayerArns['cn-north-1'].NODEJS).toMatch(/^arn:aws-cn:lambda:cn-north-1:440179912924:/);
  });

  test('an arm64 function gets the distro layer, which is published for both architectures', () => {
    const stack = regionalStack('eu-west-1');
    new TracedFunction(stack, 'Arm', { ...inlineFunctionProps(), architecture: lambda.Architecture.ARM_64 });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Layers: ['arn:aws:lambda:eu-west-1:615299751070:layer:AWSOpenTelemetryDistroJs:15'],
    });
  });

  test('a Python function gets the Python distro layer', () => {
    const stack = regionalStack('us-west-2');
    new TracedFunction(stack, 'Py', inlineFunctionProps(lambda.Runtime.PYTHON_3_13));
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'python3.13',
      Layers: ['arn:aws:lambda:us-west-2:615299751070:layer:AWSOpenTelemetryDistroPython:33'],
      Environment: { Variables: Match.objectLike({ AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument' }) },
    });
  });

  test('an opt-in region uses its own publisher account', () => {
    const stack = regionalStack('af-south-1');
    new TracedFunction(stack, 'Fn', inlineFunctionProps());
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Layers: ['arn:aws:lambda:af-south-1:904233096616:layer:AWSOpenTelemetryDistroJs:15'],
    });
  });

  test('Runtime.NODEJS_LATEST (a variable runtime) is judged by its family', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'Latest', inlineFunctionProps(lambda.Runtime.NODEJS_LATEST));
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Layers: [JS_US_EAST_1] });
  });

  test('a runtime whose name is a token is judged by its family', () => {
    const stack = agnosticStack();
    const runtime = new lambda.Runtime(Lazy.string({ produce: () => 'nodejs22.x' }), lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });
    expect(Token.isUnresolved(runtime.name)).toBe(true);
    new TracedFunction(stack, 'Token', inlineFunctionProps(runtime));
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Layers: [{ 'Fn::FindInMap': ['AwsOpenTelemetryDistroLayerArns', { Ref: 'AWS::Region' }, 'NODEJS'] }],
    });
  });

  test('OpenTelemetryLayer.none() gives X-Ray tracing without a layer or wrapper', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'Plain', {
      runtime: lambda.Runtime.RUBY_3_4,
      handler: 'app.handler',
      code: lambda.Code.fromBucket(s3.Bucket.fromBucketName(stack, 'Code', 'code-bucket'), 'plain.zip'),
      openTelemetry: OpenTelemetryLayer.none(),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      TracingConfig: { Mode: 'Active' },
      Layers: Match.absent(),
      Environment: { Variables: { OTEL_SERVICE_NAME: 'test-stack-plain', POWERTOOLS_SERVICE_NAME: 'test-stack-plain' } },
    });
    template.resourcePropertiesCountIs('AWS::IAM::Role', {
      ManagedPolicyArns: Match.arrayWith([Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':iam::aws:policy/CloudWatchLambdaApplicationSignalsExecutionRolePolicy'])]) })]),
    }, 0);
    expect(fn.tracingRecord).toMatchObject({ openTelemetryMode: OpenTelemetryMode.NONE, applicationSignals: false, layerArn: undefined });
  });

  test('OpenTelemetryLayer.fromLayerArn() attaches the given layer', () => {
    const stack = regionalStack();
    const arn = 'arn:aws:lambda:us-east-1:111122223333:layer:my-otel:3';
    new TracedFunction(stack, 'Custom', { ...inlineFunctionProps(), openTelemetry: OpenTelemetryLayer.fromLayerArn(arn) });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Layers: [arn],
      Environment: { Variables: Match.objectLike({ AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument', OTEL_AWS_APPLICATION_SIGNALS_ENABLED: 'true' }) },
    });
  });

  test('OpenTelemetryLayer.legacyAdot() uses aws-cdk-lib adotInstrumentation', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'Legacy', { ...inlineFunctionProps(), architecture: lambda.Architecture.ARM_64, openTelemetry: OpenTelemetryLayer.legacyAdot() });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Layers: [Match.stringLikeRegexp('^arn:aws:lambda:us-east-1:901920570463:layer:aws-otel-nodejs-arm64-ver-')],
      Environment: { Variables: Match.objectLike({ AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-handler', OTEL_PROPAGATORS: 'baggage,tracecontext,xray' }) },
      TracingConfig: { Mode: 'Active' },
    });
    expect(fn.tracingRecord.openTelemetryMode).toBe(OpenTelemetryMode.LEGACY_ADOT);
    expect(fn.tracingRecord.layerArn).toMatch(/aws-otel-nodejs-arm64/);
  });

  test('applicationSignals: false turns it off and attaches no managed policy', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'Quiet', { ...inlineFunctionProps(), applicationSignals: false });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OTEL_AWS_APPLICATION_SIGNALS_ENABLED: 'false' }) },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('CloudWatchLambdaApplicationSignalsExecutionRolePolicy');
  });

  test('tracing: PASS_THROUGH is honoured', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'Pass', { ...inlineFunctionProps(), tracing: lambda.Tracing.PASS_THROUGH });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'PassThrough' } });
  });

  test('an explicit serviceName is used for both ecosystems', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'Named', { ...inlineFunctionProps(), serviceName: 'orders.validate' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OTEL_SERVICE_NAME: 'orders.validate', POWERTOOLS_SERVICE_NAME: 'orders.validate' }) },
    });
  });

  test('a service name already in the environment is adopted', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'Env', { ...inlineFunctionProps(), environment: { POWERTOOLS_SERVICE_NAME: 'payments' } });
    expect(fn.tracingRecord.serviceName).toBe('payments');
  });

  test('text logging chosen by the user is kept, with a warning', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'Text', { ...inlineFunctionProps(), loggingFormat: lambda.LoggingFormat.TEXT });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogFormat: 'Text' } });
    Annotations.fromStack(stack).hasWarning('/TestStack/Text', Match.stringLikeRegexp('cannot be joined to traces'));
  });

  test('an imported role gets no grants, and a warning says what to grant', () => {
    const stack = regionalStack();
    const role = iam.Role.fromRoleArn(stack, 'Imported', 'arn:aws:iam::123456789012:role/existing');
    new TracedFunction(stack, 'Fn', { ...inlineFunctionProps(), role });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    Annotations.fromStack(stack).hasWarning('/TestStack/Fn', Match.stringLikeRegexp('xray:PutTraceSegments'));
    Annotations.fromStack(stack).hasWarning('/TestStack/Fn', Match.stringLikeRegexp('CloudWatchLambdaApplicationSignalsExecutionRolePolicy'));
  });

  test('functions share one X-Ray policy per stack, attached once per role', () => {
    const stack = regionalStack();
    const role = new iam.Role(stack, 'Shared', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new TracedFunction(stack, 'A', { ...inlineFunctionProps(), role });
    new TracedFunction(stack, 'B', { ...inlineFunctionProps(), role });
    new TracedFunction(stack, 'C', inlineFunctionProps());
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    const [policyId] = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'));
    const shared = Object.values(template.findResources('AWS::IAM::Role')).filter((r: any) => JSON.stringify(r.Properties.ManagedPolicyArns).includes(policyId));
    expect(shared).toHaveLength(2);
    expect(JSON.stringify(template.toJSON()).split(`{"Ref":"${policyId}"}`).length - 1).toBe(2);
  });
});

describe('TracedFunction refuses what it cannot honour, before creating anything', () => {
  const cases: Array<[string, () => void, RegExp]> = [
    ['tracing DISABLED', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), tracing: lambda.Tracing.DISABLED }), /^tracing: Tracing\.DISABLED contradicts a traced function/],
    ['an unknown region', () => new TracedFunction(regionalStack('xx-nowhere-1'), 'F', inlineFunctionProps()), /^openTelemetry: no AWSOpenTelemetryDistroJs layer is known for region 'xx-nowhere-1'/],
    ['a partition with no table entry', () => new TracedFunction(regionalStack('us-gov-west-1'), 'F', inlineFunctionProps()), /region 'us-gov-west-1'/],
    ['a region with no Python layer', () => new TracedFunction(regionalStack('me-south-1'), 'F', inlineFunctionProps(lambda.Runtime.PYTHON_3_12)), /no AWSOpenTelemetryDistroPython layer is known for region 'me-south-1'/],
    ['a Node.js runtime the layer does not support', () => new TracedFunction(regionalStack(), 'F', inlineFunctionProps(lambda.Runtime.NODEJS_16_X)), /^runtime: 'nodejs16\.x' is not supported by the AWSOpenTelemetryDistroJs layer; supported: nodejs18\.x/],
    ['a Python runtime the layer does not support', () => new TracedFunction(regionalStack(), 'F', inlineFunctionProps(lambda.Runtime.PYTHON_3_9)), /^runtime: 'python3\.9' is not supported/],
    ['Java with the distro', () => new TracedFunction(regionalStack(), 'F', inlineFunctionProps(lambda.Runtime.JAVA_21)), /^openTelemetry: there is no AWS OpenTelemetry distro layer for runtime 'java21'/],
    ['a Go runtime', () => new TracedFunction(regionalStack(), 'F', inlineFunctionProps(lambda.Runtime.GO_1_X)), /^openTelemetry: runtime 'go1\.x' .* does not run AWS_LAMBDA_EXEC_WRAPPER/],
    ['a custom runtime', () => new TracedFunction(regionalStack(), 'F', inlineFunctionProps(lambda.Runtime.PROVIDED_AL2023)), /^openTelemetry: runtime 'provided\.al2023'/],
    ['a container image', () => new TracedFunction(regionalStack(), 'F', { runtime: lambda.Runtime.FROM_IMAGE, handler: lambda.Handler.FROM_IMAGE, code: lambda.Code.fromEcrImage({ repositoryName: 'r' } as any) }), /container image function, which cannot have layers/],
    ['a foreign exec wrapper', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), environment: { AWS_LAMBDA_EXEC_WRAPPER: '/opt/datadog_wrapper' } }), /^environment: AWS_LAMBDA_EXEC_WRAPPER is '\/opt\/datadog_wrapper'.*'\/opt\/otel-instrument'/],
    ['propagators that drop X-Ray', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), environment: { OTEL_PROPAGATORS: 'tracecontext' } }), /^environment: OTEL_PROPAGATORS is 'tracecontext'/],
    ['a service name that contradicts the environment', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), serviceName: 'a', environment: { OTEL_SERVICE_NAME: 'b' } }), /^serviceName: 'a' contradicts the service name 'b'/],
    ['service names that disagree', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), environment: { OTEL_SERVICE_NAME: 'a', POWERTOOLS_SERVICE_NAME: 'b' } }), /^environment: OTEL_SERVICE_NAME \('a'\) and POWERTOOLS_SERVICE_NAME \('b'\) disagree/],
    ['an invalid service name', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), serviceName: 'has spaces' }), /^serviceName: 'has spaces' is not allowed as a service name/],
    ['applicationSignals contradicting the environment', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), applicationSignals: true, environment: { OTEL_AWS_APPLICATION_SIGNALS_ENABLED: 'false' } }), /^applicationSignals: true contradicts/],
    ['a malformed custom layer ARN', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), openTelemetry: OpenTelemetryLayer.fromLayerArn('my-layer') }), /^openTelemetry: 'my-layer' is not a Lambda layer version ARN/],
    ['more layers than Lambda allows', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), layers: [1, 2, 3, 4, 5].map((n) => lambda.LayerVersion.fromLayerVersionArn(regionalStack(), `L${n}`, `arn:aws:lambda:us-east-1:123456789012:layer:l${n}:1`)) }), /^openTelemetry: 'TestStack\/F' already has 5 layers, the most Lambda allows/],
    ['a custom layer from another region', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), openTelemetry: OpenTelemetryLayer.fromLayerArn('arn:aws:lambda:eu-west-1:111122223333:layer:otel:1') }), /^openTelemetry: layer '.*' is in eu-west-1, but 'TestStack\/F' deploys to us-east-1/],
    ['applicationSignals with no layer', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), openTelemetry: OpenTelemetryLayer.none(), applicationSignals: true }), /^applicationSignals: true needs the AWS distro layer .*, not NONE/],
    ['a Python legacy layer without the instrument wrapper', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(lambda.Runtime.PYTHON_3_12), openTelemetry: OpenTelemetryLayer.legacyAdot({ layerVersion: lambda.AdotLayerVersion.fromPythonSdkLayerVersion(lambda.AdotLambdaLayerPythonSdkVersion.LATEST), execWrapper: lambda.AdotLambdaExecWrapper.REGULAR_HANDLER }) }), /^openTelemetry: the Python ADOT layer runs handlers only through '\/opt\/otel-instrument', not '\/opt\/otel-handler'/],
    ['a deploy-time value in a variable the instrumentation owns', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), environment: { OTEL_SERVICE_NAME: Lazy.string({ produce: () => 'x' }) } }), /^environment: OTEL_SERVICE_NAME on 'TestStack\/F' is only known at deploy time/],
    ['an invalid service name from the environment', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), environment: { POWERTOOLS_SERVICE_NAME: 'a b' } }), /^environment: POWERTOOLS_SERVICE_NAME: 'a b' is not allowed as a service name/],
    ['adotInstrumentation passed directly', () => new TracedFunction(regionalStack(), 'F', { ...inlineFunctionProps(), adotInstrumentation: { layerVersion: lambda.AdotLayerVersion.fromJavaScriptSdkLayerVersion(lambda.AdotLambdaLayerJavaScriptSdkVersion.LATEST), execWrapper: lambda.AdotLambdaExecWrapper.REGULAR_HANDLER } }), /^adotInstrumentation: set openTelemetry: OpenTelemetryLayer\.legacyAdot/],
  ];

  test.each(cases)('%s', (_name, build, message) => {
    expect(build).toThrow(message);
  });

  test('nothing is left in the construct tree when validation fails', () => {
    const stack = regionalStack('xx-nowhere-1');
    expect(() => new TracedFunction(stack, 'F', inlineFunctionProps())).toThrow();
    expect(stack.node.tryFindChild('F')).toBeUndefined();
    expect(TracingRegistry.of(stack).functions).toHaveLength(0);
  });
});

describe('deploy-time values', () => {
  test('a token service name is written and survives the synth-time checks', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'F', { ...inlineFunctionProps(), serviceName: Aws.STACK_NAME });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ OTEL_SERVICE_NAME: { Ref: 'AWS::StackName' }, POWERTOOLS_SERVICE_NAME: { Ref: 'AWS::StackName' } }) },
    });
  });

  test('token values in other variables are left alone', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'F', { ...inlineFunctionProps(), environment: { TABLE: Aws.ACCOUNT_ID } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TABLE: { Ref: 'AWS::AccountId' }, OTEL_SERVICE_NAME: 'test-stack-f' }) },
    });
  });
});

describe('post-conditions checked at synth', () => {
  test('changing the exec wrapper after tracing fails synthesis', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'F', inlineFunctionProps());
    fn.addEnvironment('AWS_LAMBDA_EXEC_WRAPPER', '/opt/other');
    expect(() => Template.fromStack(stack)).toThrow(/AWS_LAMBDA_EXEC_WRAPPER was changed to "\/opt\/other" after the function was traced with "\/opt\/otel-instrument"/);
  });

  test('removing the tracing config after tracing fails synthesis', () => {
    const stack = regionalStack();
    const fn = new TracedFunction(stack, 'F', inlineFunctionProps());
    (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = undefined;
    expect(() => Template.fromStack(stack)).toThrow(/tracingConfig was removed/);
  });
});
