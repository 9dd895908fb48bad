import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { inlineFunctionProps, regionalStack, snapshotOf } from './helpers';
import { TracedConnectionRole, TracedEventBus, TracedFunction, TracedQueue, TracingRegistry, TracingReport } from '../src';

const PATTERN = { source: ['orders.charge'], detailType: ['PaymentCompleted'] };

describe('TracedEventBus', () => {
  const stack = regionalStack();
  const bus = new TracedEventBus(stack, 'Payments', { archive: { retention: Duration.days(30) } });
  const charge = new TracedFunction(stack, 'Charge', inlineFunctionProps());
  const notify = new TracedFunction(stack, 'Notify', inlineFunctionProps());
  const audit = new TracedQueue(stack, 'Audit');
  const variable = bus.addProducer(charge);
  bus.addConsumer('NotifyOnPayment', notify, { eventPattern: PATTERN });
  bus.addConsumer('AuditPayments', audit, { eventPattern: PATTERN, retryAttempts: 2, maxEventAge: Duration.minutes(10) });
  const template = Template.fromStack(stack);

  test('matches the snapshot', () => {
    expect(snapshotOf(template)).toMatchSnapshot();
  });

  test('creates the bus and an archive of this account\'s events', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 30, EventPattern: { account: [{ Ref: 'AWS::AccountId' }] } });
  });

  test('a producer may put events on this bus only, and knows its name', () => {
    expect(variable).toBe('PAYMENTS_EVENT_BUS_NAME');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PaymentsBus'), 'Arn'] } }]) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PAYMENTS_EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('^PaymentsBus') } }) },
    });
  });

  test('every rule target has a dead-letter queue and a retry policy', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^PaymentsBus') },
      EventPattern: { 'source': ['orders.charge'], 'detail-type': ['PaymentCompleted'] },
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Notify'), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PaymentsNotifyOnPaymentDeadLetterQueue'), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 3600 },
      })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuditQueue'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
      })],
    });
  });

  test('the rules\' dead-letter queues are encrypted, SSL-only, kept 14 days, and acknowledged for cdk-nag', () => {
    template.hasResource('AWS::SQS::Queue', {
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 },
      Metadata: { cdk_nag: { rules_to_suppress: [Match.objectLike({ id: 'AwsSolutions-SQS3', reason: Match.stringLikeRegexp('EventBridge rule TestStack/Payments/NotifyOnPayment') }), Match.objectLike({ id: 'Serverless-SQSRedrivePolicy' })] } },
    });
    template.resourcePropertiesCountIs('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    }, 4);
  });

  test('is in the registry, with its producers and routes, and in the report', () => {
    const registry = TracingRegistry.of(stack);
    expect(registry.eventBuses).toEqual([{ owner: bus, eventBus: bus.eventBus }]);
    expect(registry.connectionsOf(bus).map((c) => [c.function.node.id, c.role])).toEqual([['Charge', TracedConnectionRole.PRODUCER], ['Notify', TracedConnectionRole.CONSUMER]]);
    expect(registry.eventRoutes.map((r) => [r.rule.node.id, r.target.node.id])).toEqual([['NotifyOnPayment', 'Notify'], ['AuditPayments', 'Audit']]);
    expect(TracingReport.render(stack)).toMatch(/Payments\n\s+producers: Charge\n\s+rule Payments\/NotifyOnPayment -> Notify \(dead-letter queue: Payments\/NotifyOnPaymentDeadLetterQueue\)/);
  });
});

