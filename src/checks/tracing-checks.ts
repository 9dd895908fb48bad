import { Annotations, CfnResource, IAspect, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { TRACING_CHECK_DEFINITIONS } from './rules';
import { TracingCheckDefinition, TracingCheckResult, TracingCheckRule } from './tracing-check-rule';

/** How `TracingChecks` reports a finding. */
export enum TracingCheckLevel {
  /** An acknowledgeable warning (`Annotations.addWarningV2`, id = the rule id): fails synthesis only with `--strict`. */
  WARNING = 'WARNING',
  /** An error annotation: the CDK CLI refuses to deploy the stack. */
  ERROR = 'ERROR',
}

/** Options of the TracingChecks pack. */
export interface TracingChecksProps {
  /**
   * How findings are reported.
   * @default TracingCheckLevel.ERROR
   */
  readonly level?: TracingCheckLevel;

  /**
   * Ids of rules not to evaluate anywhere, e.g. `['TracingChecks-StateMachineTracing']`. To accept one finding on one
   * resource, acknowledge it on that resource instead (see `TracingChecks`).
   * @default - every rule is evaluated
   */
  readonly disabledRules?: string[];
}

/**
 * The tracing rules of cdk-serverless-tracing, as an aspect that needs no cdk-nag: add it to an app or a
 * stack (`Aspects.of(app).add(new TracingChecks())`) and every CloudFormation resource is checked when the
 * app is synthesized. Each finding is reported on its resource, as an error or a warning (`level`), with
 * a message starting with the rule id and giving the explanation and the fix; `TracingChecks.rules` lists
 * the rules.
 *
 * Acknowledge a finding on one resource the way cdk-nag suppresses one, so one acknowledgement serves
 * both this aspect and the cdk-nag pack: an entry `{ id: '<rule id>', reason: '...' }` (a reason of at
 * least 10 characters, no `appliesTo`) in the resource's `cdk_nag` metadata `rules_to_suppress`, as
 * cdk-nag's `NagSuppressions.addResourceSuppressions` writes it, or in the stack's template metadata
 * (`NagSuppressions.addStackSuppressions`).
 *
 * With cdk-nag installed, TypeScript and JavaScript apps can instead add `TracingChecksNagPack`, imported
 * from `cdk-serverless-tracing/nag`: the same rules and ids, reported and written to cdk-nag's compliance
 * reports like any other NagPack. That pack is not part of the jsii API (this library does not depend on
 * cdk-nag), so Python, Java, .NET and Go apps add `TracingChecks` next to their cdk-nag packs, or read
 * `TracingChecks.rules` to document the rules.
 *
 * Rules read the resources' L1 properties as `stack.resolve` renders them; values written with
 * `addPropertyOverride` are not seen. A value only known at deploy time (a parameter, an import, a
 * reference to another account's resource) makes a rule not applicable, never a finding.
 */
export class TracingChecks implements IAspect {
  /** Every rule of the pack: id, name, explanation and fix. */
  public static get rules(): TracingCheckRule[] {
    return TRACING_CHECK_DEFINITIONS.map(({ rule }) => ({ ...rule }));
  }

  private readonly level: TracingCheckLevel;
  private readonly definitions: readonly TracingCheckDefinition[];

  constructor(props: TracingChecksProps = {}) {
    this.level = props.level ?? TracingCheckLevel.ERROR;
    this.definitions = enabledTracingChecks(props.disabledRules);
  }

  public visit(node: IConstruct): void {
    if (!(node instanceof CfnResource)) return;
    const stack = Stack.of(node);
    for (const { rule, evaluate } of this.definitions) {
      if (evaluate(node, stack) !== TracingCheckResult.NON_COMPLIANT || isAcknowledged(node, rule.id)) continue;
      const message = `${rule.id}: ${rule.name}. ${rule.explanation} Fix: ${rule.fix}`;
      if (this.level === TracingCheckLevel.WARNING) {
        Annotations.of(node).addWarningV2(rule.id, message);
      } else {
        Annotations.of(node).addError(message);
      }
    }
  }
}

/** The rules not named in `disabledRules`; throws on an id that is no rule's, which would disable nothing. */
export function enabledTracingChecks(disabledRules: string[] = []): readonly TracingCheckDefinition[] {
  const ids = TRACING_CHECK_DEFINITIONS.map(({ rule }) => rule.id);
  const unknown = disabledRules.filter((id) => !ids.includes(id));
  if (unknown.length > 0) {
    throw new Error(`disabledRules: ${unknown.map((id) => `'${id}'`).join(', ')} is not a TracingChecks rule id; the ids are ${ids.join(', ')}`);
  }
  return TRACING_CHECK_DEFINITIONS.filter(({ rule }) => !disabledRules.includes(rule.id));
}

/** An entry of cdk-nag's `rules_to_suppress` metadata, as src/nag/nag-acknowledgement.ts and cdk-nag write it. */
interface RuleToSuppress {
  readonly id?: unknown;
  readonly reason?: unknown;
  readonly applies_to?: unknown;
}

/**
 * Whether the resource or its stack acknowledges `ruleId` the way cdk-nag would honour it: an entry with
 * that id and a reason of at least 10 characters, for the whole rule (cdk-nag applies `applies_to` entries
 * to granular findings only, and these rules report whole resources).
 */
function isAcknowledged(resource: CfnResource, ruleId: string): boolean {
  const entries = (metadata: unknown) => (metadata as { rules_to_suppress?: RuleToSuppress[] } | undefined)?.rules_to_suppress ?? [];
  const onStack = Stack.of(resource).templateOptions.metadata?.cdk_nag;
  return [...entries(resource.getMetadata('cdk_nag')), ...entries(onStack)].some((entry) =>
    entry.id === ruleId && entry.applies_to === undefined && typeof entry.reason === 'string' && entry.reason.length >= 10);
}
