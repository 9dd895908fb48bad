import { App, Aspects, CfnParameter, Duration, IAspect, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { agnosticStack, inlineFunctionProps, regionalStack } from './helpers';
import { packFindings } from './nag-helpers';
import { TracedEventBus, TracedFunction, TracedQueue, TracedTopic } from '../src';
import { TracingCheckLevel, TracingChecks } from '../src/checks/tracing-checks';
import { acknowledgeNagFindings } from '../src/nag/nag-acknowledgement';

/** The stack's TracingChecks findings (errors and warnings), as "path: rule id". */
function findings(stack: Stack, pack: IAspect = new TracingChecks()): string[] {
  return packFindings(stack, [pack], /^TracingChecks-/).map((f) => f.replace(/^(.*?): (TracingChecks-\w+).*$/, '$1: $2'));
}

const DISTRO_LAYER = 'arn:aws:lambda:us-east-1:615299751070:layer:AWSOpenTelemetryDistroJs:8';

/** A function no rule reports: active tracing, the distro layer, a log group with retention. */
function cleanFunction(stack: Stack, id: string, props: Partial<lambda.FunctionProps> = {}): lambda.Function {
  return new lambda.Function(stack, id, {
    ...inlineFunctionProps(lambda.Runtime.NODEJS_24_X),
    tracing: lambda.Tracing.ACTIVE,
    layers: [lambda.LayerVersion.fromLayerVersionArn(stack, `${id}Layer`, DISTRO_LAYER)],
    ...props,
    logGroup: 'logGroup' in props ? props.logGroup : new logs.LogGroup(stack, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH }),
  });
}

/** A deploy-time string: every rule reading it must answer not applicable. */
function parameter(stack: Stack, id: string): string {
  return new CfnParameter(stack, id).valueAsString;
}

describe('TracingChecks-FunctionTracing', () => {
  test.each([
    ['PassThrough', lambda.Tracing.PASS_THROUGH],
    ['no tracing', lambda.Tracing.DISABLED],
  ])('reports a function with %s', (_name, tracing) => {
    const stack = regionalStack();
    cleanFunction(stack, 'Fn', { tracing });
    expect(findings(stack)).toEqual(['/TestStack/Fn/Resource: TracingChecks-FunctionTracing']);
  });

  test('accepts active tracing, and a mode only known at deploy time', () => {
    const stack = regionalStack();
    cleanFunction(stack, 'Fn');
    const deployTime = cleanFunction(stack, 'DeployTime');
    (deployTime.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: parameter(stack, 'Mode') };
    expect(findings(stack)).toEqual([]);
  });
});

describe('TracingChecks-FunctionOpenTelemetryLayer', () => {
  test.each([
    ['no layer', () => []],
    ['only another layer', (stack: Stack) => [lambda.LayerVersion.fromLayerVersionArn(stack, 'Utils', 'arn:aws:lambda:us-east-1:123456789012:layer:shared-utils:3')]],
  ])('reports an actively traced function with %s', (_name, layers) => {
    const stack = regionalStack();
    cleanFunction(stack, 'Fn', { layers: layers(stack) });
    expect(findings(stack)).toEqual(['/TestStack/Fn/Resource: TracingChecks-FunctionOpenTelemetryLayer']);
  });

  test('accepts the distro layer as a literal ARN, as the library\'s Fn::FindInMap, the legacy ADOT layer and the OpenTelemetry project\'s layer', () => {
    const stack = agnosticStack();
    const logGroup = new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    new TracedFunction(stack, 'Distro', { ...inlineFunctionProps(lambda.Runtime.NODEJS_24_X), logGroup });
    cleanFunction(stack, 'Literal');
    cleanFunction(stack, 'Adot', {
      layers: [],
      adotInstrumentation: {
        layerVersion: lambda.AdotLayerVersion.fromJavaScriptSdkLayerVersion(lambda.AdotLambdaLayerJavaScriptSdkVersion.LATEST),
        execWrapper: lambda.AdotLambdaExecWrapper.REGULAR_HANDLER,
      },
    });
    cleanFunction(stack, 'Community', { layers: [lambda.LayerVersion.fromLayerVersionArn(stack, 'Otel', 'arn:aws:lambda:us-east-1:184161586896:layer:opentelemetry-nodejs-0_11_0:1')] });
    expect(findings(stack)).toEqual([]);
  });

  test('does not apply to a layer only known at deploy time, nor to a container image', () => {
    const stack = regionalStack();
    cleanFunction(stack, 'Fn', { layers: [lambda.LayerVersion.fromLayerVersionArn(stack, 'Param', parameter(stack, 'LayerArn'))] });
    new lambda.DockerImageFunction(stack, 'Image', {
      code: lambda.DockerImageCode.fromEcr(ecr.Repository.fromRepositoryName(stack, 'Repo', 'app')),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: new logs.LogGroup(stack, 'ImageLogs', { retention: logs.RetentionDays.ONE_MONTH }),
    });
    expect(findings(stack)).toEqual([]);
  });
});

