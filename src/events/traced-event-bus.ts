import { Aws, Duration, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { QueueRuleTarget } from './queue-rule-target';
import { bindProducer } from '../function/producer-binding';
import { deliveryDeadLetterQueue } from '../queue/delivery-dead-letter-queue';
import { TracedQueue } from '../queue/traced-queue';
import { TracedConnectionRole, TracingRegistry } from '../registry/tracing-registry';

/** The key of the W3C carrier inside `detail`, as `cdk-serverless-tracing/runtime` writes it by default. */
const CARRIER_PATH = '$.detail._trace';

/**
 * An archive of the bus's events, for replay.
 */
export interface EventBusArchiveOptions {
  /**
   * How long archived events are kept: whole days, at least 1 (EventBridge reads 0 as "forever").
   * @default - forever
   */
  readonly retention?: Duration;
  /**
   * Which events are archived.
   * @default - every event sent by this account
   */
  readonly eventPattern?: events.EventPattern;
  /**
   * The archive's name: 1-48 letters, digits, '.', '-' or '_'.
   * @default - generated
   */
  readonly archiveName?: string;
}

/**
 * Props of `TracedEventBus`.
 */
export interface TracedEventBusProps {
  /**
   * An existing bus to trace instead of creating one, e.g. `EventBus.fromEventBusName(this, 'Default', 'default')`.
   * @default - a new bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * The name of the new bus (not with `eventBus`).
   * @default - generated
   */
  readonly eventBusName?: string;
  /**
   * Archive the bus's events.
   * @default - no archive
   */
  readonly archive?: EventBusArchiveOptions;
}

/**
 * Options of `TracedEventBus.addProducer`.
 */
export interface EventBusProducerOptions {
  /**
   * The environment variable the producer reads the bus name from.
   * @default - the bus's construct id in upper snake case plus `_EVENT_BUS_NAME` (`PAYMENTS_EVENT_BUS_NAME`)
   */
  readonly environmentVariable?: string;
}

/**
 * Options of `TracedEventBus.addConsumer`.
 */
export interface EventBusConsumerOptions {
  /** Which events the consumer receives. */
  readonly eventPattern: events.EventPattern;
  /**
   * The rule's description.
   * @default - none
   */
  readonly description?: string;
  /**
   * How often EventBridge retries a failed delivery (0-185).
   * @default 8
   */
  readonly retryAttempts?: number;
  /**
   * How long EventBridge keeps retrying an event (1 minute to 24 hours).
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
  /**
   * Where undeliverable events go.
   * @default - a new queue: SQS-managed encryption, SSL only, 14-day retention
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * What the target receives instead of the whole event. It must keep the trace carrier where
   * `eventBridgeEventContext` reads it: the whole event (`$`), the whole `detail` (`$.detail`), or an object
   * with a top-level `_trace: EventField.fromPath('$.detail._trace')`.
   * @default - the whole event
   */
  readonly message?: events.RuleTargetInput;
  /**
   * The message group of events delivered to a FIFO queue; required for, and only for, a FIFO `TracedQueue`.
   * @default - none
   */
  readonly messageGroupId?: string;
}

const DEFAULT_RETRY_ATTEMPTS = 8;
const DEFAULT_MAX_EVENT_AGE = Duration.hours(1);

/**
 * An EventBridge bus whose producers and consumers are traced: producers may put events on this bus only,
 * every consumer rule's target has a dead-letter queue and a retry policy, and input transformers must keep
 * the W3C carrier (`detail._trace`) that `injectEventBridgeEntry` writes. Registered in the tracing registry.
 */
export class TracedEventBus extends Construct {
  /** The traced bus. */
  public readonly eventBus: events.IEventBus;
  /** The archive, when one was asked for. */
  public readonly archive?: events.Archive;

  private readonly producers = new Map<lambda.Function, string>();

  constructor(scope: Construct, id: string, props: TracedEventBusProps = {}) {
    super(scope, id);
    if (props.eventBus && props.eventBusName !== undefined) {
      throw new Error('eventBusName: only a new bus takes a name; it contradicts eventBus');
    }
    this.eventBus = props.eventBus ?? new events.EventBus(this, 'Bus', { eventBusName: props.eventBusName });
    const archiveName = props.archive?.archiveName;
    if (archiveName !== undefined && !Token.isUnresolved(archiveName) && !/^[.\-_A-Za-z0-9]{1,48}$/.test(archiveName)) {
      throw new Error(`archive.archiveName: '${archiveName}' is not allowed; use 1-48 letters, digits, '.', '-' or '_'`);
    }
    const retention = props.archive?.retention;
    if (retention && !retention.isUnresolved()) {
      const days = retention.toDays({ integral: false });
      if (!Number.isInteger(days) || days < 1) {
        throw new Error(`archive.retention: ${retention.toHumanString()} is not allowed; use a whole number of days from 1 (leave it out to keep events forever)`);
      }
    }
    if (props.archive) {
      this.archive = new events.Archive(this, 'Archive', {
        sourceEventBus: this.eventBus,
        archiveName: props.archive.archiveName,
        retention: props.archive.retention,
        eventPattern: props.archive.eventPattern ?? { account: [Aws.ACCOUNT_ID] },
      });
    }
    TracingRegistry.of(this)._registerEventBus({ owner: this, eventBus: this.eventBus });
  }

  /**
   * Lets `fn` put events on this bus (`events:PutEvents` on this bus only) and sets an environment variable
   * with the bus name.
   *
   * @returns the name of the environment variable
   */
  public addProducer(fn: lambda.Function, options: EventBusProducerOptions = {}): string {
    return bindProducer(this, this.producers, fn, {
      suffix: 'EVENT_BUS_NAME',
      environmentVariable: options.environmentVariable,
      address: this.eventBus.eventBusName,
      grant: () => this.eventBus.grantPutEventsTo(fn),
    });
  }

  /**
   * Routes matching events to a function or a traced queue through a rule whose target has a dead-letter
   * queue and a retry policy.
   *
   * @returns the rule
   */
  public addConsumer(id: string, target: lambda.IFunction | TracedQueue, options: EventBusConsumerOptions): events.Rule {
    const retryAttempts = options.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    if (!Token.isUnresolved(retryAttempts) && (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185)) {
      throw new Error(`retryAttempts: ${retryAttempts} is not allowed; use an integer from 0 to 185`);
    }
    const maxEventAge = options.maxEventAge ?? DEFAULT_MAX_EVENT_AGE;
    if (!maxEventAge.isUnresolved() && (maxEventAge.toSeconds() < 60 || maxEventAge.toSeconds() > 86400)) {
      throw new Error(`maxEventAge: ${maxEventAge.toHumanString()} is not allowed; use 1 minute to 24 hours`);
    }
    if (options.message) checkCarrierKept(this, options.message);
    const fifoTarget = target instanceof TracedQueue && target.isFifo;
    if (fifoTarget !== (options.messageGroupId !== undefined)) {
      throw new Error(fifoTarget
        ? `messageGroupId: '${target.node.path}' is a FIFO queue; EventBridge needs a message group id to deliver to it`
        : `messageGroupId: '${options.messageGroupId}' only applies to a FIFO TracedQueue target`);
    }
    if (options.deadLetterQueue) checkDeadLetterQueue(options.deadLetterQueue);
    const managedKey = target instanceof TracedQueue
      && (target.encryption === sqs.QueueEncryption.KMS_MANAGED || isAwsManagedSqsKey(target.queue.encryptionMasterKey));
    if (managedKey) {
      throw new Error(`target: '${target.node.path}' is encrypted with the AWS managed key for SQS (alias/aws/sqs), whose policy EventBridge cannot be granted, so every event would go to the rule's dead-letter queue; give the TracedQueue encryption: QueueEncryption.SQS_MANAGED, or QueueEncryption.KMS with a customer managed key`);
    }

    const rule = new events.Rule(this, id, {
      eventBus: this.eventBus,
      eventPattern: options.eventPattern,
      description: options.description,
    });
    const deadLetterQueue = options.deadLetterQueue ?? deliveryDeadLetterQueue(this, `${id}DeadLetterQueue`, `the EventBridge rule ${rule.node.path}`);
    const delivery = { deadLetterQueue, retryAttempts, maxEventAge };
    if (target instanceof TracedQueue) {
      rule.addTarget(new QueueRuleTarget(target.queue, { ...delivery, message: options.message, messageGroupId: options.messageGroupId }));
    } else {
      // The Lambda target calls its input `event`, the SQS target `message`.
      // aws-events-targets is loaded when a consumer is added, not with the library.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { LambdaFunction } = require('aws-cdk-lib/aws-events-targets') as typeof targets;
      rule.addTarget(new LambdaFunction(target, { ...delivery, event: options.message }));
      TracingRegistry.of(this)._registerConnection({ resource: this, function: target, role: TracedConnectionRole.CONSUMER });
    }
    TracingRegistry.of(this)._registerEventRoute({ bus: this, rule, target, deadLetterQueue });
    return rule;
  }
}

/**
 * The carrier travels in `detail._trace`: a transformer that sends only part of the event must still send it.
 */
function checkCarrierKept(scope: Construct, message: events.RuleTargetInput): void {
  let rendered: events.RuleTargetInputProperties;
  try {
    rendered = message.bind(new events.Rule(new Construct(scope, 'CarrierCheck'), 'Rule', { eventPattern: { source: ['x'] } }));
  } finally {
    scope.node.tryRemoveChild('CarrierCheck');
  }
  const stack = Stack.of(scope);
  const paths = (stack.resolve(rendered.inputPathsMap) ?? {}) as Record<string, string>;
  const resolved = stack.resolve(rendered.inputTemplate);
  const template = typeof resolved === 'string' ? resolved : '';
  // eventBridgeEventContext reads detail._trace, or _trace at the top of what was delivered.
  const carrierAtTop = Object.entries(paths).some(([name, path]) => path === CARRIER_PATH && template.includes(`"_trace":<${name}>`));
  if (!(rendered.inputPath === '$' || rendered.inputPath === '$.detail' || carrierAtTop)) {
    throw new Error(`message: the target input drops the trace carrier; send the whole event, $.detail, or an object with _trace: EventField.fromPath('${CARRIER_PATH}')`);
  }
}

/** EventBridge writes to standard queues only, and cannot use a customer KMS key it has no grant on. */
function checkDeadLetterQueue(queue: sqs.IQueue): void {
  if (queue.fifo) {
    throw new Error(`deadLetterQueue: '${queue.node.path}' is a FIFO queue; EventBridge dead-letter queues must be standard queues`);
  }
  if (queue.encryptionMasterKey) {
    throw new Error(`deadLetterQueue: '${queue.node.path}' is encrypted with a customer KMS key EventBridge cannot use; use SQS-managed encryption`);
  }
}

/** The AWS managed SQS key given as a key alias, which `QueueEncryption.KMS_MANAGED` names implicitly. */
function isAwsManagedSqsKey(key: kms.IKey | undefined): boolean {
  const alias = (key as Partial<kms.IAlias> | undefined)?.aliasName;
  return alias !== undefined && !Token.isUnresolved(alias) && alias === 'alias/aws/sqs';
}
