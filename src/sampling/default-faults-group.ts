import { Lazy, Names, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { TracingFilter } from './tracing-filter';
import { TracingGroup } from './tracing-group';
import { contextIsFalse, TracingRegistry } from '../registry/tracing-registry';

const FAULTS_GROUP_ID = 'TracingFaultsGroup';

/**
 * Context key that turns the default faults group off: `"@cdk-serverless-tracing/faultsGroup": false` in
 * `cdk.json`, or `app.node.setContext(...)` before any traced construct is created.
 */
export const FAULTS_GROUP_CONTEXT = '@cdk-serverless-tracing/faultsGroup';

/**
 * Creates the stack's default X-Ray group of faulty traces through its traced functions and queues, once,
 * when the first traced resource registers, unless the `@cdk-serverless-tracing/faultsGroup` context is
 * `false`. Its filter reads the registry when the template is written, so resources traced later are included.
 */
export function ensureDefaultFaultsGroup(scope: IConstruct): void {
  const stack = Stack.of(scope);
  if (stack.node.tryFindChild(FAULTS_GROUP_ID) || contextIsFalse(scope, FAULTS_GROUP_CONTEXT)) return;
  const registry = TracingRegistry.of(stack);
  const groupName = !Token.isUnresolved(stack.stackName) && /^[A-Za-z0-9_-]{1,25}$/.test(stack.stackName)
    ? `${stack.stackName}-faults`
    : Names.uniqueResourceName(registry, { maxLength: 32, separator: '-' });
  const services = Lazy.string({
    produce: () => [
      ...registry.functions.map((f) => f.function.functionName),
      ...registry.queues.map((q) => q.queue.queueName),
    ].map((name) => `service("${name}")`).join(' OR '),
  });
  TracingGroup._createDefaultFaultsGroup(stack, FAULTS_GROUP_ID, {
    groupName,
    filter: TracingFilter.fault().and(TracingFilter.raw(services)),
  });
}
