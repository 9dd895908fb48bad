import { CfnParameter, Duration, Lazy } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { inlineFunctionProps, regionalStack, snapshotOf } from './helpers';
import { TracedConnectionRole, TracedFunction, TracedQueue, TracingRegistry } from '../src';

function consumer(stack: import('aws-cdk-lib').Stack, id: string, timeoutSeconds: number) {
  return new TracedFunction(stack, id, { ...inlineFunctionProps(), timeout: Duration.seconds(timeoutSeconds) });
}

describe('TracedQueue defaults', () => {
  const stack = regionalStack();
  const queue = new TracedQueue(stack, 'Orders');
  const producer = consumer(stack, 'Producer', 5);
  const worker = consumer(stack, 'Worker', 30);
  const variable = queue.addProducer(producer);
  queue.addConsumer(worker);
  const template = Template.fromStack(stack);

  test('matches the snapshot', () => {
    expect(snapshotOf(template)).toMatchSnapshot();
  });

  test('both queues use SQS-managed encryption', () => {
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { SqsManagedSseEnabled: true }, 2);
  });

  test('both queues deny requests that are not over TLS', () => {
    template.resourcePropertiesCountIs('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    }, 2);
  });

  test('the dead-letter queue keeps messages 14 days and takes them after 5 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 1209600, RedrivePolicy: Match.absent() });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 5 },
    });
  });

  test('the visibility timeout is derived as six times the consumer timeout', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.anyValue(), VisibilityTimeout: 180 });
  });

  test('the consumer reports batch item failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^Worker') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('the producer may send and knows the queue URL', () => {
    expect(variable).toBe('ORDERS_QUEUE_URL');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ORDERS_QUEUE_URL: { Ref: Match.stringLikeRegexp('^OrdersQueue') } }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']) })]) },
      Roles: [{ Ref: Match.stringLikeRegexp('^ProducerServiceRole') }],
    });
  });

  test('the dead-letter queue and the event source mapping carry specific acknowledgements', () => {
    template.hasResource('AWS::SQS::Queue', {
      Properties: { RedrivePolicy: Match.absent() },
      Metadata: { cdk_nag: { rules_to_suppress: Match.arrayWith([Match.objectLike({ id: 'Serverless-SQSRedrivePolicy' }), Match.objectLike({ id: 'AwsSolutions-SQS3' })]) } },
    });
    template.hasResource('AWS::Lambda::EventSourceMapping', {
      Metadata: { cdk_nag: { rules_to_suppress: [Match.objectLike({ id: 'Serverless-LambdaEventSourceMappingDestination', reason: Match.stringLikeRegexp('after 5 receives') })] } },
    });
  });

  test('the queue and its connections are in the registry', () => {
    const registry = TracingRegistry.of(stack);
    expect(registry.queues).toEqual([{ owner: queue, queue: queue.queue, deadLetterQueue: queue.deadLetterQueue }]);
    expect(registry.connectionsOf(queue, TracedConnectionRole.PRODUCER).map((c) => c.function)).toEqual([producer]);
    expect(registry.connectionsOf(queue, TracedConnectionRole.CONSUMER).map((c) => c.function)).toEqual([worker]);
  });
});

