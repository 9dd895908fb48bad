import { Annotations, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { environmentKey, TracingRegistry } from './tracing-registry';

/** What one quota counts in each registry, kept per app so that a new construct recounts only its own stack. */
interface QuotaTally {
  /** The count each registry had when its stack last added something counted. */
  readonly counted: Map<TracingRegistry, number>;
  /** The sum of `counted` per Region. */
  readonly inRegion: Map<string, number>;
}

const talliesByApp = new WeakMap<IConstruct, Map<string, QuotaTally>>();

/**
 * X-Ray quotas count per account and Region, across stacks: adds a warning to `construct` when the app's
 * stacks in its Region hold more than `quota` of what `count` counts in each stack's registry.
 *
 * Called for every counted construct as it is created, so it keeps a running tally per app and Region and
 * recounts only the registry of `construct`'s stack: linear in the app, where summing every stack's registry
 * on each call was quadratic. A registry can also lose what it counted (a default faults group merged into
 * another), which the tally only sees when that stack adds something again; so a tally above the quota is
 * confirmed by a full recount before anyone is warned.
 */
export function warnAboveRegionalQuota(
  construct: IConstruct,
  quota: number,
  count: (registry: TracingRegistry) => number,
  warning: { readonly id: string; readonly message: (inRegion: number, region: string) => string },
): void {
  const region = Stack.of(construct).region;
  if (Token.isUnresolved(region)) return;
  const tally = tallyOf(construct, warning.id);
  const registry = TracingRegistry.of(construct);
  const now = count(registry);
  let inRegion = (tally.inRegion.get(region) ?? 0) + now - (tally.counted.get(registry) ?? 0);
  tally.counted.set(registry, now);
  tally.inRegion.set(region, inRegion);
  if (inRegion > quota) inRegion = recount(construct, tally, count, region);
  if (inRegion > quota) {
    Annotations.of(construct).addWarningV2(warning.id, warning.message(inRegion, region));
  }
}

function tallyOf(construct: IConstruct, id: string): QuotaTally {
  const root = construct.node.root;
  const tallies = talliesByApp.get(root) ?? new Map<string, QuotaTally>();
  talliesByApp.set(root, tallies);
  let tally = tallies.get(id);
  if (!tally) {
    tally = { counted: new Map(), inRegion: new Map() };
    tallies.set(id, tally);
  }
  return tally;
}

/** Counts every registry of the app again, resets the tally to it, and returns `region`'s total. */
function recount(construct: IConstruct, tally: QuotaTally, count: (registry: TracingRegistry) => number, region: string): number {
  tally.counted.clear();
  tally.inRegion.clear();
  for (const registry of TracingRegistry.inApp(construct)) {
    const stackRegion = Stack.of(registry).region;
    const n = count(registry);
    tally.counted.set(registry, n);
    if (!Token.isUnresolved(stackRegion)) tally.inRegion.set(stackRegion, (tally.inRegion.get(stackRegion) ?? 0) + n);
  }
  return tally.inRegion.get(region) ?? 0;
}

/** Each registry's `environmentKey`, which cannot change once its stack exists. */
const environmentKeys = new WeakMap<TracingRegistry, string>();

/**
 * The registries of the app's stacks that deploy to the same account and Region as `construct` (X-Ray names
 * and quotas count there); region-agnostic stacks count as one environment.
 */
export function inTheSameEnvironment(construct: IConstruct): TracingRegistry[] {
  const key = environmentKey(Stack.of(construct));
  return TracingRegistry.inApp(construct).filter((registry) => {
    let registryKey = environmentKeys.get(registry);
    if (registryKey === undefined) {
      registryKey = environmentKey(Stack.of(registry));
      environmentKeys.set(registry, registryKey);
    }
    return registryKey === key;
  });
}
