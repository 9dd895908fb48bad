import { Duration, Names, Resource, Token } from 'aws-cdk-lib';
import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import { inTheSameEnvironment, warnAboveRegionalQuota } from '../registry/regional-quota';
import { TracingRegistry } from '../registry/tracing-registry';

/**
 * Adaptive sampling: how far X-Ray may raise a rule's rate when it sees anomalies, and for how long.
 */
export interface SamplingRateBoost {
  /** The highest sampling rate a boost may reach, 0 to 1. */
  readonly maxRate: number;
  /**
   * How long to wait after a boost before the next one; whole minutes, at least 1. A deploy-time value must
   * be given in minutes (`Duration.minutes(parameter.valueAsNumber)`).
   */
  readonly cooldown: Duration;
}

/**
 * Props of `TracingSamplingRule`, named after the `AWS::XRay::SamplingRule` fields. String matchers take
 * `*` and `?` wildcards.
 */
export interface TracingSamplingRuleProps {
  /**
   * The rule's name, 1-32 letters, digits, `_` or `-`.
   * @default - a name derived from the construct path
   */
  readonly ruleName?: string;
  /** Evaluation order, 1 (first) to 9999; unique within a stack. */
  readonly priority: number;
  /** The share of matching requests sampled after the reservoir is used up, 0 to 1. */
  readonly fixedRate: number;
  /**
   * Matching requests sampled per second before `fixedRate` applies, shared by all instances.
   * @default 1
   */
  readonly reservoirSize?: number;
  /**
   * The service name to match (up to 64 characters).
   * @default '*'
   */
  readonly serviceName?: string;
  /**
   * The service type to match, the segment `origin` (up to 64 characters), e.g. `AWS::ApiGateway::Stage`.
   * @default '*'
   */
  readonly serviceType?: string;
  /**
   * The host name to match (up to 64 characters).
   * @default '*'
   */
  readonly host?: string;
  /**
   * The HTTP method to match (up to 10 characters).
   * @default '*'
   */
  readonly httpMethod?: string;
  /**
   * The URL path to match (up to 128 characters).
   * @default '*'
   */
  readonly urlPath?: string;
  /**
   * The ARN of the resource to match (up to 500 characters).
   * @default '*'
   */
  readonly resourceArn?: string;
  /**
   * Segment attributes to match: up to 5, keys and values 1-32 characters.
   * @default - none
   */
  readonly attributes?: Record<string, string>;
  /**
   * Adaptive sampling: let X-Ray raise the rate on anomalies.
   * @default - no boost
   */
  readonly samplingRateBoost?: SamplingRateBoost;
}

/** X-Ray's default quota of custom sampling rules per Region (adjustable, L-8C0C998A). */
export const SAMPLING_RULES_QUOTA = 25;

/**
 * An X-Ray sampling rule, validated field by field at synthesis.
 *
 * Rules apply where X-Ray makes the sampling decision: API Gateway REST stages, Step Functions, and
 * traces started by an X-Ray or ADOT SDK with the remote sampler. Lambda's own sampling (1 request per
 * second plus 5 %) cannot be changed by rules: a Lambda function honours the decision of the caller
 * that sampled the request.
 */
export class TracingSamplingRule extends Resource {
  /** The underlying CloudFormation resource. */
  public readonly cfnSamplingRule: xray.CfnSamplingRule;
  /** The rule's name. */
  public readonly ruleName: string;
  /** The rule's ARN. */
  public readonly ruleArn: string;
  /** The rule's priority. */
  public readonly priority: number;

