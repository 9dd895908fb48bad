import { Annotations, CfnResource, Duration, Lazy, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bindProducer } from '../function/producer-binding';
import { acknowledgeNagFindings, grantIntoDefaultPolicy } from '../nag/nag-acknowledgement';
import { TracedConnectionRole, TracingRegistry } from '../registry/tracing-registry';

/**
 * Props of `TracedQueue`. Names follow `sqs.QueueProps` where they mean the same.
 */
export interface TracedQueueProps {
  /**
   * The queue's name; the dead-letter queue is named after it (`<name>-dlq`, `<name>-dlq.fifo`).
   * @default - CloudFormation generates names
   */
  readonly queueName?: string;

  /**
   * Whether this is a FIFO queue; its dead-letter queue is FIFO too.
   * @default false
   */
  readonly fifo?: boolean;

  /**
   * FIFO only: deduplicate on a SHA-256 of the body.
   * @default false
   */
  readonly contentBasedDeduplication?: boolean;

  /**
   * How long a received message stays invisible to other consumers. Must be at least six times the
   * longest consumer timeout plus its batching window, as Lambda's SQS event source requires.
   * @default - derived from the consumers added with `addConsumer` (at least 30 seconds)
   */
  readonly visibilityTimeout?: Duration;

  /**
   * How long the queue keeps a message.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;

  /**
   * How long the dead-letter queue keeps a message. It should outlive `retentionPeriod`: a standard
   * queue keeps a message's original enqueue time when it moves to the dead-letter queue.
   * @default Duration.days(14)
   */
  readonly deadLetterQueueRetentionPeriod?: Duration;

  /**
   * How many receives a message gets before it moves to the dead-letter queue (1-1000).
   * @default 5
   */
  readonly maxReceiveCount?: number;

  /**
   * Server-side encryption of both queues. `QueueEncryption.UNENCRYPTED` is refused.
   * @default - `QueueEncryption.KMS` when `encryptionMasterKey` is given, else `QueueEncryption.SQS_MANAGED`
   */
  readonly encryption?: sqs.QueueEncryption;

  /**
   * The KMS key that encrypts both queues, with `QueueEncryption.KMS`.
   * @default - with `QueueEncryption.KMS`, one new key for both queues, with rotation on and the queues'
   * removal policy; none otherwise
   */
  readonly encryptionMasterKey?: kms.IKey;

  /**
   * How long SQS reuses a data key before calling KMS again: 1 minute to 24 hours, KMS encryption only
   * (refused with SQS-managed encryption, where SQS would ignore it).
   * @default Duration.minutes(5)
   */
  readonly dataKeyReuse?: Duration;

  /**
   * The delay before a new message becomes visible.
   * @default Duration.seconds(0)
   */
  readonly deliveryDelay?: Duration;

  /**
   * The long-polling wait of `ReceiveMessage` calls.
   * @default Duration.seconds(0)
   */
  readonly receiveMessageWaitTime?: Duration;

  /**
   * The largest message accepted, in bytes.
   * @default 1048576
   */
  readonly maxMessageSizeBytes?: number;

  /**
   * What happens to both queues when they leave the stack.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Options of `TracedQueue.addConsumer`.
 */
export interface QueueConsumerOptions {
  /**
   * How many messages one invocation receives (1-10 for FIFO queues, 1-10000 otherwise; above 10 needs
   * `maxBatchingWindow`).
   * @default 10
   */
  readonly batchSize?: number;

  /**
   * How long Lambda gathers messages before invoking the function (not for FIFO queues).
   * @default - no batching window
   */
  readonly maxBatchingWindow?: Duration;

  /**
   * The most concurrent invocations this event source starts (2-1000).
   * @default - no limit beyond the function's concurrency
   */
  readonly maxConcurrency?: number;

  /**
   * Whether the event source is enabled.
   * @default true
   */
  readonly enabled?: boolean;
}

/**
 * Options of `TracedQueue.addProducer`.
 */
export interface QueueProducerOptions {
  /**
   * The environment variable the producer reads the queue URL from.
   * @default - the queue's construct id in upper snake case plus `_QUEUE_URL` (`ORDERS_QUEUE_URL`)
   */
  readonly environmentVariable?: string;
}

const DEFAULT_VISIBILITY_SECONDS = 30;
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
const LAMBDA_DEFAULT_TIMEOUT = Duration.seconds(3);

/**
 * An SQS queue for traced producers and consumers: encrypted, SSL-only, with a dead-letter queue of its
 * own (encrypted, SSL-only, 14-day retention), consumers that report partial batch failures, and a
 * visibility timeout derived from its consumers. Registered in the stack's tracing registry.
 */
export class TracedQueue extends Construct {
  /** The queue messages are sent to. */
  public readonly queue: sqs.Queue;
  /** The queue that receives messages after `maxReceiveCount` failed receives. */
  public readonly deadLetterQueue: sqs.Queue;
  /** How many receives a message gets before it moves to `deadLetterQueue`. */
  public readonly maxReceiveCount: number;