describe('TracedQueue options', () => {
  test('FIFO queues get a FIFO dead-letter queue, named after the queue', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Payments', { fifo: true, queueName: 'payments', contentBasedDeduplication: true });
    expect(queue.isFifo).toBe(true);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'payments.fifo', FifoQueue: true, ContentBasedDeduplication: true });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'payments-dlq.fifo', FifoQueue: true });
  });

  test('a KMS key encrypts both queues', () => {
    const stack = regionalStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new TracedQueue(stack, 'Secret', { encryptionMasterKey: key });
    Template.fromStack(stack).resourcePropertiesCountIs('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } }, 2);
  });

  test('KMS encryption without a key creates one rotated key for both queues, removed with them', () => {
    const stack = regionalStack();
    new TracedQueue(stack, 'Secret', { encryption: sqs.QueueEncryption.KMS });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Delete' });
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SecretKey'), 'Arn'] } }, 2);
  });

  test('a producer of a KMS queue gets exactly the key actions sending needs, without wildcards', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Secret', { encryption: sqs.QueueEncryption.KMS });
    queue.addProducer(consumer(stack, 'P', 3));
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'] }),
      expect.objectContaining({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SecretKey/), 'Arn'] } }),
    ]));
    expect(JSON.stringify(statements)).not.toMatch(/kms:[A-Za-z]+\*/);
  });

  test('a token queue name is used as given and the dead-letter queue name is generated', () => {
    const stack = regionalStack();
    new TracedQueue(stack, 'Q', { queueName: Lazy.string({ produce: () => 'jobs' }) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'jobs', RedrivePolicy: Match.anyValue() });
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: Match.absent(), RedrivePolicy: Match.absent() });
  });

  test('an alias consumer is sized by its function\'s timeout', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q');
    const fn = consumer(stack, 'W', 40);
    queue.addConsumer(new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion }));
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.anyValue(), VisibilityTimeout: 240 });
  });

  test('a token visibility timeout is trusted', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q', { visibilityTimeout: Duration.seconds(Lazy.number({ produce: () => 900 })) });
    queue.addConsumer(consumer(stack, 'W', 30));
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.anyValue(), VisibilityTimeout: 900 });
  });

  test('two queues with the same id cannot hand one producer the same variable', () => {
    const stack = regionalStack();
    const fn = consumer(stack, 'P', 3);
    new TracedQueue(new Construct(stack, 'A'), 'Orders').addProducer(fn);
    expect(() => new TracedQueue(new Construct(stack, 'B'), 'Orders').addProducer(fn))
      .toThrow(/^environmentVariable: ORDERS_QUEUE_URL is already set on 'TestStack\/P' to a deploy-time value/);
  });

  test('the derived visibility timeout covers the slowest consumer and its batching window', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q');
    queue.addConsumer(consumer(stack, 'Fast', 5));
    queue.addConsumer(consumer(stack, 'Slow', 20), { maxBatchingWindow: Duration.seconds(10), batchSize: 100, maxConcurrency: 4 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.anyValue(), VisibilityTimeout: 130 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100, MaximumBatchingWindowInSeconds: 10, ScalingConfig: { MaximumConcurrency: 4 },
    });
  });

  test('short consumers still get at least the SQS default of 30 seconds', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q');
    queue.addConsumer(consumer(stack, 'Quick', 3));
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.anyValue(), VisibilityTimeout: 30 });
  });

  test('an explicit visibility timeout that is large enough is kept', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q', { visibilityTimeout: Duration.minutes(10) });
    queue.addConsumer(consumer(stack, 'W', 60));
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.anyValue(), VisibilityTimeout: 600 });
  });

  test('an imported consumer works when the visibility timeout is given', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q', { visibilityTimeout: Duration.minutes(5) });
    queue.addConsumer(lambda.Function.fromFunctionName(stack, 'Imported', 'existing'));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: Match.anyValue(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.anyValue(), VisibilityTimeout: 300 });
  });

  test('a custom environment variable name is used', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q');
    const fn = consumer(stack, 'P', 3);
    expect(queue.addProducer(fn, { environmentVariable: 'WORK_URL' })).toBe('WORK_URL');
    expect(queue.addProducer(fn, { environmentVariable: 'WORK_URL' })).toBe('WORK_URL');
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WORK_URL: { Ref: Match.stringLikeRegexp('^QQueue') } }) },
    });
    expect(TracingRegistry.of(stack).connectionsOf(queue)).toHaveLength(1);
  });

  test('a dead-letter retention shorter than the queue retention is warned about', () => {
    const stack = regionalStack();
    new TracedQueue(stack, 'Q', { retentionPeriod: Duration.days(14), deadLetterQueueRetentionPeriod: Duration.days(7) });
    Annotations.fromStack(stack).hasWarning('/TestStack/Q', Match.stringLikeRegexp('can expire from the dead-letter queue'));
  });
});