describe('TracingChecks-FunctionLogRetention', () => {
  test('reports a traced function writing to the log group Lambda creates, and to a log group kept forever', () => {
    const stack = regionalStack();
    cleanFunction(stack, 'Default', { logGroup: undefined });
    cleanFunction(stack, 'Forever', { logGroup: new logs.LogGroup(stack, 'ForeverLogs', { retention: logs.RetentionDays.INFINITE }) });
    expect(findings(stack)).toEqual([
      '/TestStack/Default/Resource: TracingChecks-FunctionLogRetention',
      '/TestStack/Forever/Resource: TracingChecks-FunctionLogRetention',
    ]);
  });

  test('reports a TracedFunction given no logGroup: the library leaves the log group to the application', () => {
    const stack = regionalStack();
    new TracedFunction(stack, 'Fn', inlineFunctionProps(lambda.Runtime.NODEJS_24_X));
    expect(findings(stack)).toEqual(['/TestStack/Fn/Resource: TracingChecks-FunctionLogRetention']);
  });

  test('accepts the default log group declared with retention, by reference or by name, and aws-cdk-lib\'s logRetention', () => {
    const stack = regionalStack();
    const byRef = cleanFunction(stack, 'ByRef', { logGroup: undefined });
    new logs.LogGroup(stack, 'ByRefLogs', { logGroupName: `/aws/lambda/${byRef.functionName}`, retention: logs.RetentionDays.ONE_WEEK });
    cleanFunction(stack, 'Named', { logGroup: undefined, functionName: 'orders-named' });
    new logs.LogGroup(stack, 'NamedLogs', { logGroupName: '/aws/lambda/orders-named', retention: logs.RetentionDays.ONE_WEEK });
    new logs.LogGroup(stack, 'SharedLogs', { logGroupName: 'orders-shared', retention: logs.RetentionDays.ONE_WEEK });
    cleanFunction(stack, 'SharedByName', { logGroup: logs.LogGroup.fromLogGroupName(stack, 'Shared', 'orders-shared') });
    // logRetention is deprecated in aws-cdk-lib, which says so on the console; apps still use it.
    const deprecation = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    cleanFunction(stack, 'Retained', { logGroup: undefined, logRetention: logs.RetentionDays.ONE_WEEK });
    deprecation.mockRestore();
    expect(findings(stack)).toEqual([]);
  });

  test('does not apply to a log group of another stack, a function name only known at deploy time, nor to an untraced function', () => {
    const stack = regionalStack();
    cleanFunction(stack, 'Imported', { logGroup: logs.LogGroup.fromLogGroupName(stack, 'Shared', 'shared-logs') });
    cleanFunction(stack, 'DeployTimeName', { logGroup: undefined, functionName: `orders-${parameter(stack, 'Stage')}` });
    cleanFunction(stack, 'PassThrough', { logGroup: undefined, tracing: lambda.Tracing.PASS_THROUGH });
    expect(findings(stack)).toEqual(['/TestStack/PassThrough/Resource: TracingChecks-FunctionTracing']);
  });
});

describe('TracingChecks-ResourceAttributesPersonalData', () => {
  test.each([
    'service.version=1.4.2,user.id=42',
    'session.id=abc',
    'client.address=203.0.113.7',
    'customer_id=7',
    'owner=jane%40example.com',
    'tenant=0b6c8f4e-4a6b-4e0c-9d7a-3f1e2a9b8c7d',
  ])('reports OTEL_RESOURCE_ATTRIBUTES=%s', (attributes) => {
    const stack = regionalStack();
    cleanFunction(stack, 'Fn', { environment: { OTEL_RESOURCE_ATTRIBUTES: attributes } });
    expect(findings(stack)).toEqual(['/TestStack/Fn/Resource: TracingChecks-ResourceAttributesPersonalData']);
  });

  test('accepts service facts, including a UUID service.instance.id and a value that is no valid percent-encoding, and does not apply to a deploy-time value', () => {
    const stack = regionalStack();
    cleanFunction(stack, 'Fn', {
      environment: {
        OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.4.2,deployment.environment=prod,cloud.account.id=123456789012,'
          + 'service.instance.id=0b6c8f4e-4a6b-4e0c-9d7a-3f1e2a9b8c7d,sample.share=100%',
      },
    });
    cleanFunction(stack, 'DeployTime', { environment: { OTEL_RESOURCE_ATTRIBUTES: `service.namespace=${parameter(stack, 'Namespace')}` } });
    expect(findings(stack)).toEqual([]);
  });
});