  private readonly fifo: boolean;
  private readonly visibilityTimeout?: Duration;
  private readonly consumers: { readonly fn: lambda.IFunction; readonly timeout?: Duration; readonly window?: Duration }[] = [];
  private readonly producers = new Map<lambda.Function, string>();

  /** The server-side encryption of both queues. */
  public readonly encryption: sqs.QueueEncryption;

  constructor(scope: Construct, id: string, props: TracedQueueProps = {}) {
    super(scope, id);
    const maxReceiveCount = props.maxReceiveCount ?? 5;
    checkIntegerInRange('maxReceiveCount', maxReceiveCount, 1, 1000);
    if (props.encryption === sqs.QueueEncryption.UNENCRYPTED) {
      throw new Error('encryption: QueueEncryption.UNENCRYPTED is not allowed; use SQS_MANAGED (the default), KMS_MANAGED or KMS');
    }
    if (props.encryptionMasterKey && props.encryption !== undefined && props.encryption !== sqs.QueueEncryption.KMS) {
      throw new Error(`encryption: ${props.encryption} contradicts encryptionMasterKey; use QueueEncryption.KMS with a key`);
    }
    if (props.contentBasedDeduplication && !props.fifo) {
      throw new Error('contentBasedDeduplication: only FIFO queues deduplicate; set fifo: true');
    }
    if (props.fifo && props.queueName !== undefined && Token.isUnresolved(props.queueName)) {
      throw new Error('queueName: a FIFO queue name must be known at synthesis (aws-cdk-lib checks its .fifo suffix); give a literal name or leave it unset');
    }
    if (props.queueName !== undefined && !Token.isUnresolved(props.queueName)) {
      const base = props.fifo ? props.queueName.replace(/\.fifo$/, '') : props.queueName;
      if (!/^[A-Za-z0-9_-]{1,71}$/.test(base)) {
        throw new Error(`queueName: '${props.queueName}' is not allowed; use 1-71 letters, digits, '-' or '_' (the dead-letter queue adds '-dlq')`);
      }
    }
    checkRetention('retentionPeriod', props.retentionPeriod);
    checkRetention('deadLetterQueueRetentionPeriod', props.deadLetterQueueRetentionPeriod);
    this.visibilityTimeout = props.visibilityTimeout;
    if (props.visibilityTimeout && !props.visibilityTimeout.isUnresolved() && props.visibilityTimeout.toSeconds() > MAX_VISIBILITY_SECONDS) {
      throw new Error(`visibilityTimeout: ${props.visibilityTimeout.toSeconds()} seconds is not allowed; SQS allows at most 43200 (12 hours)`);
    }

    const retention = props.retentionPeriod ?? Duration.days(4);
    const dlqRetention = props.deadLetterQueueRetentionPeriod ?? Duration.days(14);
    if (!retention.isUnresolved() && !dlqRetention.isUnresolved() && dlqRetention.toSeconds() < retention.toSeconds()) {
      Annotations.of(this).addWarningV2('cdk-serverless-tracing:dlq-retention',
        `deadLetterQueueRetentionPeriod (${dlqRetention.toHumanString()}) is shorter than retentionPeriod (${retention.toHumanString()}): a message keeps its enqueue time when it moves, so it can expire from the dead-letter queue before anyone looks at it.`);
    }

    this.fifo = props.fifo ?? false;
    this.maxReceiveCount = maxReceiveCount;
    const encryption = props.encryption ?? (props.encryptionMasterKey ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED);
    this.encryption = encryption;
    if (props.dataKeyReuse !== undefined) {
      if (encryption === sqs.QueueEncryption.SQS_MANAGED) {
        throw new Error('dataKeyReuse: is not allowed with SQS-managed encryption, where SQS ignores it; use QueueEncryption.KMS or KMS_MANAGED, or leave it out');
      }
      const seconds = props.dataKeyReuse.isUnresolved() ? undefined : props.dataKeyReuse.toSeconds();
      if (seconds !== undefined && (seconds < 60 || seconds > 86400)) {
        throw new Error(`dataKeyReuse: ${props.dataKeyReuse.toHumanString()} is not allowed; use 1 minute to 24 hours`);
      }
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    // aws-cdk-lib would create one key per queue, without rotation; both queues share one rotated key.
    const key = props.encryptionMasterKey ?? (encryption === sqs.QueueEncryption.KMS ? new (awsKms().Key)(this, 'Key', {
      description: `Encrypts the messages of ${this.node.path} and its dead-letter queue`,
      enableKeyRotation: true,
      removalPolicy,
    }) : undefined);
    const shared = {
      fifo: props.fifo ? true : undefined,
      encryption,
      encryptionMasterKey: key,
      dataKeyReuse: props.dataKeyReuse,
      enforceSSL: true,
      removalPolicy,
    };
    const { queueName, deadLetterQueueName } = queueNames(props.queueName, this.fifo);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...shared,
      queueName: deadLetterQueueName,
      retentionPeriod: dlqRetention,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...shared,
      queueName,
      contentBasedDeduplication: props.contentBasedDeduplication,
      // Explicit, so the template says what the README says (SQS's own default is also 4 days).
      retentionPeriod: retention,
      deliveryDelay: props.deliveryDelay,
      receiveMessageWaitTime: props.receiveMessageWaitTime,
      maxMessageSizeBytes: props.maxMessageSizeBytes,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });
    if (!props.visibilityTimeout) {
      (this.queue.node.defaultChild as sqs.CfnQueue).visibilityTimeout = Lazy.number({ produce: () => this.derivedVisibilitySeconds() });
    }

