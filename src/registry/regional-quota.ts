import { Annotations, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { environmentKey, TracingRegistry } from './tracing-registry';

/**
 * X-Ray quotas count per account and Region, across stacks: adds a warning to `construct` when the app's
 * stacks in its Region hold more than `quota` of what `count` counts in each stack's registry.
 */
export function warnAboveRegionalQuota(
  construct: IConstruct,
  quota: number,
  count: (registry: TracingRegistry) => number,
  warning: { readonly id: string; readonly message: (inRegion: number, region: string) => string },
): void {
  const region = Stack.of(construct).region;
  if (Token.isUnresolved(region)) return;
  const inRegion = TracingRegistry.inApp(construct)
    .filter((registry) => Stack.of(registry).region === region)
    .reduce((total, registry) => total + count(registry), 0);
  if (inRegion > quota) {
    Annotations.of(construct).addWarningV2(warning.id, warning.message(inRegion, region));
  }
}

/**
 * The registries of the app's stacks that deploy to the same account and Region as `construct` (X-Ray names
 * and quotas count there); region-agnostic stacks count as one environment.
 */
export function inTheSameEnvironment(construct: IConstruct): TracingRegistry[] {
  const key = environmentKey(Stack.of(construct));
  return TracingRegistry.inApp(construct).filter((registry) => environmentKey(Stack.of(registry)) === key);
}
