import { CfnResource } from 'aws-cdk-lib';

/**
 * One cdk-nag finding the library acknowledges on a resource it creates.
 */
export interface NagAcknowledgement {
  /** The rule id, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding is expected here: specific to this resource, never generic. */
  readonly reason: string;
  /**
   * The finding's details the acknowledgement is limited to (cdk-nag's `appliesTo`), e.g. `Resource::*`.
   * @default - the whole rule on this resource
   */
  readonly appliesTo?: string[];
}

const METADATA_KEY = 'cdk_nag';

/**
 * Writes acknowledgements as the `cdk_nag` metadata cdk-nag reads (`rules_to_suppress`), so the library
 * needs no run-time dependency on cdk-nag. Merges with what is already there; an id acknowledged twice
 * with the same `appliesTo` is written once.
 */
export function acknowledgeNagFindings(resource: CfnResource, acknowledgements: NagAcknowledgement[]): void {
  const existing = resource.getMetadata(METADATA_KEY) as { rules_to_suppress?: RuleToSuppress[] } | undefined;
  const rules: RuleToSuppress[] = [...(existing?.rules_to_suppress ?? [])];
  for (const ack of acknowledgements) {
    if (ack.reason.trim().length < 10) {
      throw new Error(`cdk-nag acknowledgement of ${ack.id} needs a specific reason (at least 10 characters)`);
    }
    const appliesTo = ack.appliesTo ? [...ack.appliesTo].sort() : undefined;
    const key = JSON.stringify([ack.id, appliesTo]);
    if (rules.some((r) => JSON.stringify([r.id, r.applies_to ? [...r.applies_to].sort() : undefined]) === key)) continue;
    rules.push(appliesTo ? { id: ack.id, reason: ack.reason, applies_to: appliesTo } : { id: ack.id, reason: ack.reason });
  }
  resource.addMetadata(METADATA_KEY, { ...existing, rules_to_suppress: rules });
}

interface RuleToSuppress {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: string[];
}