    // One reason for both rules: they are the same finding, that the dead-letter queue has none of its own.
    const lastStop = `Dead-letter queue of ${this.queue.node.path}: the last stop for its failed messages.`;
    acknowledgeNagFindings(this.deadLetterQueue.node.defaultChild as CfnResource, [
      { id: 'Serverless-SQSRedrivePolicy', reason: lastStop },
      { id: 'AwsSolutions-SQS3', reason: lastStop },
    ]);

    TracingRegistry.of(this)._registerQueue({ owner: this, queue: this.queue, deadLetterQueue: this.deadLetterQueue });
  }

  /** Whether the queue is a FIFO queue. */
  public get isFifo(): boolean {
    return this.fifo;
  }

  /**
   * Invokes `fn` with batches from this queue: partial batch failures reported (`ReportBatchItemFailures`),
   * so one failing message is retried alone. Raises the derived visibility timeout to six times the
   * function's timeout plus the batching window, or fails when an explicit `visibilityTimeout` is smaller.
   *
   * @returns the event source, whose `eventSourceMappingId` and `eventSourceMappingArn` are available
   */
  public addConsumer(fn: lambda.IFunction, options: QueueConsumerOptions = {}): SqsEventSource {
    if (this.consumers.some((c) => c.fn === fn)) {
      throw new Error(`addConsumer: '${fn.node.path}' already consumes '${this.node.path}'`);
    }
    this.checkConsumerOptions(options);
    const timeout = timeoutOf(fn);
    const needed = timeout && !timeout.isUnresolved() ? requiredVisibilitySeconds(timeout, options.maxBatchingWindow) : undefined;
    if (this.visibilityTimeout) {
      if (needed !== undefined && !this.visibilityTimeout.isUnresolved() && this.visibilityTimeout.toSeconds() < needed) {
        throw new Error(
          `visibilityTimeout: ${this.visibilityTimeout.toSeconds()} seconds on '${this.node.path}' is less than the ${needed} seconds ` +
          `its consumer '${fn.node.path}' needs (6 x its ${timeout!.toSeconds()} second timeout` +
          `${options.maxBatchingWindow ? ` + ${options.maxBatchingWindow.toSeconds()} second batching window` : ''}); raise it or leave it unset to derive it`,
        );
      }
    } else if (needed === undefined) {
      const why = timeout ? 'is only known at deploy time' : 'is not known here (an imported function)';
      throw new Error(`visibilityTimeout: the timeout of consumer '${fn.node.path}' ${why}; set visibilityTimeout on '${this.node.path}' to at least 6 x its timeout`);
    }

    const source = new SqsEventSource(this.queue, {
      reportBatchItemFailures: true,
      batchSize: options.batchSize,
      maxBatchingWindow: options.maxBatchingWindow,
      maxConcurrency: options.maxConcurrency,
      enabled: options.enabled,
    });
    grantIntoDefaultPolicy(fn, `consuming from ${this.node.path}`, () => fn.addEventSource(source));
    this.consumers.push({ fn, timeout, window: options.maxBatchingWindow });

    const mapping = fn.node.tryFindChild(`SqsEventSource:${Names.nodeUniqueId(this.queue.node)}`);
    if (mapping?.node.defaultChild instanceof CfnResource) {
      acknowledgeNagFindings(mapping.node.defaultChild, [{
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason: `SQS mappings take no on-failure destination; failed messages go to the dead-letter queue of ${this.queue.node.path} after ${this.maxReceiveCount} receives.`,
      }]);
    }
    TracingRegistry.of(this)._registerConnection({ resource: this, function: fn, role: TracedConnectionRole.CONSUMER });
    return source;
  }