describe('TracingChecks-RestApiStageTracing', () => {
  function api(stack: Stack, id: string, deployOptions?: apigateway.StageOptions): apigateway.RestApi {
    const restApi = new apigateway.RestApi(stack, id, { deployOptions });
    restApi.root.addMethod('GET', new apigateway.MockIntegration());
    return restApi;
  }

  test('reports a stage without tracing', () => {
    const stack = regionalStack();
    api(stack, 'Api');
    expect(findings(stack)).toEqual(['/TestStack/Api/DeploymentStage.prod/Resource: TracingChecks-RestApiStageTracing']);
  });

  test('accepts a traced stage, and does not apply to a deploy-time setting', () => {
    const stack = regionalStack();
    api(stack, 'Traced', { tracingEnabled: true });
    const deployTime = api(stack, 'DeployTime');
    (deployTime.deploymentStage.node.defaultChild as apigateway.CfnStage).tracingEnabled = new CfnParameter(stack, 'Tracing', { type: 'String' }).value;
    expect(findings(stack)).toEqual([]);
  });
});

describe('TracingChecks-StateMachineTracing', () => {
  test.each([
    [false, ['/TestStack/Machine/Resource: TracingChecks-StateMachineTracing']],
    [true, []],
  ])('tracingEnabled %s', (tracingEnabled, expected) => {
    const stack = regionalStack();
    new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')), tracingEnabled });
    expect(findings(stack)).toEqual(expected);
  });
});

describe('TracingChecks-TopicActiveTracing', () => {
  test('reports a topic without tracing or with PassThrough', () => {
    const stack = regionalStack();
    new sns.Topic(stack, 'Plain');
    new sns.Topic(stack, 'PassThrough', { tracingConfig: sns.TracingConfig.PASS_THROUGH });
    expect(findings(stack)).toEqual([
      '/TestStack/Plain/Resource: TracingChecks-TopicActiveTracing',
      '/TestStack/PassThrough/Resource: TracingChecks-TopicActiveTracing',
    ]);
  });

  test('accepts an active topic and a TracedTopic', () => {
    const stack = regionalStack();
    new sns.Topic(stack, 'Active', { tracingConfig: sns.TracingConfig.ACTIVE });
    new TracedTopic(stack, 'Traced');
    expect(findings(stack)).toEqual([]);
  });
});

describe('TracingChecks-SqsSubscriptionRawDelivery', () => {
  test('reports a queue subscribed without raw delivery', () => {
    const stack = regionalStack();
    const topic = new sns.Topic(stack, 'Topic', { tracingConfig: sns.TracingConfig.ACTIVE });
    topic.addSubscription(new subscriptions.SqsSubscription(new sqs.Queue(stack, 'Queue')));
    expect(findings(stack)).toEqual([expect.stringMatching(/^\/TestStack\/Queue\/TestStackTopic\w+\/Resource: TracingChecks-SqsSubscriptionRawDelivery$/)]);
  });

  test('accepts raw delivery and TracedTopic.addSubscriber, and does not apply to a function subscription', () => {
    const stack = regionalStack();
    const topic = new sns.Topic(stack, 'Topic', { tracingConfig: sns.TracingConfig.ACTIVE });
    topic.addSubscription(new subscriptions.SqsSubscription(new sqs.Queue(stack, 'Queue'), { rawMessageDelivery: true }));
    topic.addSubscription(new subscriptions.LambdaSubscription(cleanFunction(stack, 'Fn')));
    new TracedTopic(stack, 'Traced').addSubscriber(new TracedQueue(stack, 'TracedQueue'));
    expect(findings(stack)).toEqual([]);
  });
});

