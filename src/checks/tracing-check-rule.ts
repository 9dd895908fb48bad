import { CfnResource, Stack } from 'aws-cdk-lib';

/** The prefix of every rule id, and the pack name cdk-nag builds those ids from. */
export const TRACING_CHECKS_PACK = 'TracingChecks';

/** What one rule concludes about one CloudFormation resource. */
export enum TracingCheckResult {
  /** The resource is configured the way the rule asks. */
  COMPLIANT = 'COMPLIANT',
  /** The resource breaks the rule: a finding. */
  NON_COMPLIANT = 'NON_COMPLIANT',
  /** The rule does not apply to this resource, or a value it needs is only known at deploy time. */
  NOT_APPLICABLE = 'NOT_APPLICABLE',
}

/** One rule of the TracingChecks pack: its stable id and what to tell the user. */
export interface TracingCheckRule {
  /** The stable rule id, e.g. `TracingChecks-FunctionTracing`: the id acknowledgements name. */
  readonly id: string;
  /** A short title of what the rule finds. */
  readonly name: string;
  /** Why the finding breaks or weakens tracing. */
  readonly explanation: string;
  /** How to fix it with this library or aws-cdk-lib. */
  readonly fix: string;
}

/**
 * A rule and its evaluation. Evaluations are pure: they read the resource's L1 properties through
 * `stack.resolve`, and answer NOT_APPLICABLE for anything only known at deploy time, never a guessed finding.
 */
export interface TracingCheckDefinition {
  readonly rule: TracingCheckRule;
  readonly evaluate: (resource: CfnResource, stack: Stack) => TracingCheckResult;
}

/** The full rule id for `suffix`. */
export function tracingCheckId(suffix: string): string {
  return `${TRACING_CHECKS_PACK}-${suffix}`;
}
