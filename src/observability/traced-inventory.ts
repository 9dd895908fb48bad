import { Stack, Token } from 'aws-cdk-lib';
import { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import {
  deploymentKey, stackLabel, TracedApiStageRecord, TracedConnectionRole, TracedEventBusRecord, TracedEventRoute, TracedFunctionRecord,
  TracedQueueRecord, TracedStateMachineRecord, TracedTopicRecord, TracedTopicSubscription, TracingAlarmRecord, TracingGroupRecord,
  TracingRegistry,
} from '../registry/tracing-registry';

/** The traced functions of one service. */
export interface TracedService {
  readonly name: string;
  readonly functions: TracedFunctionRecord[];
}

/** A traced queue, bus or topic with the service it is attributed to. */
export interface Attributed<T> {
  readonly record: T;
  readonly serviceName: string;
}

/** Everything traced in a set of stacks, read from their registries, in a deterministic order. */
export interface TracedInventory {
  readonly stacks: Stack[];
  /** Functions grouped by service name, in the order the services first appear. */
  readonly services: TracedService[];
  readonly queues: Attributed<TracedQueueRecord>[];
  readonly buses: (Attributed<TracedEventBusRecord> & { readonly routes: TracedEventRoute[] })[];
  readonly topics: (Attributed<TracedTopicRecord> & { readonly subscriptions: TracedTopicSubscription[] })[];
  /** REST API stages and state machines, attributed to their stack (they have no producer or consumer functions). */
  readonly apiStages: Attributed<TracedApiStageRecord>[];
  readonly stateMachines: Attributed<TracedStateMachineRecord>[];
  /** The X-Ray groups of the stacks and the default faults groups of their environments, faults groups first. */
  readonly groups: TracingGroupRecord[];
  readonly alarms: TracingAlarmRecord[];
  /** The functions that consume from a traced resource. */
  consumersOf(owner: IConstruct): IFunction[];
}

/**
 * Reads what `stacks` trace. Call it when the app is complete (at synthesis), so that resources traced
 * after the reader was constructed are included.
 */
export function inventoryOf(stacks: Stack[]): TracedInventory {
  const registries = stacks.map((stack) => TracingRegistry.of(stack));
  const services = new Map<string, TracedFunctionRecord[]>();
  for (const f of registries.flatMap((r) => r.functions)) {
    services.set(f.serviceName, [...services.get(f.serviceName) ?? [], f]);
  }
  const attribute = (registry: TracingRegistry, owner: IConstruct): string => {
    for (const role of [TracedConnectionRole.CONSUMER, TracedConnectionRole.PRODUCER]) {
      for (const connection of registry.connectionsOf(owner, role)) {
        const fn = TracingRegistry.of(connection.function).findFunction(connection.function);
        if (fn) return fn.serviceName;
      }
    }
    return kebab(stackLabel(Stack.of(owner)));
  };
  const deployments = new Set(stacks.map(deploymentKey));
  const defaultGroups = TracingRegistry.inApp(stacks[0])
    .filter((r) => deployments.has(deploymentKey(Stack.of(r))))
    .flatMap((r) => r.groups.filter((g) => g.defaultFaultsGroup));
  return {
    stacks,
    services: [...services].map(([name, functions]) => ({ name, functions })),
    queues: registries.flatMap((r) => r.queues.map((record) => ({ record, serviceName: attribute(r, record.owner) }))),
    buses: registries.flatMap((r) => r.eventBuses.map((record) => ({
      record, serviceName: attribute(r, record.owner), routes: r.eventRoutes.filter((route) => route.bus === record.owner),
    }))),
    topics: registries.flatMap((r) => r.topics.map((record) => ({
      record, serviceName: attribute(r, record.owner), subscriptions: r.topicSubscriptions.filter((s) => s.topic === record.owner),
    }))),
    apiStages: registries.flatMap((r) => r.apiStages.map((record) => ({ record, serviceName: kebab(stackLabel(Stack.of(record.owner))) }))),
    stateMachines: registries.flatMap((r) => r.stateMachines.map((record) => ({ record, serviceName: kebab(stackLabel(Stack.of(record.owner))) }))),
    groups: [...defaultGroups, ...registries.flatMap((r) => r.groups.filter((g) => !g.defaultFaultsGroup))],
    alarms: registries.flatMap((r) => r.alarms),
    consumersOf: (owner) => TracingRegistry.of(owner).connectionsOf(owner, TracedConnectionRole.CONSUMER).map((c) => c.function),
  };
}

/**
 * The name of a function's log group, read without `fn.logGroup`: that getter creates a `Custom::LogRetention`
 * (and its provider function) in the function's stack when no log group was given.
 */
export function logGroupNameOf(fn: IFunction): string {
  const logging = (fn.node.defaultChild as CfnFunction | undefined)?.loggingConfig;
  const given = logging && !Token.isUnresolved(logging) ? (logging as CfnFunction.LoggingConfigProperty).logGroup : undefined;
  return given ?? `/aws/lambda/${fn.functionName}`;
}

/** The path of a construct below its stack, kebab-cased: unique in the stack, unlike its id. */
export function pathBelowStack(construct: IConstruct): string {
  const stack = Stack.of(construct);
  return kebab(construct.node.scopes.slice(stack.node.scopes.length).map((c) => c.node.id).join('-'));
}

/** `OrderPipeline` -> `order-pipeline`: the form service names and alarm names use. */
export function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase();
}
