import { CfnResource, Stack } from 'aws-cdk-lib';
// The application's own cdk-nag: this module is published as cdk-serverless-tracing/nag, outside the jsii API,
// and is the only one that loads it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { NagMessageLevel, NagPack, NagPackProps, NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { TRACING_CHECKS_PACK, TracingCheckDefinition, TracingCheckResult } from './tracing-check-rule';
import { enabledTracingChecks, TracingCheckLevel } from './tracing-checks';

/** Options of the cdk-nag pack: cdk-nag's own, and the TracingChecks options. */
export interface TracingChecksNagPackProps extends NagPackProps {
  /**
   * The cdk-nag level of every finding.
   * @default TracingCheckLevel.ERROR
   */
  readonly level?: TracingCheckLevel;

  /**
   * Ids of rules not to evaluate anywhere, e.g. `['TracingChecks-StateMachineTracing']`.
   * @default - every rule is evaluated
   */
  readonly disabledRules?: string[];
}

const COMPLIANCE: Record<TracingCheckResult, NagRuleCompliance> = {
  [TracingCheckResult.COMPLIANT]: NagRuleCompliance.COMPLIANT,
  [TracingCheckResult.NON_COMPLIANT]: NagRuleCompliance.NON_COMPLIANT,
  [TracingCheckResult.NOT_APPLICABLE]: NagRuleCompliance.NOT_APPLICABLE,
};

/**
 * The TracingChecks rules as a cdk-nag `NagPack` (`Aspects.of(app).add(new TracingChecksNagPack())`):
 * the same rule ids (`TracingChecks-<rule>`), suppressed with `NagSuppressions` and written to cdk-nag's
 * compliance reports. The message gives the rule's name and fix; `verbose: true` adds the explanation.
 *
 * Published for TypeScript and JavaScript only, as `cdk-serverless-tracing/nag`, because the library does
 * not depend on cdk-nag: other languages use the `TracingChecks` aspect.
 */
export class TracingChecksNagPack extends NagPack {
  private readonly level: NagMessageLevel;
  private readonly definitions: readonly TracingCheckDefinition[];

  constructor(props: TracingChecksNagPackProps = {}) {
    super(props);
    this.packName = TRACING_CHECKS_PACK;
    this.level = props.level === TracingCheckLevel.WARNING ? NagMessageLevel.WARN : NagMessageLevel.ERROR;
    this.definitions = enabledTracingChecks(props.disabledRules);
  }

  public visit(node: IConstruct): void {
    if (!(node instanceof CfnResource)) return;
    const stack = Stack.of(node);
    for (const { rule, evaluate } of this.definitions) {
      this.applyRule({
        ruleSuffixOverride: rule.id.slice(TRACING_CHECKS_PACK.length + 1),
        info: `${rule.name}. Fix: ${rule.fix}`,
        explanation: rule.explanation,
        level: this.level,
        node,
        rule: (resource: CfnResource) => COMPLIANCE[evaluate(resource, stack)],
      });
    }
  }
}