describe('TracingChecks-SqsPartialBatchFailures', () => {
  test('reports an SQS event source without ReportBatchItemFailures, also on a queue known by its ARN', () => {
    const stack = regionalStack();
    cleanFunction(stack, 'Fn').addEventSource(new SqsEventSource(new sqs.Queue(stack, 'Queue')));
    cleanFunction(stack, 'Imported').addEventSource(new SqsEventSource(sqs.Queue.fromQueueArn(stack, 'Orders', 'arn:aws:sqs:us-east-1:123456789012:orders')));
    expect(findings(stack)).toEqual([
      expect.stringMatching(/^\/TestStack\/Fn\/SqsEventSource:TestStackQueue\w+\/Resource: TracingChecks-SqsPartialBatchFailures$/),
      expect.stringMatching(/^\/TestStack\/Imported\/SqsEventSource:TestStackOrders\w+\/Resource: TracingChecks-SqsPartialBatchFailures$/),
    ]);
  });

  test('accepts reportBatchItemFailures and TracedQueue.addConsumer, and does not apply to other event sources', () => {
    const stack = regionalStack();
    cleanFunction(stack, 'Fn').addEventSource(new SqsEventSource(new sqs.Queue(stack, 'Queue'), { reportBatchItemFailures: true }));
    new TracedQueue(stack, 'Traced').addConsumer(cleanFunction(stack, 'Consumer'));
    new lambda.EventSourceMapping(stack, 'Stream', {
      target: cleanFunction(stack, 'StreamReader'),
      eventSourceArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/clicks',
      startingPosition: lambda.StartingPosition.LATEST,
    });
    expect(findings(stack)).toEqual([]);
  });
});

describe('TracingChecks-QueueVisibilityTimeout', () => {
  const source = (queue: sqs.IQueue) => new SqsEventSource(queue, { reportBatchItemFailures: true });

  test('reports a queue that hides a message for less than 6 x its consumer\'s timeout, also through a version', () => {
    const stack = regionalStack();
    cleanFunction(stack, 'Fn', { timeout: Duration.seconds(10) }).addEventSource(source(new sqs.Queue(stack, 'Queue')));
    cleanFunction(stack, 'Versioned', { timeout: Duration.seconds(10) }).currentVersion.addEventSource(source(new sqs.Queue(stack, 'Other')));
    expect(findings(stack)).toEqual([
      expect.stringMatching(/^\/TestStack\/Fn\/SqsEventSource:TestStackQueue\w+\/Resource: TracingChecks-QueueVisibilityTimeout$/),
      expect.stringMatching(/^\/TestStack\/Versioned\/CurrentVersion\/SqsEventSource:TestStackOther\w+\/Resource: TracingChecks-QueueVisibilityTimeout$/),
    ]);
  });

  test('reads the queue of another stack that the event source references, not one of the same logical id in its own stack', () => {
    const app = new App();
    const env = { account: '123456789012', region: 'us-east-1' };
    const shared = new sqs.Queue(new Stack(app, 'Shared', { env }), 'Queue');
    const consumer = new Stack(app, 'Consumer', { env });
    new sqs.Queue(consumer, 'Queue', { visibilityTimeout: Duration.minutes(5) });
    cleanFunction(consumer, 'Fn', { timeout: Duration.seconds(10) }).addEventSource(source(shared));
    expect(findings(consumer)).toEqual([
      expect.stringMatching(/^\/Consumer\/Fn\/SqsEventSource:SharedQueue\w+\/Resource: TracingChecks-QueueVisibilityTimeout$/),
    ]);
  });

  test('accepts 6 x the timeout, the defaults (30 s, 3 s) and TracedQueue\'s derived timeout', () => {
    const stack = regionalStack();
    cleanFunction(stack, 'Fn', { timeout: Duration.seconds(10) }).addEventSource(source(new sqs.Queue(stack, 'Queue', { visibilityTimeout: Duration.seconds(60) })));
    cleanFunction(stack, 'Defaults').addEventSource(source(new sqs.Queue(stack, 'DefaultQueue')));
    new TracedQueue(stack, 'Traced').addConsumer(cleanFunction(stack, 'Consumer', { timeout: Duration.minutes(2) }));
    expect(findings(stack)).toEqual([]);
  });

  test('does not apply to a queue of another stack known by its ARN, nor to a deploy-time timeout', () => {
    const stack = regionalStack();
    cleanFunction(stack, 'Fn', { timeout: Duration.seconds(10) }).addEventSource(source(sqs.Queue.fromQueueArn(stack, 'Orders', 'arn:aws:sqs:us-east-1:123456789012:orders')));
    const deployTime = cleanFunction(stack, 'DeployTime');
    (deployTime.node.defaultChild as lambda.CfnFunction).timeout = new CfnParameter(stack, 'Timeout', { type: 'Number' }).valueAsNumber;
    deployTime.addEventSource(source(new sqs.Queue(stack, 'Queue')));
    expect(findings(stack)).toEqual([]);
  });
});

