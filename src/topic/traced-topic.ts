import { Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { snsActiveTracingPolicy } from './sns-active-tracing-policy';
import { bindProducer } from '../function/producer-binding';
import { deliveryDeadLetterQueue } from '../queue/delivery-dead-letter-queue';
import { TracedQueue } from '../queue/traced-queue';
import { TracedConnectionRole, TracingRegistry } from '../registry/tracing-registry';

/** aws-cdk-lib's feature flag that conditions an SQS subscription's key grant on the topic's ARN. */
const SNS_SQS_DECRYPTION_POLICY_FLAG = '@aws-cdk/aws-sns-subscriptions:restrictSqsDescryption';

/**
 * Props of `TracedTopic`. Names follow `sns.TopicProps`.
 */
export interface TracedTopicProps {
  /**
   * The topic's name.
   * @default - generated
   */
  readonly topicName?: string;
  /**
   * The display name, for SMS and email subscriptions.
   * @default - none
   */
  readonly displayName?: string;
  /**
   * The KMS key that encrypts messages at rest.
   * @default - the AWS managed key `alias/aws/sns`
   */
  readonly masterKey?: kms.IKey;
  /**
   * Whether this is a FIFO topic.
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * FIFO only: deduplicate on a SHA-256 of the body.
   * @default false
   */
  readonly contentBasedDeduplication?: boolean;
}

/** Options of `TracedTopic.addSubscriber`. */
export interface TopicSubscriberOptions {
  /**
   * Which messages the subscriber receives.
   * @default - all
   */
  readonly filterPolicy?: { [attribute: string]: sns.SubscriptionFilter };
}

/** Options of `TracedTopic.addProducer`. */
export interface TopicProducerOptions {
  /**
   * The environment variable the producer reads the topic ARN from.
   * @default - the topic's construct id in upper snake case plus `_TOPIC_ARN` (`ORDER_EVENTS_TOPIC_ARN`)
   */
  readonly environmentVariable?: string;
}


/**
 * An SNS topic with active tracing: SNS writes segments to X-Ray through one resource policy per stack
 * (scoped to this account and to the stack's traced topics), publishing is SSL-only, messages are encrypted
 * at rest, and every subscription has a dead-letter queue. Queues subscribe with raw message delivery, so
 * the W3C context `injectSnsMessage` adds arrives as SQS message attributes. Registered in the tracing registry.
 */
export class TracedTopic extends Construct {
  /** The topic. */
  public readonly topic: sns.Topic;

  private readonly producers = new Map<lambda.Function, string>();
  /** The key to grant producers on; none for the AWS managed key, whose policy already lets SNS use it. */
  private readonly customerKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: TracedTopicProps = {}) {
    super(scope, id);
    // aws-cdk-lib's own least privilege for SNS writing to a KMS-encrypted queue (kms:Decrypt and
    // kms:GenerateDataKey for sns.amazonaws.com, only from this topic), whatever the app's feature flags say.
    this.node.setContext(SNS_SQS_DECRYPTION_POLICY_FLAG, true);
    if (props.contentBasedDeduplication && !props.fifo) {
      throw new Error('contentBasedDeduplication: only FIFO topics deduplicate; set fifo: true');
    }
    const name = props.topicName;
    if (name !== undefined && !Token.isUnresolved(name)) {
      const base = props.fifo ? name.replace(/\.fifo$/, '') : name;
      if (!/^[A-Za-z0-9_-]+$/.test(base) || base.length > (props.fifo ? 251 : 256)) {
        throw new Error(`topicName: '${name}' is not allowed; use 1-256 letters, digits, '-' or '_' (a FIFO topic's name ends with .fifo, which counts)`);
      }
    }
    this.customerKey = props.masterKey;
    // aws-kms and aws-sns-subscriptions are loaded by the first topic, not with the library.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Alias } = require('aws-cdk-lib/aws-kms') as typeof kms;
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: props.topicName,
      displayName: props.displayName,
      masterKey: props.masterKey ?? Alias.fromAliasName(this, 'AwsManagedKey', 'alias/aws/sns'),
      fifo: props.fifo,
      contentBasedDeduplication: props.contentBasedDeduplication,
      tracingConfig: sns.TracingConfig.ACTIVE,
      enforceSSL: true,
    });
    const registry = TracingRegistry.of(this);
    registry._registerTopic({ owner: this, topic: this.topic });
    snsActiveTracingPolicy(Stack.of(this), registry);
  }

  /**
   * Subscribes a traced queue (raw message delivery; undeliverable messages go to the queue's own
   * dead-letter queue) or a function (undeliverable messages go to a new dead-letter queue).
   */
  public addSubscriber(target: TracedQueue | lambda.IFunction, options: TopicSubscriberOptions = {}): sns.Subscription {
    let subscription: sns.Subscription;
    let deadLetterQueue: sqs.IQueue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { LambdaSubscription, SqsSubscription } = require('aws-cdk-lib/aws-sns-subscriptions') as typeof subscriptions;
    const fifoTopic = this.topic.fifo ?? false;
    if (target instanceof TracedQueue) {
      // A standard topic cannot deliver to a FIFO queue; a FIFO topic's subscriptions redrive to FIFO queues,
      // and a TracedQueue's dead-letter queue is FIFO exactly when the queue is.
      if (target.isFifo !== fifoTopic) {
        throw new Error(`addSubscriber: '${target.node.path}' is ${target.isFifo ? 'a FIFO' : 'a standard'} queue and '${this.node.path}' ${fifoTopic ? 'a FIFO' : 'a standard'} topic; subscribe a queue of the same kind`);
      }
      deadLetterQueue = target.deadLetterQueue;
      subscription = this.topic.addSubscription(new SqsSubscription(target.queue, {
        rawMessageDelivery: true, deadLetterQueue, filterPolicy: options.filterPolicy,
      }));
    } else {
      if (fifoTopic) {
        throw new Error(`addSubscriber: '${target.node.path}' is a function and '${this.node.path}' a FIFO topic; SNS FIFO topics deliver to SQS queues only`);
      }
      deadLetterQueue = deliveryDeadLetterQueue(this, `DeadLetterQueue${Names.nodeUniqueId(target.node)}`,
        `the subscription of ${target.node.path} to ${this.topic.node.path}`);
      const filterPolicy = options.filterPolicy;
      subscription = this.topic.addSubscription(new LambdaSubscription(target, { deadLetterQueue, filterPolicy }));
      TracingRegistry.of(this)._registerConnection({ resource: this, function: target, role: TracedConnectionRole.CONSUMER });
    }
    TracingRegistry.of(this)._registerTopicSubscription({ topic: this, subscription, target, deadLetterQueue });
    return subscription;
  }

  /**
   * Lets `fn` publish to this topic (`sns:Publish`, and exactly `kms:GenerateDataKey` and `kms:Decrypt` on
   * a customer key) and sets an environment variable with the topic ARN.
   *
   * @returns the name of the environment variable
   */
  public addProducer(fn: lambda.Function, options: TopicProducerOptions = {}): string {
    return bindProducer(this, this.producers, fn, {
      suffix: 'TOPIC_ARN',
      environmentVariable: options.environmentVariable,
      address: this.topic.topicArn,
      grant: () => {
        iam.Grant.addToPrincipalOrResource({ grantee: fn, actions: ['sns:Publish'], resourceArns: [this.topic.topicArn], resource: this.topic });
        this.customerKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
      },
    });
  }
}
