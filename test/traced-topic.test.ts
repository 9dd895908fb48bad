import { App, CfnParameter, CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { inlineFunctionProps, regionalStack, snapshotOf } from './helpers';
import { SNS_XRAY_POLICY_CONTEXT, TracedConnectionRole, TracedFunction, TracedQueue, TracedTopic, TracingRegistry, TracingReport } from '../src';

describe('TracedTopic', () => {
  const stack = regionalStack();
  const orderEvents = new TracedTopic(stack, 'OrderEvents');
  const other = new TracedTopic(stack, 'Other');
  const audit = new TracedQueue(stack, 'Audit');
  const notify = new TracedFunction(stack, 'Notify', inlineFunctionProps());
  const producer = new TracedFunction(stack, 'Producer', inlineFunctionProps());
  orderEvents.addSubscriber(audit);
  orderEvents.addSubscriber(notify, { filterPolicy: { kind: sns.SubscriptionFilter.stringFilter({ allowlist: ['paid'] }) } });
  const variable = orderEvents.addProducer(producer);
  const template = Template.fromStack(stack);

  test('matches the snapshot', () => {
    expect(snapshotOf(template)).toMatchSnapshot();
  });

  test('is actively traced, encrypted with the AWS managed key by default, and SSL-only', () => {
    const awsManagedKey = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:us-east-1:123456789012:alias/aws/sns']] };
    template.resourcePropertiesCountIs('AWS::SNS::Topic', { TracingConfig: 'Active', KmsMasterKeyId: awsManagedKey }, 2);
    template.resourcePropertiesCountIs('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    }, 2);
  });

  test('one X-Ray resource policy per stack lets SNS write segments for exactly its topics', () => {
    template.resourceCountIs('AWS::XRay::ResourcePolicy', 1);
    const [policy] = Object.values(template.findResources('AWS::XRay::ResourcePolicy'));
    const document = JSON.stringify(policy.Properties.PolicyDocument);
    expect(document).toContain('\\"Service\\":\\"sns.amazonaws.com\\"');
    expect(document).toContain('xray:PutTraceSegments');
    expect(document).toContain('\\"aws:SourceAccount\\":\\"');
    expect(document).toMatch(/OrderEventsTopic.*OtherTopic/);
    expect(policy.Properties.PolicyName).toMatch(/-sns$/);
  });

  test('a queue subscribes with raw delivery and its own dead-letter queue; a function gets one', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sqs',
      RawMessageDelivery: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuditDeadLetterQueue'), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      FilterPolicy: { kind: ['paid'] },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrderEventsDeadLetterQueue'), 'Arn'] } },
    });
  });

  test('a producer may publish and knows the topic ARN; no key wildcard', () => {
    expect(variable).toBe('ORDER_EVENTS_TOPIC_ARN');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'sns:Publish', Effect: 'Allow', Resource: { Ref: Match.stringLikeRegexp('^OrderEventsTopic') } }]) },
      Roles: [{ Ref: Match.stringLikeRegexp('^ProducerServiceRole') }],
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/kms:GenerateDataKey\*/);
  });

  test('is in the registry and the report', () => {
    const registry = TracingRegistry.of(stack);
    expect(registry.topics.map((t) => t.owner)).toEqual([orderEvents, other]);
    expect(registry.topicSubscriptions.map((s) => s.target)).toEqual([audit, notify]);
    expect(registry.connectionsOf(orderEvents).map((c) => [c.function, c.role]))
      .toEqual([[notify, TracedConnectionRole.CONSUMER], [producer, TracedConnectionRole.PRODUCER]]);
    expect(TracingReport.render(stack)).toMatch(/OrderEvents\n\s+producers: Producer\n\s+subscriber Audit \(dead-letter queue: Audit\/DeadLetterQueue\)/);
  });
});