describe('EventBridge targets', () => {
  function ruleTo(stack: Stack, id: string, props: targets.SqsQueueProps): void {
    new events.Rule(stack, id, { eventPattern: { source: ['orders'] } }).addTarget(new targets.SqsQueue(new sqs.Queue(stack, `${id}Queue`), props));
  }

  test('TracingChecks-EventTargetDeadLetterQueue reports a target without a dead-letter queue', () => {
    const stack = regionalStack();
    ruleTo(stack, 'Rule', {});
    expect(findings(stack)).toEqual(['/TestStack/Rule/Resource: TracingChecks-EventTargetDeadLetterQueue']);
  });

  test('TracingChecks-EventTargetDeadLetterQueue accepts a dead-letter queue and TracedEventBus.addConsumer', () => {
    const stack = regionalStack();
    ruleTo(stack, 'Rule', { deadLetterQueue: new sqs.Queue(stack, 'DeadLetters') });
    new TracedEventBus(stack, 'Bus').addConsumer('ToQueue', new TracedQueue(stack, 'Traced'), { eventPattern: { source: ['orders'] } });
    expect(findings(stack)).toEqual([]);
  });

  test.each([
    ['a constant', events.RuleTargetInput.fromText('order placed')],
    ['an input path below detail', events.RuleTargetInput.fromEventPath('$.detail.order')],
    ['a template without the carrier', events.RuleTargetInput.fromObject({ order: events.EventField.fromPath('$.detail.order') })],
    ['a template with detail under another key', events.RuleTargetInput.fromObject({ payload: events.EventField.fromPath('$.detail') })],
  ])('TracingChecks-EventTargetTraceCarrier reports %s', (_name, message) => {
    const stack = regionalStack();
    ruleTo(stack, 'Rule', { message, deadLetterQueue: new sqs.Queue(stack, 'DeadLetters') });
    expect(findings(stack)).toEqual(['/TestStack/Rule/Resource: TracingChecks-EventTargetTraceCarrier']);
  });

  test('TracingChecks-EventTargetTraceCarrier accepts what the runtime reads the carrier from', () => {
    const stack = regionalStack();
    const deadLetterQueue = new sqs.Queue(stack, 'DeadLetters');
    const messages = [
      events.RuleTargetInput.fromEventPath('$'),
      events.RuleTargetInput.fromEventPath('$.detail'),
      events.RuleTargetInput.fromObject({ order: events.EventField.fromPath('$.detail.order'), _trace: events.EventField.fromPath('$.detail._trace') }),
      events.RuleTargetInput.fromObject({ detail: events.EventField.fromPath('$.detail'), at: events.EventField.time }),
      events.RuleTargetInput.fromEventPath(parameter(stack, 'InputPath')),
    ];
    messages.forEach((message, i) => ruleTo(stack, `Rule${i}`, { message, deadLetterQueue }));
    ruleTo(stack, 'WholeEvent', { deadLetterQueue });
    expect(findings(stack)).toEqual([]);
  });
});

