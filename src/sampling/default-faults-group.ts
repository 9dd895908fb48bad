import { Annotations, Lazy, Names, Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { TracingFilter } from './tracing-filter';
import { TracingGroup } from './tracing-group';
import { contextIsFalse, deploymentKey, OpenTelemetryMode, TracedFunctionRecord, TracingRegistry } from '../registry/tracing-registry';

/**
 * Context key that turns the default faults groups off: `"@cdk-serverless-tracing/faultsGroup": false` in
 * `cdk.json`, or `app.node.setContext(...)` before any traced construct is created.
 */
export const FAULTS_GROUP_CONTEXT = '@cdk-serverless-tracing/faultsGroup';

/**
 * X-Ray documents no length limit for a group's filter expression (CreateGroup `FilterExpression`: "Type:
 * String", no constraints; AWS::XRay::Group likewise). The library keeps each default group's expression
 * within this budget anyway, so the group stays readable in the console and one group's evaluation error
 * (X-Ray then stops processing that group) cannot take the whole app's fault view with it.
 */
export const FAULTS_GROUP_FILTER_BUDGET = 2000;

/**
 * The most default faults groups one app creates per environment (account and Region): X-Ray allows 25
 * groups per Region and the quota cannot be raised, so the library takes at most this many, whatever the
 * number of stacks, and leaves the rest to the application.
 */
export const MAX_DEFAULT_FAULTS_GROUPS = 3;

/** Every faulty trace through any Lambda function: what the groups reduce to when the services do not fit. */
const REDUCED_FILTER = 'fault = true AND service(id(type: "AWS::Lambda::Function"))';
/** A function name only known at deploy time is at most this long (Lambda's limit). */
const TOKEN_NAME_LENGTH = 64;

/** The default faults groups of one environment of one app. */
interface EnvironmentFaultsGroups {
  readonly host: Stack;
  readonly baseName: string;
  readonly groups: TracingGroup[];
  /** Each traced service once, as the `service(...)` clause that matches its traces, in registration order. */
  readonly clauses: string[];
  reduced: boolean;
}

const groupsByApp = new WeakMap<IConstruct, Map<string, EnvironmentFaultsGroups>>();

/**
 * Puts a newly traced function into its environment's default faults groups: one group per stage, account
 * and Region (the app's region-agnostic stacks of a stage share one), hosted by the first stack that traced
 * a function there, so a stage of any number of stacks takes at most `MAX_DEFAULT_FAULTS_GROUPS` of X-Ray's
 * 25 groups per Region, and each stage deploys and alarms on its own.
 *
 * Services are matched by their service name, a literal the distro writes as the segment name, so the
 * filter needs no cross-stack reference. A function without an OpenTelemetry layer has only Lambda's own
 * segments, named after the function: its name is used when it is known at synth or the function is in the
 * host stack. The services are split over more groups when one filter would pass the budget, and reduced
 * to every faulty trace through a Lambda function when even `MAX_DEFAULT_FAULTS_GROUPS` would not hold them.
 */
export function includeInDefaultFaultsGroups(record: TracedFunctionRecord): void {
  const fn = record.function;
  if (contextIsFalse(fn, FAULTS_GROUP_CONTEXT)) return;
  const env = environmentOf(fn);
  const clause = serviceClause(record, env.host);
  if (clause === undefined) {
    Annotations.of(fn).addWarningV2('cdk-serverless-tracing:faults-group-coverage',
      `${fn.node.path} has no OpenTelemetry layer and a function name only known at deploy time in another stack than ${env.host.node.path}, which hosts the default faults group; set functionName, or give it a layer, to have its faults in that group.`);
    return;
  }
  if (!env.clauses.includes(clause)) env.clauses.push(clause);
  if (env.reduced) return;
  const needed = chunk(env.clauses).length;
  if (needed > MAX_DEFAULT_FAULTS_GROUPS) {
    reduce(env);
    return;
  }
  while (env.groups.length < needed) addGroup(env);
}

function environmentOf(fn: lambda.Function): EnvironmentFaultsGroups {
  const stack = Stack.of(fn);
  const root = stack.node.root;
  const byEnv = groupsByApp.get(root) ?? new Map<string, EnvironmentFaultsGroups>();
  groupsByApp.set(root, byEnv);
  const key = deploymentKey(stack);
  let env = byEnv.get(key);
  if (!env) {
    const fits = !Token.isUnresolved(stack.stackName) && /^[A-Za-z0-9_-]{1,23}$/.test(stack.stackName);
    const baseName = fits ? `${stack.stackName}-faults` : Names.uniqueResourceName(TracingRegistry.of(stack), { maxLength: 30, separator: '-' });
    env = { host: stack, baseName, groups: [], clauses: [], reduced: false };
    byEnv.set(key, env);
  }
  return env;
}

function serviceClause(record: TracedFunctionRecord, host: Stack): string | undefined {
  if (record.openTelemetryMode !== OpenTelemetryMode.NONE) return TracingFilter.service(record.serviceName).expression;
  // `functionName` is a token even for a named function; the L1 property holds the literal name given.
  const given = (record.function.node.defaultChild as lambda.CfnFunction).functionName;
  if (given !== undefined && !Token.isUnresolved(given)) return TracingFilter.service(given).expression;
  return Stack.of(record.function) === host ? TracingFilter.service(record.function.functionName).expression : undefined;
}

/** Greedy, in registration order, so adding a service never moves the ones already placed. */
function chunk(clauses: string[]): string[][] {
  const budget = FAULTS_GROUP_FILTER_BUDGET - '(fault = true) AND ()'.length;
  const chunks: string[][] = [];
  let length = Infinity;
  for (const clause of clauses) {
    const size = (Token.isUnresolved(clause) ? TOKEN_NAME_LENGTH + 'service("")'.length : clause.length) + ' OR '.length;
    if (length + size > budget) {
      chunks.push([]);
      length = 0;
    }
    chunks[chunks.length - 1].push(clause);
    length += size;
  }
  return chunks;
}

function addGroup(env: EnvironmentFaultsGroups): void {
  const index = env.groups.length;
  const filter = Lazy.string({
    produce: () => env.reduced ? REDUCED_FILTER : `(fault = true) AND (${chunk(env.clauses)[index].join(' OR ')})`,
  });
  env.groups.push(TracingGroup._createDefaultFaultsGroup(env.host, index === 0 ? 'TracingFaultsGroup' : `TracingFaultsGroup${index + 1}`, {
    groupName: index === 0 ? env.baseName : `${env.baseName}-${index + 1}`,
    filter: TracingFilter.raw(filter),
  }));
}

function reduce(env: EnvironmentFaultsGroups): void {
  env.reduced = true;
  for (const extra of env.groups.splice(1)) {
    TracingRegistry.of(env.host)._unregisterGroup(extra);
    env.host.node.tryRemoveChild(extra.node.id);
  }
  Annotations.of(env.groups[0]).addWarningV2('cdk-serverless-tracing:faults-group-reduced',
    `The traced services of this environment need more than ${MAX_DEFAULT_FAULTS_GROUPS} default faults groups of ${FAULTS_GROUP_FILTER_BUDGET} characters each; ${env.groups[0].groupName} now holds every faulty trace through a Lambda function in the account and Region. Add TracingGroups of your own for narrower views.`);
}
