import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { environmentKey } from '../registry/tracing-registry';

/** Names claimed per app: `<kind> <account/Region> <name>` -> the path of the construct that took it. */
const claimedByApp = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Claims a physical name that must be unique in its account and Region (an alarm or dashboard name), so two
 * stacks or stages of one app never create the same one (CloudWatch would let the second overwrite the first,
 * or refuse it at deploy time). A clash is an error that names `prop`, the fix the user controls.
 */
export function claimPhysicalName(owner: IConstruct, kind: string, name: string, prop: string, fix: string): void {
  const root = owner.node.root;
  const claimed = claimedByApp.get(root) ?? new Map<string, string>();
  claimedByApp.set(root, claimed);
  const environment = environmentKey(Stack.of(owner));
  const key = `${kind} ${environment} ${name}`;
  const other = claimed.get(key);
  if (other !== undefined && other !== owner.node.path) {
    throw new Error(`${prop}: the ${kind} name '${name}' is already used by '${other}' in ${environment}; ${fix}`);
  }
  claimed.set(key, owner.node.path);
}