describe('TracedEventBus options', () => {
  test('traces an existing bus, the default one included', () => {
    const stack = regionalStack();
    const bus = new TracedEventBus(stack, 'Default', { eventBus: events.EventBus.fromEventBusName(stack, 'DefaultBus', 'default') });
    bus.addConsumer('All', new TracedFunction(stack, 'F', inlineFunctionProps()), { eventPattern: { source: ['orders'] } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.hasResourceProperties('AWS::Events::Rule', { EventBusName: 'default' });
  });

  test('transformers that keep the carrier are accepted', () => {
    const stack = regionalStack();
    const bus = new TracedEventBus(stack, 'Bus');
    const fn = new TracedFunction(stack, 'F', inlineFunctionProps());
    bus.addConsumer('Detail', fn, { eventPattern: PATTERN, message: events.RuleTargetInput.fromEventPath('$.detail') });
    bus.addConsumer('Picked', fn, {
      eventPattern: PATTERN,
      message: events.RuleTargetInput.fromObject({ orderId: events.EventField.fromPath('$.detail.orderId'), _trace: events.EventField.fromPath('$.detail._trace') }),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ InputPath: '$.detail' })] });
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ InputTransformer: Match.objectLike({ InputPathsMap: Match.objectLike({ 'detail-_trace': '$.detail._trace' }) }) })],
    });
    expect(stack.node.tryFindChild('Bus')?.node.tryFindChild('CarrierCheck')).toBeUndefined();
  });

  test('a FIFO queue target needs a message group id, which is passed on', () => {
    const stack = regionalStack();
    const bus = new TracedEventBus(stack, 'Bus');
    const fifo = new TracedQueue(stack, 'Fifo', { fifo: true });
    expect(() => bus.addConsumer('NoGroup', fifo, { eventPattern: PATTERN })).toThrow(/^messageGroupId: 'TestStack\/Fifo' is a FIFO queue/);
    expect(() => bus.addConsumer('Stray', new TracedQueue(stack, 'Std'), { eventPattern: PATTERN, messageGroupId: 'g' }))
      .toThrow(/^messageGroupId: 'g' only applies to a FIFO TracedQueue target/);
    bus.addConsumer('Grouped', fifo, { eventPattern: PATTERN, messageGroupId: 'payments' });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', { Targets: [Match.objectLike({ SqsParameters: { MessageGroupId: 'payments' } })] });
  });

  test('refuses dead-letter queues EventBridge cannot write to', () => {
    const stack = regionalStack();
    const bus = new TracedEventBus(stack, 'Bus');
    const fn = new TracedFunction(stack, 'F', inlineFunctionProps());
    expect(() => bus.addConsumer('A', fn, { eventPattern: PATTERN, deadLetterQueue: new TracedQueue(stack, 'Fifo', { fifo: true }).queue }))
      .toThrow(/^deadLetterQueue: 'TestStack\/Fifo\/Queue' is a FIFO queue/);
    expect(() => bus.addConsumer('B', fn, { eventPattern: PATTERN, deadLetterQueue: new TracedQueue(stack, 'Kms', { encryption: sqs.QueueEncryption.KMS }).queue }))
      .toThrow(/^deadLetterQueue: 'TestStack\/Kms\/Queue' is encrypted with a customer KMS key/);
  });

  test.each([
    ['a constant input', events.RuleTargetInput.fromText('hello')],
    ['the carrier under another name', events.RuleTargetInput.fromObject({ ctx: events.EventField.fromPath('$.detail._trace') })],
    ['a field without the carrier', events.RuleTargetInput.fromObject({ orderId: events.EventField.fromPath('$.detail.orderId') })],
    ['a path to part of detail', events.RuleTargetInput.fromEventPath('$.detail.orderId')],
  ])('refuses a transformer that drops the carrier: %s', (_name, message) => {
    const stack = regionalStack();
    const bus = new TracedEventBus(stack, 'Bus');
    expect(() => bus.addConsumer('R', new TracedFunction(stack, 'F', inlineFunctionProps()), { eventPattern: PATTERN, message }))
      .toThrow(/^message: the target input drops the trace carrier/);
    Template.fromStack(stack).resourceCountIs('AWS::Events::Rule', 0);
  });

  test.each([
    ['retryAttempts 186', { retryAttempts: 186 }, /^retryAttempts: 186 is not allowed; use an integer from 0 to 185/],
    ['maxEventAge of 30 seconds', { maxEventAge: Duration.seconds(30) }, /^maxEventAge: 30 seconds is not allowed; use 1 minute to 24 hours/],
    ['maxEventAge of 2 days', { maxEventAge: Duration.days(2) }, /^maxEventAge: 2 days is not allowed/],
  ])('refuses %s', (_name, options, message) => {
    const stack = regionalStack();
    expect(() => new TracedEventBus(stack, 'Bus').addConsumer('R', lambda.Function.fromFunctionName(stack, 'F', 'f'), { eventPattern: PATTERN, ...options }))
      .toThrow(message);
  });

  test('refuses a name for an existing bus, and a producer variable that is taken', () => {
    const stack = regionalStack();
    expect(() => new TracedEventBus(stack, 'Bus', { eventBus: events.EventBus.fromEventBusName(stack, 'D', 'default'), eventBusName: 'x' }))
      .toThrow(/^eventBusName: only a new bus takes a name/);
    const bus = new TracedEventBus(stack, 'Payments');
    const fn = new TracedFunction(stack, 'P', { ...inlineFunctionProps(), environment: { PAYMENTS_EVENT_BUS_NAME: 'x' } });
    expect(() => bus.addProducer(fn)).toThrow(/^environmentVariable: PAYMENTS_EVENT_BUS_NAME is already set on 'TestStack\/P'/);
    expect(bus.addProducer(fn, { environmentVariable: 'BUS' })).toBe('BUS');
    expect(bus.addProducer(fn, { environmentVariable: 'BUS' })).toBe('BUS');
    expect(() => bus.addProducer(fn, { environmentVariable: 'OTHER' })).toThrow(/already produces to 'TestStack\/Payments' through BUS, not OTHER/);
  });
});

