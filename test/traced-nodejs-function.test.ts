import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { agnosticStack, regionalStack, snapshotOf } from './helpers';
import { OpenTelemetryMode, TracedNodejsFunction, TracingRegistry } from '../src';

const ENTRY = path.join(__dirname, 'fixtures', 'otel-handler.ts');

describe('TracedNodejsFunction', () => {
  // The CLI's asset metadata tells the test where the bundle was staged.
  const stack = regionalStack('us-east-1', {}, { 'aws:cdk:enable-asset-metadata': true });
  const fn = new TracedNodejsFunction(stack, 'Handler', { entry: ENTRY, runtime: lambda.Runtime.NODEJS_24_X });
  const template = Template.fromStack(stack);

  test('matches the snapshot', () => {
    expect(snapshotOf(template)).toMatchSnapshot();
  });

  test('is traced like TracedFunction', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      TracingConfig: { Mode: 'Active' },
      Layers: ['arn:aws:lambda:us-east-1:615299751070:layer:AWSOpenTelemetryDistroJs:15'],
      Environment: { Variables: Match.objectLike({ AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-instrument', OTEL_SERVICE_NAME: 'test-stack-handler' }) },
    });
    expect(TracingRegistry.of(stack).findFunction(fn)?.openTelemetryMode).toBe(OpenTelemetryMode.AWS_DISTRO);
  });

  test('source maps are on for readable stack traces', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps' }) },
    });
  });

  test('a user NODE_OPTIONS keeps its flags and gains source maps', () => {
    const s = regionalStack();
    new TracedNodejsFunction(s, 'F', { entry: ENTRY, environment: { NODE_OPTIONS: '--max-old-space-size=256' } });
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--max-old-space-size=256 --enable-source-maps' }) },
    });
  });

  test('turning source maps off leaves NODE_OPTIONS alone', () => {
    const s = regionalStack();
    new TracedNodejsFunction(s, 'F', { entry: ENTRY, bundling: { sourceMap: false } });
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: Match.absent() }) },
    });
  });

  test('bundles @opentelemetry/api (the layer puts none on the module path) and leaves @aws-sdk out', () => {
    const bundle = readBundle(fn);
    expect(bundle).toContain('opentelemetry.js.api.');
    expect(bundle).toMatch(/require\("@aws-sdk\/client-sqs"\)/);
    expect(bundle).not.toContain('class SQSClient');
  });

  test('the default runtime is accepted in a region-agnostic stack', () => {
    const agnostic = agnosticStack();
    new TracedNodejsFunction(agnostic, 'Latest', { entry: ENTRY });
    Template.fromStack(agnostic).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Layers: [{ 'Fn::FindInMap': ['AwsOpenTelemetryDistroLayerArns', { Ref: 'AWS::Region' }, 'NODEJS'] }],
    });
  });

  test('refuses tracing DISABLED before bundling anything', () => {
    const s = regionalStack();
    expect(() => new TracedNodejsFunction(s, 'F', { entry: ENTRY, tracing: lambda.Tracing.DISABLED })).toThrow(/^tracing: Tracing\.DISABLED/);
    expect(s.node.tryFindChild('F')).toBeUndefined();
  });
});

/** The bundled handler of a NodejsFunction, read from its staged asset. */
function readBundle(fn: TracedNodejsFunction): string {
  const outdir = (fn.node.root as App).synth().directory;
  const assetPath = (fn.node.defaultChild as lambda.CfnFunction).getMetadata('aws:asset:path') as string;
  return fs.readFileSync(path.join(outdir, assetPath, 'index.js'), 'utf8');
}

describe('TracedNodejsFunction for a newcomer', () => {
  test('refuses a missing entry instead of looking for a handler inside this library', () => {
    const s = regionalStack();
    expect(() => new TracedNodejsFunction(s, 'Orders', {} as any))
      .toThrow("entry: 'TestStack/Orders' needs the path of its handler file (entry: path.join(__dirname, 'handlers', 'orders.ts'))");
  });

  test('defaults to the newest Node.js runtime the distro layer supports, never the L2\'s own default', () => {
    const s = regionalStack('eu-west-1');
    new TracedNodejsFunction(s, 'F', { entry: ENTRY });
    Template.fromStack(s).hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x' });
  });
});
