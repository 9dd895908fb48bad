import { App, Stack } from 'aws-cdk-lib';
import { TracingRegistry } from '../src';
import { warnAboveRegionalQuota } from '../src/registry/regional-quota';

const WARNING = { id: 'test:quota', message: (inRegion: number, region: string) => `${inRegion} counted in ${region}` };

/** Stacks of one app, each with a registry whose count the test sets; `count` records the stacks whose registries it counted. */
function app(regions: string[]) {
  const root = new App();
  const stacks = regions.map((region, i) => new Stack(root, `S${i}`, { env: { account: '123456789012', region } }));
  const held = new Map<TracingRegistry, number>();
  const counted: string[] = [];
  const count = (registry: TracingRegistry) => {
    counted.push(Stack.of(registry).stackName);
    return held.get(registry) ?? 0;
  };
  /** Sets what `stack` holds and reports it, as a construct counted by a quota does when it is created. */
  const add = (stack: Stack, holds: number, quota: number) => {
    held.set(TracingRegistry.of(stack), holds);
    warnAboveRegionalQuota(stack, quota, count, WARNING);
  };
  return { stacks, held, counted, add };
}

/** The warnings on the stack itself, where the test's constructs are. */
const warnings = (stack: Stack) => stack.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => m.data);

describe('warnAboveRegionalQuota', () => {
  test('under the quota, counts only the registry of the stack that added something: linear in the app', () => {
    const { stacks, counted, add } = app(Array.from({ length: 40 }, () => 'eu-west-1'));
    stacks.forEach((stack) => add(stack, 1, 40));
    // One count per call, each of its own stack: summing every registry on each call would count 820 times.
    expect(counted).toEqual(stacks.map((s) => s.stackName));
    expect(stacks.flatMap(warnings)).toEqual([]);
  });

  test('warns the construct that takes its Region past the quota, with the Region\'s total', () => {
    const { stacks, add } = app(['eu-west-1', 'eu-west-1', 'eu-west-1']);
    add(stacks[0], 2, 5);
    add(stacks[1], 3, 5);
    expect(warnings(stacks[1])).toEqual([]);
    add(stacks[2], 1, 5);
    expect(warnings(stacks[2])).toEqual([expect.stringContaining('6 counted in eu-west-1')]);
  });

  test('tallies each Region on its own, and skips a stack whose Region is a token', () => {
    const { stacks, add } = app(['eu-west-1', 'us-east-1', 'eu-west-1']);
    add(stacks[0], 3, 5);
    add(stacks[1], 3, 5);
    add(stacks[2], 2, 5);
    expect(stacks.flatMap(warnings)).toEqual([]);
    const agnostic = new Stack(stacks[0].node.root, 'Agnostic');
    const count = jest.fn(() => 100);
    warnAboveRegionalQuota(agnostic, 0, count, WARNING);
    expect(count).not.toHaveBeenCalled();
    expect(warnings(agnostic)).toEqual([]);
  });

  test('recounts before warning: what a registry lost since it last reported does not raise a false warning', () => {
    const { stacks, held, counted, add } = app(['eu-west-1', 'eu-west-1']);
    add(stacks[0], 3, 5);
    // The first stack's registry loses what it counted (a default faults group merged elsewhere) without reporting.
    held.set(TracingRegistry.of(stacks[0]), 0);
    counted.length = 0;
    add(stacks[1], 3, 5);
    // The tally said 6; the recount of every registry says 3.
    expect(counted).toEqual(['S1', 'S0', 'S1']);
    expect(warnings(stacks[1])).toEqual([]);
    // Later calls start from the recount.
    add(stacks[0], 3, 5);
    expect(warnings(stacks[0])).toEqual([expect.stringContaining('6 counted in eu-west-1')]);
  });
});