  /**
   * Lets `fn` send to this queue: grants `sqs:SendMessage` (and the key's encrypt permissions) and sets
   * an environment variable with the queue URL.
   *
   * @returns the name of the environment variable
   */
  public addProducer(fn: lambda.Function, options: QueueProducerOptions = {}): string {
    return bindProducer(this, this.producers, fn, {
      suffix: 'QUEUE_URL',
      environmentVariable: options.environmentVariable,
      address: this.queue.queueUrl,
      // Not grantSendMessages: its KMS grant adds kms:ReEncrypt* and kms:GenerateDataKey* wildcards, while
      // sending to an encrypted queue needs exactly these two key actions.
      grant: () => {
        this.queue.grant(fn, 'sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl');
        this.queue.encryptionMasterKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
      },
    });
  }

  private checkConsumerOptions(options: QueueConsumerOptions): void {
    const { batchSize, maxBatchingWindow, maxConcurrency } = options;
    const maxBatch = this.fifo ? 10 : 10000;
    checkIntegerInRange('batchSize', batchSize, 1, maxBatch, this.fifo ? ' (FIFO queue)' : '');
    if (batchSize !== undefined && !Token.isUnresolved(batchSize) && batchSize > 10 && maxBatchingWindow === undefined) {
      throw new Error(`batchSize: ${batchSize} needs maxBatchingWindow; Lambda accepts batches above 10 only with a batching window`);
    }
    if (maxBatchingWindow !== undefined) {
      if (this.fifo) throw new Error(`maxBatchingWindow: ${maxBatchingWindow.toHumanString()} is not allowed on a FIFO queue; FIFO queues take no batching window`);
      if (!maxBatchingWindow.isUnresolved() && maxBatchingWindow.toSeconds() > 300) {
        throw new Error(`maxBatchingWindow: ${maxBatchingWindow.toSeconds()} seconds is not allowed; use at most 300`);
      }
    }
    checkIntegerInRange('maxConcurrency', maxConcurrency, 2, 1000);
  }

  private derivedVisibilitySeconds(): number | undefined {
    if (this.consumers.length === 0) return undefined;
    // addConsumer refuses consumers of unknown timeout unless visibilityTimeout is set, and then this is unused.
    const needed = this.consumers.map((c) => requiredVisibilitySeconds(c.timeout!, c.window));
    return Math.max(DEFAULT_VISIBILITY_SECONDS, ...needed);
  }
}

function checkIntegerInRange(prop: string, value: number | undefined, min: number, max: number, note = ''): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop}: ${value} is not allowed; use an integer from ${min} to ${max}${note}`);
  }
}

function checkRetention(prop: string, retention: Duration | undefined): void {
  if (retention === undefined || retention.isUnresolved()) return;
  const seconds = retention.toSeconds();
  if (seconds < 60 || seconds > 14 * 24 * 60 * 60) {
    throw new Error(`${prop}: ${retention.toHumanString()} is not allowed; SQS keeps messages from 1 minute to 14 days`);
  }
}

/** The queue names: FIFO names end in `.fifo`; a (standard) token name is used as given, the DLQ name generated. */
function queueNames(name: string | undefined, fifo: boolean): { queueName?: string; deadLetterQueueName?: string } {
  if (name === undefined) return {};
  if (Token.isUnresolved(name)) return { queueName: name };
  const base = name.replace(/\.fifo$/, '');
  const suffix = fifo ? '.fifo' : '';
  return { queueName: `${base}${suffix}`, deadLetterQueueName: `${base}-dlq${suffix}` };
}

/** The timeout of a consumer, looking through aliases and versions to their function. */
function timeoutOf(fn: lambda.IFunction): Duration | undefined {
  const target = fn instanceof lambda.Alias ? fn.version.lambda : fn instanceof lambda.Version ? fn.lambda : fn;
  return target instanceof lambda.Function ? (target.timeout ?? LAMBDA_DEFAULT_TIMEOUT) : undefined;
}

function requiredVisibilitySeconds(timeout: Duration, window?: Duration): number {
  return 6 * timeout.toSeconds() + (window && !window.isUnresolved() ? window.toSeconds() : 0);
}

/** aws-kms, loaded only by a queue that creates its key: most apps never need it. */
function awsKms(): typeof kms {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('aws-cdk-lib/aws-kms');
}