  constructor(scope: Construct, id: string, props: TracingSamplingRuleProps) {
    super(scope, id);
    const ruleName = props.ruleName ?? Names.uniqueResourceName(this, { maxLength: 32, separator: '-' });
    checkString('ruleName', ruleName, 1, 32, /^[A-Za-z0-9_-]+$/, "letters, digits, '_' or '-'");
    if (ruleName === 'Default') {
      throw new Error("ruleName: 'Default' is not allowed; X-Ray reserves it for the account's default rule (change that one with its own priority 10000 settings in the console or API)");
    }
    checkNumber('priority', props.priority, 1, 9999, true);
    checkNumber('fixedRate', props.fixedRate, 0, 1, false);
    const reservoirSize = props.reservoirSize ?? 1;
    checkNumber('reservoirSize', reservoirSize, 0, Number.MAX_SAFE_INTEGER, true);
    const matchers = {
      serviceName: [props.serviceName, 64],
      serviceType: [props.serviceType, 64],
      host: [props.host, 64],
      httpMethod: [props.httpMethod, 10],
      urlPath: [props.urlPath, 128],
      resourceArn: [props.resourceArn, 500],
    } as const;
    for (const [prop, [value, max]] of Object.entries(matchers)) {
      if (value !== undefined) checkString(prop, value, 1, max);
    }
    const attributes = props.attributes ?? {};
    const entries = Object.entries(attributes);
    if (entries.length > 5) {
      throw new Error(`attributes: ${entries.length} attributes are not allowed; X-Ray matches at most 5`);
    }
    for (const [key, value] of entries) {
      checkString('attributes', key, 1, 32, undefined, undefined, 'key');
      checkString('attributes', value, 1, 32, undefined, undefined, `value of '${key}'`);
    }
    const boost = props.samplingRateBoost;
    if (boost) checkNumber('samplingRateBoost.maxRate', boost.maxRate, 0, 1, false);
    if (boost && !Token.isUnresolved(boost.maxRate) && !Token.isUnresolved(props.fixedRate) && boost.maxRate < props.fixedRate) {
      throw new Error(`samplingRateBoost.maxRate: ${boost.maxRate} is not allowed; a boost samples more, so use at least the rule's fixedRate (${props.fixedRate})`);
    }
    const samplingRateBoost = boost
      ? { maxRate: boost.maxRate, cooldownWindowMinutes: cooldownWindowMinutes('samplingRateBoost.cooldown', boost.cooldown) }
      : undefined;

    const registry = TracingRegistry.of(this);
    const sameName = inTheSameEnvironment(this).flatMap((r) => r.samplingRules).find((rule) => rule.ruleName === ruleName);
    if (sameName && !Token.isUnresolved(ruleName)) {
      throw new Error(`ruleName: '${ruleName}' is already used by '${sameName.owner.node.path}' in the same account and Region; X-Ray rule names are unique there`);
    }
    const clash = registry.samplingRules.find((rule) => rule.priority === props.priority);
    if (clash && !Token.isUnresolved(props.priority)) {
      throw new Error(`priority: ${props.priority} is already used by '${clash.owner.node.path}'; priorities must be unique so the evaluation order is defined`);
    }

    this.ruleName = ruleName;
    this.priority = props.priority;
    this.cfnSamplingRule = new xray.CfnSamplingRule(this, 'Resource', {
      samplingRule: {
        ruleName,
        priority: props.priority,
        fixedRate: props.fixedRate,
        reservoirSize,
        serviceName: props.serviceName ?? '*',
        serviceType: props.serviceType ?? '*',
        host: props.host ?? '*',
        httpMethod: props.httpMethod ?? '*',
        urlPath: props.urlPath ?? '*',
        resourceArn: props.resourceArn ?? '*',
        version: 1,
        attributes: entries.length > 0 ? attributes : undefined,
        samplingRateBoost,
      },
    });
    this.ruleArn = this.cfnSamplingRule.attrRuleArn;
    registry._registerSamplingRule({ owner: this, ruleName, priority: props.priority });
    warnAboveRegionalQuota(this, SAMPLING_RULES_QUOTA, (r) => r.samplingRules.length, {
      id: 'cdk-serverless-tracing:sampling-rule-quota',
      message: (count, region) => `${count} X-Ray sampling rules are defined for ${region}; the default quota is ${SAMPLING_RULES_QUOTA} per Region (raise L-8C0C998A first).`,
    });
  }
}

/**
 * A boost cooldown as the whole minutes CloudFormation takes. A deploy-time value passes through only when
 * given in minutes (`Duration.minutes(parameter.valueAsNumber)`): CloudFormation cannot convert other units.
 */
export function cooldownWindowMinutes(prop: string, cooldown: Duration): number {
  if (cooldown.isUnresolved()) {
    const unit = cooldown.unitLabel();
    if (unit !== 'minutes') {
      throw new Error(`${prop}: a deploy-time value is not allowed here because X-Ray takes the cooldown in whole minutes and CloudFormation cannot convert deploy-time ${unit} into minutes; use Duration.minutes() with the deploy-time value, or a literal duration`);
    }
    return cooldown.toMinutes();
  }
  const seconds = cooldown.toSeconds({ integral: false });
  if (seconds < 60 || seconds % 60 !== 0) {
    throw new Error(`${prop}: ${cooldown.toHumanString()} is not allowed; use whole minutes, at least 1`);
  }
  return cooldown.toMinutes();
}

function checkNumber(prop: string, value: number, min: number, max: number, integer: boolean): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new Error(`${prop}: ${value} is not allowed; use ${integer ? 'an integer' : 'a number'} from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`);
  }
}

function checkString(prop: string, value: string, min: number, max: number, pattern?: RegExp, allowed?: string, what?: string): void {
  if (Token.isUnresolved(value)) return;
  if (value.length < min || value.length > max || (pattern && !pattern.test(value))) {
    throw new Error(`${prop}: ${what ? `${what} ` : ''}'${value}' is not allowed; use ${min}-${max} ${allowed ?? 'characters'}`);
  }
}
