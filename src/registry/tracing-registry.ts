import { Names, Stack, Stage, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';

/**
 * How a traced function's OpenTelemetry layer was chosen.
 */
export enum OpenTelemetryMode {
  /** The AWS Distro for OpenTelemetry layer (`AWSOpenTelemetryDistroJs` / `AWSOpenTelemetryDistroPython`). */
  AWS_DISTRO = 'AWS_DISTRO',
  /** aws-cdk-lib's own `adotInstrumentation` (the legacy ADOT collector layers). */
  LEGACY_ADOT = 'LEGACY_ADOT',
  /** A layer version ARN given by the user. */
  CUSTOM_LAYER = 'CUSTOM_LAYER',
  /** No OpenTelemetry layer: X-Ray tracing only. */
  NONE = 'NONE',
}

/**
 * What the tracing registry knows about a traced function.
 */
export interface TracedFunctionRecord {
  /** The instrumented function. */
  readonly function: lambda.Function;
  /** The service name traces and logs of this function carry (`OTEL_SERVICE_NAME`, `POWERTOOLS_SERVICE_NAME`). */
  readonly serviceName: string;
  /** The X-Ray tracing mode of the function: `Tracing.ACTIVE` or `Tracing.PASS_THROUGH`. */
  readonly tracing: lambda.Tracing;
  /** How the OpenTelemetry layer was chosen. */
  readonly openTelemetryMode: OpenTelemetryMode;
  /**
   * The layer version ARN attached; a token when the stack's region is resolved at deploy time.
   * @default - no layer (`OpenTelemetryMode.NONE`)
   */
  readonly layerArn?: string;
  /**
   * The `AWS_LAMBDA_EXEC_WRAPPER` the layer runs the handler through.
   * @default - no wrapper (`OpenTelemetryMode.NONE`)
   */
  readonly execWrapper?: string;
  /** Whether CloudWatch Application Signals is enabled for the function. */
  readonly applicationSignals: boolean;
  /**
   * The OpenTelemetry sampling ratio for traces the function starts itself.
   * @default - the layer's own sampler
   */
  readonly samplingRatio?: number;
  /**
   * The OTLP endpoint spans are exported to.
   * @default - X-Ray
   */
  readonly otlpEndpoint?: string;
}

/**
 * What the tracing registry knows about a traced queue.
 */
export interface TracedQueueRecord {
  /** The construct that owns the queue. */
  readonly owner: IConstruct;
  /** The queue messages are sent to. */
  readonly queue: sqs.IQueue;
  /** The queue messages go to after `maxReceiveCount` failed receives. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * What the tracing registry knows about a traced event bus.
 */
export interface TracedEventBusRecord {
  /** The construct that owns the bus. */
  readonly owner: IConstruct;
  /** The bus. */
  readonly eventBus: events.IEventBus;
}

/**
 * What the tracing registry knows about a traced topic.
 */
export interface TracedTopicRecord {
  /** The construct that owns the topic. */
  readonly owner: IConstruct;
  /** The topic. */
  readonly topic: sns.ITopic;
}

/**
 * A subscription of a traced topic.
 */
export interface TracedTopicSubscription {
  /** The construct that owns the topic. */
  readonly topic: IConstruct;
  /** The subscription. */
  readonly subscription: sns.Subscription;
  /** The function or traced queue subscribed. */
  readonly target: IConstruct;
  /** Where undeliverable messages go. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * An EventBridge rule from a traced bus to a consumer.
 */
export interface TracedEventRoute {
  /** The construct that owns the bus. */
  readonly bus: IConstruct;
  /** The rule. */
  readonly rule: events.IRule;
  /** The function or traced queue the rule delivers to. */
  readonly target: IConstruct;
  /** Where the rule's undeliverable events go. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * What the tracing registry knows about an X-Ray group.
 */
export interface TracingGroupRecord {
  /** The construct that owns the group. */
  readonly owner: IConstruct;
  /** The group's name (the `GroupName` dimension of its `ApproximateTraceCount` metric). */
  readonly groupName: string;
  /** The group's filter expression. */
  readonly filterExpression: string;
  /** Whether the library created the group as a default faults group. */
  readonly defaultFaultsGroup: boolean;
}

/**
 * What the tracing registry knows about an X-Ray sampling rule.
 */
export interface TracingSamplingRuleRecord {
  /** The construct that owns the rule. */
  readonly owner: IConstruct;
  /** The rule's name. */
  readonly ruleName: string;
  /** The rule's priority: lower is evaluated first. */
  readonly priority: number;
}

/**
 * What the tracing registry knows about a stack's Transaction Search setting.
 */
export interface TransactionSearchRecord {
  /** The construct that enables Transaction Search. */
  readonly owner: IConstruct;
}

/**
 * What the tracing registry knows about an alarm created for traced resources.
 */
export interface TracingAlarmRecord {
  /** The construct that created the alarm (a `TracingAlarms`). */
  readonly owner: IConstruct;
  /** The alarm. */
  readonly alarm: cloudwatch.IAlarm;
  /** The alarm's name, as given to CloudWatch. */
  readonly alarmName: string;
  /** The service the alarm belongs to. */
  readonly serviceName: string;
  /** Whether it is the composite alarm of its service (what pages), rather than one of its inputs. */
  readonly composite: boolean;
}

/**
 * The role a function plays on a traced resource.
 */
export enum TracedConnectionRole {
  /** The function sends to the resource. */
  PRODUCER = 'PRODUCER',
  /** The function is invoked with what the resource delivers. */
  CONSUMER = 'CONSUMER',
}

/**
 * An edge of the traced service graph: a function producing to, or consuming from, a traced resource.
 */
export interface TracedConnection {
  /** The construct that owns the traced resource (a `TracedQueue`, for example). */
  readonly resource: IConstruct;
  /** The function on the other end. */
  readonly function: lambda.IFunction;
  /** Whether the function produces to or consumes from the resource. */
  readonly role: TracedConnectionRole;
}

const REGISTRY_ID = 'TracingRegistry';

/**
 * The account and Region a stack deploys to, as one key; every region-agnostic stack shares one key.
 */
export function environmentKey(stack: Stack): string {
  return Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region) ? 'region-agnostic' : `${stack.account}/${stack.region}`;
}

/**
 * The stage and environment a stack deploys with, as one key: stacks of two stages (Beta, Gamma) are
 * deployed apart even when they share an account and Region.
 */
export function deploymentKey(stack: Stack): string {
  return `${Stage.of(stack)?.node.path ?? ''}|${environmentKey(stack)}`;
}

/**
 * A stable, readable name for a stack in names the library derives: its name, or for a stack whose name
 * is only known at deploy time (a nested stack) a unique name from its path, so it never depends on the
 * order tokens were created in.
 */
export function stackLabel(stack: Stack): string {
  return Token.isUnresolved(stack.stackName) ? Names.uniqueResourceName(stack, { maxLength: 64, separator: '-' }) : stack.stackName;
}

/** The registries of each app (keyed by the construct tree's root), in the order their stacks first traced something. */
const registriesByApp = new WeakMap<IConstruct, TracingRegistry[]>();

/**
 * Whether an opt-out context key is false: `false` from cdk.json or code, `"false"` from `cdk -c key=false`.
 * Anything but a boolean or `"true"`/`"false"` is an error naming the key.
 */
export function contextIsFalse(scope: IConstruct, key: string): boolean {
  const value = scope.node.tryGetContext(key);
  if (value === undefined || value === true || value === 'true') return false;
  if (value === false || value === 'false') return true;
  throw new Error(`${key}: context value ${JSON.stringify(value)} is not allowed; use true or false`);
}
/**
 * The per-stack list of everything traced.
 *
 * Traced constructs register here when they are created; whatever needs "everything traced"
 * (dashboards, alarms, checks, the tracing report) reads this registry instead of walking the
 * construct tree. It synthesizes nothing.
 */
export class TracingRegistry extends Construct {
  /**
   * The registry of the stack that contains `scope`, created on first use.
   */
  public static of(scope: IConstruct): TracingRegistry {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(REGISTRY_ID);
    if (existing instanceof TracingRegistry) return existing;
    if (existing) {
      throw new Error(`The construct id '${REGISTRY_ID}' is reserved for the tracing registry in stack '${stack.node.path}'`);
    }
    const registry = new TracingRegistry(stack, REGISTRY_ID);
    const inApp = registriesByApp.get(stack.node.root) ?? [];
    inApp.push(registry);
    registriesByApp.set(stack.node.root, inApp);
    return registry;
  }

  /**
   * The registries of every stack of the app that contains `scope` and has traced something, in the order
   * the stacks first registered a traced resource. Readers that span stacks (X-Ray quotas per Region, the
   * default faults groups, dashboards over several stacks) use this instead of walking the construct tree.
   */
  public static inApp(scope: IConstruct): TracingRegistry[] {
    return [...(registriesByApp.get(scope.node.root) ?? [])];
  }

  private readonly _functions: TracedFunctionRecord[] = [];
  private readonly _queues: TracedQueueRecord[] = [];
  private readonly _connections: TracedConnection[] = [];
  private readonly _samplingRules: TracingSamplingRuleRecord[] = [];
  private readonly _groups: TracingGroupRecord[] = [];
  private readonly _eventBuses: TracedEventBusRecord[] = [];
  private readonly _eventRoutes: TracedEventRoute[] = [];
  private readonly _topics: TracedTopicRecord[] = [];
  private readonly _topicSubscriptions: TracedTopicSubscription[] = [];
  private readonly _alarms: TracingAlarmRecord[] = [];
  private _transactionSearch?: TransactionSearchRecord;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
  }

  /** Every traced function of the stack, in registration order. */
  public get functions(): TracedFunctionRecord[] {
    return [...this._functions];
  }

  /** Every traced queue of the stack, in registration order. */
  public get queues(): TracedQueueRecord[] {
    return [...this._queues];
  }

  /** Every X-Ray sampling rule of the stack, in registration order. */
  public get samplingRules(): TracingSamplingRuleRecord[] {
    return [...this._samplingRules];
  }

  /** Every traced event bus of the stack, in registration order. */
  public get eventBuses(): TracedEventBusRecord[] {
    return [...this._eventBuses];
  }

  /** Every rule from a traced bus to a consumer, in registration order. */
  public get eventRoutes(): TracedEventRoute[] {
    return [...this._eventRoutes];
  }

  /** The stack's Transaction Search setting, if it enables it. */
  public get transactionSearch(): TransactionSearchRecord | undefined {
    return this._transactionSearch;
  }

  /** Every traced topic of the stack, in registration order. */
  public get topics(): TracedTopicRecord[] {
    return [...this._topics];
  }

  /** Every subscription of a traced topic, in registration order. */
  public get topicSubscriptions(): TracedTopicSubscription[] {
    return [...this._topicSubscriptions];
  }

  /** Every X-Ray group of the stack, in registration order. */
  public get groups(): TracingGroupRecord[] {
    return [...this._groups];
  }

  /** Every alarm created for the stack's traced resources, in registration order. */
  public get alarms(): TracingAlarmRecord[] {
    return [...this._alarms];
  }

  /** Every producer and consumer edge of the stack, in registration order. */
  public get connections(): TracedConnection[] {
    return [...this._connections];
  }

  /**
   * Records a traced function. A function can be registered once.
   * @internal
   */
  public _registerFunction(record: TracedFunctionRecord): void {
    if (this.findFunction(record.function)) {
      throw new Error(`Function '${record.function.node.path}' is already registered as traced`);
    }
    this._functions.push(record);
  }

  /**
   * The record of a traced function, if it is registered.
   */
  public findFunction(fn: lambda.IFunction): TracedFunctionRecord | undefined {
    return this._functions.find((r) => r.function === fn);
  }

  /**
   * Records a traced queue. A queue can be registered once.
   * @internal
   */
  public _registerQueue(record: TracedQueueRecord): void {
    if (this._queues.some((r) => r.queue === record.queue)) {
      throw new Error(`Queue '${record.queue.node.path}' is already registered as traced`);
    }
    this._queues.push(record);
  }

  /**
   * Records that a function produces to or consumes from a traced resource.
   * @internal
   */
  public _registerConnection(connection: TracedConnection): void {
    this._connections.push(connection);
  }

  /**
   * Records the stack's Transaction Search setting.
   * @internal
   */
  public _registerTransactionSearch(search: TransactionSearchRecord): void {
    this._transactionSearch = search;
  }

  /**
   * Records a traced topic.
   * @internal
   */
  public _registerTopic(record: TracedTopicRecord): void {
    this._topics.push(record);
  }

  /**
   * Records a subscription of a traced topic.
   * @internal
   */
  public _registerTopicSubscription(record: TracedTopicSubscription): void {
    this._topicSubscriptions.push(record);
  }

  /**
   * Records a traced event bus.
   * @internal
   */
  public _registerEventBus(record: TracedEventBusRecord): void {
    this._eventBuses.push(record);
  }

  /**
   * Records a rule from a traced bus to a consumer.
   * @internal
   */
  public _registerEventRoute(route: TracedEventRoute): void {
    this._eventRoutes.push(route);
  }

  /**
   * Records an X-Ray group.
   * @internal
   */
  public _registerGroup(group: TracingGroupRecord): void {
    this._groups.push(group);
  }

  /**
   * Forgets an X-Ray group the library removed again (a default faults group merged into another).
   * @internal
   */
  public _unregisterGroup(owner: IConstruct): void {
    const index = this._groups.findIndex((g) => g.owner === owner);
    if (index >= 0) this._groups.splice(index, 1);
  }

  /**
   * Records an alarm created for traced resources.
   * @internal
   */
  public _registerAlarm(record: TracingAlarmRecord): void {
    this._alarms.push(record);
  }

  /**
   * Records a sampling rule.
   * @internal
   */
  public _registerSamplingRule(rule: TracingSamplingRuleRecord): void {
    this._samplingRules.push(rule);
  }

  /**
   * The connections of one traced resource, optionally only those of one role.
   */
  public connectionsOf(resource: IConstruct, role?: TracedConnectionRole): TracedConnection[] {
    return this._connections.filter((c) => c.resource === resource && (role === undefined || c.role === role));
  }
}