describe('TracedEventBus queue targets', () => {
  test('an encrypted queue lets EventBridge send from this rule only, and use its key for exactly what sending needs', () => {
    const stack = regionalStack();
    const bus = new TracedEventBus(stack, 'Payments');
    const audit = new TracedQueue(stack, 'Audit', { encryption: sqs.QueueEncryption.KMS });
    const rule = bus.addConsumer('AuditPayments', audit, { eventPattern: PATTERN });
    const template = Template.fromStack(stack);
    const ruleArn = { 'Fn::GetAtt': [stack.getLogicalId(rule.node.defaultChild as events.CfnRule), 'Arn'] };
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: 'sqs:SendMessage', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Resource: Match.anyValue(), Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } } }]) },
    });
    const [key] = Object.values(template.findResources('AWS::KMS::Key'));
    const forEvents = key.Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service === 'events.amazonaws.com');
    expect(forEvents).toEqual([{
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Resource: '*',
    }]);
    expect(JSON.stringify(key.Properties.KeyPolicy)).not.toMatch(/kms:Encrypt|kms:ReEncrypt|GenerateDataKey\*/);
  });

  test('a queue in another stack is conditioned on the account, so the stacks do not reference each other both ways', () => {
    const app = new App();
    const env = { account: '123456789012', region: 'us-east-1' };
    const queues = new Stack(app, 'Queues', { env });
    const audit = new TracedQueue(queues, 'Audit', { encryption: sqs.QueueEncryption.KMS });
    const eventsStack = new Stack(app, 'Events', { env });
    new TracedEventBus(eventsStack, 'Payments').addConsumer('AuditPayments', audit, { eventPattern: PATTERN });
    expect(() => app.synth()).not.toThrow();
    Template.fromStack(queues).hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sqs:SendMessage', Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } })]) },
    });
  });

  test('warns when the queue\'s key is not created here, so its policy cannot grant EventBridge', () => {
    const stack = regionalStack();
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const audit = new TracedQueue(stack, 'Audit', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });
    new TracedEventBus(stack, 'Payments').addConsumer('AuditPayments', audit, { eventPattern: PATTERN });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('allow events.amazonaws.com kms:GenerateDataKey and kms:Decrypt in the key policy'))).toHaveLength(1);
  });

  test('refuses the AWS managed SQS key given as an alias', () => {
    const stack = regionalStack();
    const managed = new TracedQueue(stack, 'Managed', { encryptionMasterKey: kms.Alias.fromAliasName(stack, 'SqsKey', 'alias/aws/sqs') });
    expect(() => new TracedEventBus(stack, 'Payments').addConsumer('R', managed, { eventPattern: PATTERN }))
      .toThrow(/^target: 'TestStack\/Managed' is encrypted with the AWS managed key for SQS/);
  });

  test('refuses a queue encrypted with the AWS managed SQS key, which EventBridge cannot use', () => {
    const stack = regionalStack();
    const bus = new TracedEventBus(stack, 'Payments');
    const managed = new TracedQueue(stack, 'Managed', { encryption: sqs.QueueEncryption.KMS_MANAGED });
    expect(() => bus.addConsumer('R', managed, { eventPattern: PATTERN }))
      .toThrow(/^target: 'TestStack\/Managed' is encrypted with the AWS managed key for SQS \(alias\/aws\/sqs\), .*; give the TracedQueue encryption: QueueEncryption.SQS_MANAGED, or QueueEncryption.KMS/);
    expect(stack.node.tryFindChild('Payments')!.node.tryFindChild('R')).toBeUndefined();
  });
});

describe('TracedEventBus archive retention', () => {
  test.each([
    ['0 days, which EventBridge reads as forever', Duration.days(0), /^archive.retention: 0 days is not allowed; use a whole number of days from 1 \(leave it out to keep events forever\)/],
    ['part of a day', Duration.hours(36), /^archive.retention: 1 day 12 hours is not allowed; use a whole number of days from 1/],
  ])('refuses %s', (_name, retention, message) => {
    expect(() => new TracedEventBus(regionalStack(), 'Bus', { archive: { retention } })).toThrow(message);
  });

  test('refuses an archive name EventBridge would refuse', () => {
    expect(() => new TracedEventBus(regionalStack(), 'Bus', { archive: { archiveName: 'payments archive' } }))
      .toThrow(/^archive.archiveName: 'payments archive' is not allowed; use 1-48 letters, digits, '.', '-' or '_'/);
    expect(() => new TracedEventBus(regionalStack(), 'Bus', { archive: { archiveName: 'a'.repeat(49) } })).toThrow(/^archive.archiveName: 'a{49}' is not allowed/);
  });

  test('accepts whole days, and a deploy-time value', () => {
    const stack = regionalStack();
    new TracedEventBus(stack, 'A', { archive: { retention: Duration.hours(48) } });
    new TracedEventBus(stack, 'B', { archive: { retention: Duration.days(new CfnParameter(stack, 'Days', { type: 'Number' }).valueAsNumber) } });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Archive', { RetentionDays: 2 });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Archive', { RetentionDays: { Ref: 'Days' } });
  });
});