describe('TracedQueue refuses bad input', () => {
  const cases: Array<[string, () => void, RegExp]> = [
    ['an unencrypted queue', () => new TracedQueue(regionalStack(), 'Q', { encryption: sqs.QueueEncryption.UNENCRYPTED }), /^encryption: QueueEncryption\.UNENCRYPTED is not allowed/],
    ['a key with SQS-managed encryption', () => new TracedQueue(regionalStack(), 'Q', { encryption: sqs.QueueEncryption.SQS_MANAGED, encryptionMasterKey: kms.Key.fromKeyArn(regionalStack(), 'K', 'arn:aws:kms:us-east-1:123456789012:key/abc') }), /^encryption: SQS_MANAGED contradicts encryptionMasterKey/],
    ['maxReceiveCount 0', () => new TracedQueue(regionalStack(), 'Q', { maxReceiveCount: 0 }), /^maxReceiveCount: 0 is not allowed; use an integer from 1 to 1000/],
    ['deduplication on a standard queue', () => new TracedQueue(regionalStack(), 'Q', { contentBasedDeduplication: true }), /^contentBasedDeduplication: only FIFO queues/],
    ['a bad queue name', () => new TracedQueue(regionalStack(), 'Q', { queueName: 'has space' }), /^queueName: 'has space' is not allowed/],
    ['a token FIFO queue name', () => new TracedQueue(regionalStack(), 'Q', { fifo: true, queueName: Lazy.string({ produce: () => 'jobs.fifo' }) }), /^queueName: a FIFO queue name must be known at synthesis/],
    ['a retention over 14 days', () => new TracedQueue(regionalStack(), 'Q', { retentionPeriod: Duration.days(15) }), /^retentionPeriod: 15 days is not allowed; SQS keeps messages from 1 minute to 14 days/],
    ['a dead-letter retention under a minute', () => new TracedQueue(regionalStack(), 'Q', { deadLetterQueueRetentionPeriod: Duration.seconds(30) }), /^deadLetterQueueRetentionPeriod: 30 seconds is not allowed/],
    ['a visibility timeout over 12 hours', () => new TracedQueue(regionalStack(), 'Q', { visibilityTimeout: Duration.hours(13) }), /^visibilityTimeout: 46800 seconds is not allowed/],
  ];
  test.each(cases)('%s', (_name, build, message) => {
    expect(build).toThrow(message);
  });

  test('an explicit visibility timeout below six times the consumer timeout', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q', { visibilityTimeout: Duration.seconds(60) });
    expect(() => queue.addConsumer(consumer(stack, 'W', 30)))
      .toThrow(/^visibilityTimeout: 60 seconds on 'TestStack\/Q' is less than the 180 seconds its consumer 'TestStack\/W' needs \(6 x its 30 second timeout\)/);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
  });

  test('an imported consumer without a visibility timeout', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q');
    expect(() => queue.addConsumer(lambda.Function.fromFunctionName(stack, 'Imported', 'existing')))
      .toThrow(/^visibilityTimeout: the timeout of consumer 'TestStack\/Imported' is not known here/);
  });

  test('the same consumer twice', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q');
    const fn = consumer(stack, 'W', 3);
    queue.addConsumer(fn);
    expect(() => queue.addConsumer(fn)).toThrow(/^addConsumer: 'TestStack\/W' already consumes 'TestStack\/Q'/);
  });

  const consumerCases: Array<[string, boolean, object, RegExp]> = [
    ['batch size 0', false, { batchSize: 0 }, /^batchSize: 0 is not allowed; use an integer from 1 to 10000/],
    ['batch size 11 on FIFO', true, { batchSize: 11 }, /^batchSize: 11 is not allowed; use an integer from 1 to 10 \(FIFO queue\)/],
    ['batch size 50 without a window', false, { batchSize: 50 }, /^batchSize: 50 needs maxBatchingWindow/],
    ['a batching window on FIFO', true, { maxBatchingWindow: Duration.seconds(1) }, /^maxBatchingWindow: 1 second is not allowed on a FIFO queue/],
    ['a batching window over 300 seconds', false, { maxBatchingWindow: Duration.seconds(301) }, /^maxBatchingWindow: 301 seconds is not allowed/],
    ['max concurrency 1', false, { maxConcurrency: 1 }, /^maxConcurrency: 1 is not allowed; use an integer from 2 to 1000/],
  ];
  test.each(consumerCases)('consumer option: %s', (_name, fifo, options, message) => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q', { fifo });
    expect(() => queue.addConsumer(consumer(stack, 'W', 3), options)).toThrow(message);
  });

  test('producer environment variables', () => {
    const stack = regionalStack();
    const queue = new TracedQueue(stack, 'Q');
    const fn = new TracedFunction(stack, 'P', { ...inlineFunctionProps(), environment: { TAKEN: 'x' } });
    expect(() => queue.addProducer(fn, { environmentVariable: 'AWS_QUEUE' })).toThrow(/^environmentVariable: 'AWS_QUEUE' is not allowed/);
    expect(() => queue.addProducer(fn, { environmentVariable: '1BAD' })).toThrow(/^environmentVariable: '1BAD' is not allowed/);
    expect(() => queue.addProducer(fn, { environmentVariable: 'TAKEN' })).toThrow(/^environmentVariable: TAKEN is already set on 'TestStack\/P' to 'x'/);
    expect(() => new TracedQueue(stack, '42').addProducer(fn)).toThrow(/^environmentVariable: '42_QUEUE_URL' \(derived from the construct id '42'; pass environmentVariable\) is not allowed/);
    queue.addProducer(fn);
    expect(() => queue.addProducer(fn, { environmentVariable: 'OTHER' })).toThrow(/already produces to 'TestStack\/Q' through Q_QUEUE_URL/);
  });
});