describe('TracingChecks options and acknowledgements', () => {
  test('an error names the rule and gives the explanation and the fix', () => {
    const stack = regionalStack();
    new sns.Topic(stack, 'Topic');
    Aspects.of(stack).add(new TracingChecks());
    const rule = TracingChecks.rules.find((r) => r.id === 'TracingChecks-TopicActiveTracing')!;
    Annotations.fromStack(stack).hasError('/TestStack/Topic/Resource', `${rule.id}: ${rule.name}. ${rule.explanation} Fix: ${rule.fix}`);
  });

  test('level WARNING reports acknowledgeable warnings instead', () => {
    const stack = regionalStack();
    new sns.Topic(stack, 'Topic');
    Aspects.of(stack).add(new TracingChecks({ level: TracingCheckLevel.WARNING }));
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    annotations.hasWarning('/TestStack/Topic/Resource', Match.stringLikeRegexp('^TracingChecks-TopicActiveTracing: .*\\[ack: TracingChecks-TopicActiveTracing\\]$'));
  });

  test('disabledRules skips rules, and refuses an id that is no rule\'s', () => {
    const stack = regionalStack();
    new sns.Topic(stack, 'Topic');
    expect(findings(stack, new TracingChecks({ disabledRules: ['TracingChecks-TopicActiveTracing'] }))).toEqual([]);
    expect(() => new TracingChecks({ disabledRules: ['TracingChecks-TopicTracing'] }))
      .toThrow(/^disabledRules: 'TracingChecks-TopicTracing' is not a TracingChecks rule id; the ids are TracingChecks-FunctionTracing, /);
  });

  test('the library\'s cdk_nag metadata acknowledges a finding on the resource or the stack; granular, short or other acknowledgements do not', () => {
    const stack = regionalStack();
    const topics = ['Acknowledged', 'Granular', 'ShortReason', 'OtherRule'].map((id) => new sns.Topic(stack, id).node.defaultChild as sns.CfnTopic);
    const id = 'TracingChecks-TopicActiveTracing';
    acknowledgeNagFindings(topics[0], [{ id, reason: 'Alarm notifications are not part of any request.' }]);
    acknowledgeNagFindings(topics[1], [{ id, reason: 'Only one finding of the rule is acknowledged.', appliesTo: ['Topic'] }]);
    topics[2].addMetadata('cdk_nag', { rules_to_suppress: [{ id, reason: 'too short' }] });
    acknowledgeNagFindings(topics[3], [{ id: 'TracingChecks-FunctionTracing', reason: 'Acknowledges another rule entirely.' }]);
    expect(findings(stack)).toEqual(['Granular', 'ShortReason', 'OtherRule'].map((t) => `/TestStack/${t}/Resource: ${id}`));

    const acknowledgedStack = regionalStack();
    new sns.Topic(acknowledgedStack, 'Topic');
    acknowledgedStack.templateOptions.metadata = { cdk_nag: { rules_to_suppress: [{ id, reason: 'No topic of this stack carries traced requests.' }] } };
    expect(findings(acknowledgedStack)).toEqual([]);
  });

  test('rules lists every rule once, with a stable id, a name, an explanation and a fix, as copies', () => {
    const rules = TracingChecks.rules;
    expect(rules.map((r) => r.id)).toEqual([
      'TracingChecks-FunctionTracing', 'TracingChecks-FunctionOpenTelemetryLayer', 'TracingChecks-FunctionLogRetention',
      'TracingChecks-ResourceAttributesPersonalData', 'TracingChecks-RestApiStageTracing', 'TracingChecks-StateMachineTracing',
      'TracingChecks-TopicActiveTracing', 'TracingChecks-SqsSubscriptionRawDelivery', 'TracingChecks-SqsPartialBatchFailures',
      'TracingChecks-QueueVisibilityTimeout', 'TracingChecks-EventTargetDeadLetterQueue', 'TracingChecks-EventTargetTraceCarrier',
    ]);
    for (const rule of rules) {
      expect([rule.name.length, rule.explanation.length, rule.fix.length].every((n) => n > 20)).toBe(true);
    }
    (rules[0] as { name: string }).name = 'changed';
    expect(TracingChecks.rules[0].name).toBe('Lambda function without active tracing');
  });

  test('the library and the aspect load and run without cdk-nag installed', () => {
    jest.isolateModules(() => {
      jest.doMock('cdk-nag', () => {
        throw new Error('cdk-nag is not installed');
      });
      // Only require() loads modules into the isolated registry, where cdk-nag cannot be loaded.
      /* eslint-disable @typescript-eslint/no-require-imports */
      require('../src');
      const cdk = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
      const isolatedSns = require('aws-cdk-lib/aws-sns') as typeof sns;
      const { TracingChecks: Isolated } = require('../src/checks/tracing-checks') as typeof import('../src/checks/tracing-checks');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const app = new cdk.App();
      new isolatedSns.Topic(new cdk.Stack(app, 'NoNag'), 'Topic');
      cdk.Aspects.of(app).add(new Isolated());
      expect(app.synth().getStackArtifact('NoNag').messages.map((m) => `${m.id}: ${String(m.entry.data).split(':')[0]}`))
        .toEqual(['/NoNag/Topic/Resource: TracingChecks-TopicActiveTracing']);
    });
  });
});

test('an App-wide aspect checks every stack', () => {
  const app = new App();
  new sns.Topic(new Stack(app, 'One'), 'Topic');
  const two = new Stack(app, 'Two');
  new sns.Topic(two, 'Topic');
  Aspects.of(app).add(new TracingChecks());
  expect(Annotations.fromStack(two).findError('*', Match.stringLikeRegexp('^TracingChecks-')).map((m) => m.id)).toEqual(['/Two/Topic/Resource']);
});