describe('TracedTopic options', () => {
  test('a customer key encrypts the topic and producers get exactly the key actions they need', () => {
    const stack = regionalStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const topic = new TracedTopic(stack, 'T', { masterKey: key });
    topic.addProducer(new TracedFunction(stack, 'P', inlineFunctionProps()));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'] })]) },
    });
  });

  test('FIFO topics take FIFO queues; functions and mismatched queues are refused before anything is created', () => {
    const stack = regionalStack();
    const topic = new TracedTopic(stack, 'T', { fifo: true, contentBasedDeduplication: true });
    topic.addSubscriber(new TracedQueue(stack, 'Fifo', { fifo: true }));
    expect(() => topic.addSubscriber(new TracedQueue(stack, 'Standard'))).toThrow(/^addSubscriber: 'TestStack\/Standard' is a standard queue and 'TestStack\/T' a FIFO topic/);
    expect(() => topic.addSubscriber(new TracedFunction(stack, 'F', inlineFunctionProps()))).toThrow(/^addSubscriber: 'TestStack\/F' is a function and 'TestStack\/T' a FIFO topic; SNS FIFO topics deliver to SQS queues only/);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Topic', { FifoTopic: true, ContentBasedDeduplication: true });
    template.resourceCountIs('AWS::SNS::Subscription', 1);
  });

  test('past 20 topics the policy scopes to the account\'s topic ARNs, staying under 5,120 characters', () => {
    const stack = regionalStack();
    for (let i = 0; i < 21; i++) new TracedTopic(stack, `Topic${i}`);
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::XRay::ResourcePolicy'));
    const document = JSON.stringify(policy.Properties.PolicyDocument);
    expect(document).toContain(':sns:');
    expect(document).not.toContain('Topic0Topic');
  });

  test('the policy can be left out, and more than 5 stacks of one environment are warned about', () => {
    const off = regionalStack('us-east-1', {}, { [SNS_XRAY_POLICY_CONTEXT]: 'false' });
    new TracedTopic(off, 'T');
    Template.fromStack(off).resourceCountIs('AWS::XRay::ResourcePolicy', 0);
    const app = new App();
    const stacks = Array.from({ length: 6 }, (_, i) => new Stack(app, `S${i}`, { env: { account: '123456789012', region: 'eu-west-1' } }));
    for (const s of stacks) new TracedTopic(s, 'T');
    expect(Annotations.fromStack(stacks[5]).findWarning('*', Match.stringLikeRegexp('X-Ray allows 5'))).toHaveLength(1);
  });

  test('refuses deduplication on a standard topic and a taken producer variable', () => {
    expect(() => new TracedTopic(regionalStack(), 'T', { contentBasedDeduplication: true })).toThrow(/^contentBasedDeduplication: only FIFO topics deduplicate/);
    const stack = regionalStack();
    const topic = new TracedTopic(stack, 'T');
    const fn = new TracedFunction(stack, 'P', { ...inlineFunctionProps(), environment: { T_TOPIC_ARN: 'x' } });
    expect(() => topic.addProducer(fn)).toThrow(/^environmentVariable: T_TOPIC_ARN is already set on 'TestStack\/P'/);
  });
});

describe('TracedTopic names', () => {
  test.each([
    ['spaces', { topicName: 'order events' }],
    ['a dot in a standard topic', { topicName: 'orders.v2' }],
    ['257 characters', { topicName: 'a'.repeat(257) }],
    ['a FIFO name of 252 characters before .fifo', { topicName: `${'a'.repeat(252)}.fifo`, fifo: true }],
  ])('refuses a name with %s', (_name, props) => {
    expect(() => new TracedTopic(regionalStack(), 'T', props)).toThrow(/^topicName: '.*' is not allowed; use 1-256 letters, digits, '-' or '_'/);
  });

  test('accepts valid names, FIFO ones with .fifo, and deploy-time names', () => {
    const stack = regionalStack();
    new TracedTopic(stack, 'A', { topicName: 'order-events_v2' });
    new TracedTopic(stack, 'B', { topicName: 'orders.fifo', fifo: true });
    new TracedTopic(stack, 'C', { topicName: new CfnParameter(stack, 'Name').valueAsString });
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Topic', 3);
  });
});

describe('TracedTopic least privilege', () => {
  test('SNS may use an encrypted queue\'s key for exactly what delivery needs, only from this topic', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q', { encryption: sqs.QueueEncryption.KMS });
    const topic = new TracedTopic(stack, 'T');
    topic.addSubscriber(queue);
    const [key] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
    expect(key.Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service === 'sns.amazonaws.com')).toEqual([{
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Resource: '*',
      Condition: { ArnEquals: { 'aws:SourceArn': { Ref: stack.getLogicalId(topic.topic.node.defaultChild as CfnResource) } } },
    }]);
  });
});
