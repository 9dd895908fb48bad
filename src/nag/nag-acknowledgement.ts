import { Annotations, AspectPriority, Aspects, CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';

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
  acknowledgements.forEach(checkReason);
  const existing = resource.getMetadata(METADATA_KEY) as NagMetadata | undefined;
  resource.addMetadata(METADATA_KEY, { ...existing, rules_to_suppress: mergedRules(existing, acknowledgements) });
}

/**
 * Writes acknowledgements of granular findings once for a whole stack, in the template's own `cdk_nag`
 * metadata, which cdk-nag reads for every resource of the stack: for a finding that is the same wherever it
 * occurs (an AWS managed policy the library attaches to many roles), instead of one entry per resource.
 * Only for acknowledgements limited by `appliesTo`: a whole rule acknowledged for a stack would also hide the
 * application's own resources.
 *
 * Written at synthesis, by an aspect of mutating priority (before cdk-nag's and TracingChecks' default
 * priority reads it), into whatever `templateOptions.metadata` the application has set by then: written at
 * construction, an application's later `templateOptions.metadata = {...}` would erase it.
 */
export function acknowledgeNagFindingsForStack(stack: Stack, acknowledgements: NagAcknowledgement[]): void {
  for (const ack of acknowledgements) {
    if (!ack.appliesTo || ack.appliesTo.length === 0) {
      throw new Error(`cdk-nag acknowledgement of ${ack.id} for a whole stack needs appliesTo, or it would hide the application's own findings`);
    }
    checkReason(ack);
  }
  let pending = stackAcknowledgements.get(stack);
  if (!pending) {
    const acks = pending = new Map<string, NagAcknowledgement>();
    stackAcknowledgements.set(stack, acks);
    Aspects.of(stack).add({
      visit: (node) => {
        if (node !== stack) return;
        const metadata = stack.templateOptions.metadata ?? (stack.templateOptions.metadata = {});
        metadata[METADATA_KEY] = { ...metadata[METADATA_KEY], rules_to_suppress: mergedRules(metadata[METADATA_KEY], [...acks.values()]) };
      },
    }, { priority: AspectPriority.MUTATING });
  }
  for (const ack of acknowledgements) {
    const key = ruleKey(ack.id, ack.appliesTo);
    if (!pending.has(key)) pending.set(key, ack);
  }
}

/** What each stack's template is to acknowledge for the whole stack, by rule and `appliesTo`; written at synthesis. */
const stackAcknowledgements = new WeakMap<Stack, Map<string, NagAcknowledgement>>();

interface NagMetadata {
  readonly rules_to_suppress?: RuleToSuppress[];
}

/** Existing entries plus the acknowledgements; an id acknowledged twice with the same `appliesTo` is kept once. */
function mergedRules(existing: NagMetadata | undefined, acknowledgements: NagAcknowledgement[]): RuleToSuppress[] {
  const rules: RuleToSuppress[] = [...(existing?.rules_to_suppress ?? [])];
  const present = new Set(rules.map((r) => ruleKey(r.id, r.applies_to)));
  for (const ack of acknowledgements) {
    const key = ruleKey(ack.id, ack.appliesTo);
    if (present.has(key)) continue;
    present.add(key);
    const appliesTo = ack.appliesTo ? [...ack.appliesTo].sort() : undefined;
    rules.push(appliesTo ? { id: ack.id, reason: ack.reason, applies_to: appliesTo } : { id: ack.id, reason: ack.reason });
  }
  return rules;
}

function checkReason(ack: NagAcknowledgement): void {
  if (ack.reason.trim().length < 10) {
    throw new Error(`cdk-nag acknowledgement of ${ack.id} needs a specific reason (at least 10 characters)`);
  }
}

function ruleKey(id: string, appliesTo: string[] | undefined): string {
  return JSON.stringify([id, appliesTo ? [...appliesTo].sort() : undefined]);
}

interface RuleToSuppress {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: string[];
}

/**
 * HIPAA and NIST 800-53 want an action on every alarm. An alarm that only feeds a composite alarm has none
 * by design: the composite carries the actions, so one incident notifies once.
 */
export function acknowledgeCompositeInput(alarm: CfnResource, composite: string): void {
  // Written on every input alarm (two rules each): kept short, with the one part specific to the alarm.
  const reason = `Feeds ${composite}, which carries the actions: one notification per incident.`;
  acknowledgeNagFindings(alarm, [
    { id: 'HIPAA.Security-CloudWatchAlarmAction', reason },
    { id: 'NIST.800.53.R5-CloudWatchAlarmAction', reason },
  ]);
}

/**
 * Runs `grant`, which writes least-privilege statements through aws-cdk-lib's grant methods into the role's
 * default inline policy. When that policy did not exist before, the library created it, and acknowledges
 * the HIPAA and NIST 800-53 inline-policy rules on it with `what` it holds; a default policy the application
 * created first stays reported, as the application's own.
 */
export function grantIntoDefaultPolicy(fn: lambda.IFunction, what: string, grant: () => void): void {
  const role = fn.role;
  const before = role instanceof iam.Role ? role.node.tryFindChild('DefaultPolicy') : undefined;
  const count = before instanceof iam.Policy ? before.document.statementCount : 0;
  grant();
  const after = role instanceof iam.Role ? role.node.tryFindChild('DefaultPolicy') : undefined;
  if (!(after instanceof iam.Policy)) return;
  const owned = libraryStatements.get(after);
  if (owned !== undefined) {
    libraryStatements.set(after, owned + after.document.statementCount - count);
    return;
  }
  if (before) return;
  libraryStatements.set(after, after.document.statementCount);
  const reason = `Created by cdk-serverless-tracing's grants for ${what}, scoped to the resources granted.`;
  acknowledgeNagFindings(after.node.defaultChild as CfnResource, [
    { id: 'HIPAA.Security-IAMNoInlinePolicy', reason },
    { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason },
  ]);
  // The acknowledgement covers the whole policy: say so when the application adds statements of its own.
  Aspects.of(after).add({
    visit: (node) => {
      const extra = node === after ? after.document.statementCount - (libraryStatements.get(after) ?? 0) : 0;
      if (extra > 0) {
        Annotations.of(after).addWarningV2('cdk-serverless-tracing:default-policy-shared',
          `This default policy was created by the library's grants and is acknowledged for HIPAA/NIST IAMNoInlinePolicy, but it also holds ${extra} statement(s) the application added; put those in an iam.Policy of its own so that they stay reported.`);
      }
    },
  });
}

/** How many statements of a default policy the library's grants wrote. */
const libraryStatements = new WeakMap<iam.Policy, number>();
