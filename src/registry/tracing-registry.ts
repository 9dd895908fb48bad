import { Names, Stack, Stage, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import {
  TracedApiStageRecord, TracedConnection, TracedConnectionRole, TracedEventBusRecord, TracedEventRoute, TracedFunctionRecord, TracedQueueRecord,
  TracedStateMachineRecord, TracedTopicRecord, TracedTopicSubscription, TracingAlarmRecord, TracingGroupRecord, TracingSamplingRuleRecord,
  TransactionSearchRecord,
} from './tracing-records';

// Readers import the records with the registry.
export {
  OpenTelemetryMode, TracedApiStageRecord, TracedConnection, TracedConnectionRole, TracedEventBusRecord, TracedEventRoute, TracedFunctionRecord,
  TracedQueueRecord, TracedStateMachineRecord, TracedTopicRecord, TracedTopicSubscription, TracingAlarmRecord, TracingGroupRecord,
  TracingSamplingRuleRecord, TransactionSearchRecord,
} from './tracing-records';

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
  private readonly _apiStages: TracedApiStageRecord[] = [];
  private readonly _stateMachines: TracedStateMachineRecord[] = [];
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

  /** Every traced REST API stage of the stack, in registration order. */
  public get apiStages(): TracedApiStageRecord[] {
    return [...this._apiStages];
  }

  /** Every traced state machine of the stack, in registration order. */
  public get stateMachines(): TracedStateMachineRecord[] {
    return [...this._stateMachines];
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
   * Records a traced REST API stage; registering the same stage again changes nothing.
   * @internal
   */
  public _registerApiStage(record: TracedApiStageRecord): void {
    if (!this._apiStages.some((r) => r.owner === record.owner)) this._apiStages.push(record);
  }

  /**
   * Records a traced state machine; registering the same state machine again changes nothing.
   * @internal
   */
  public _registerStateMachine(record: TracedStateMachineRecord): void {
    if (!this._stateMachines.some((r) => r.owner === record.owner)) this._stateMachines.push(record);
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