describe('TracedQueue hardening', () => {
  test('states the 4-day retention of the queue explicitly', () => {
    const stack = regionalStack();
    new TracedQueue(stack, 'Jobs');
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 345600, RedrivePolicy: Match.anyValue() });
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 1209600, RedrivePolicy: Match.absent() });
  });

  test.each([
    ['under a minute', { encryption: sqs.QueueEncryption.KMS, dataKeyReuse: Duration.seconds(30) }, /^dataKeyReuse: 30 seconds is not allowed; use 1 minute to 24 hours/],
    ['over a day', { encryption: sqs.QueueEncryption.KMS_MANAGED, dataKeyReuse: Duration.hours(25) }, /^dataKeyReuse: 1 day 1 hour is not allowed; use 1 minute to 24 hours/],
    ['with SQS-managed encryption', { dataKeyReuse: Duration.minutes(10) }, /^dataKeyReuse: is not allowed with SQS-managed encryption, where SQS ignores it/],
  ])('refuses a data key reuse period %s', (_name, props, message) => {
    expect(() => new TracedQueue(regionalStack(), 'Q', props)).toThrow(message);
  });

  test('accepts a data key reuse period with KMS encryption, and as a deploy-time value', () => {
    const stack = regionalStack();
    new TracedQueue(stack, 'Q', { encryption: sqs.QueueEncryption.KMS, dataKeyReuse: Duration.hours(24) });
    new TracedQueue(stack, 'T', { encryption: sqs.QueueEncryption.KMS, dataKeyReuse: Duration.seconds(new CfnParameter(stack, 'Reuse', { type: 'Number' }).valueAsNumber) });
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { KmsDataKeyReusePeriodSeconds: 86400 });
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', { KmsDataKeyReusePeriodSeconds: { Ref: 'Reuse' } });
  });
});
