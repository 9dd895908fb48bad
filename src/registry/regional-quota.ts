import { Annotations, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { TracingRegistry } from './tracing-registry';

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
