import { Duration, IResolvable, IResolveContext, ResolutionTypeHint, Stack, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { cooldownWindowMinutes, TracingSamplingRule } from './tracing-sampling-rule';

/**
 * A percentage of matching requests, after a per-second reservoir.
 */
export interface PercentageSamplingOptions {
  /** Evaluation order, 1 (first) to 9999; unique within a stack. */
  readonly priority: number;
  /**
   * The percentage of matching requests to sample after the reservoir, 0 to 100. A deploy-time value (a
   * `Number` CfnParameter's `valueAsNumber`, or `Fn.findInMap`) must be a whole percentage: CloudFormation
   * cannot divide, so the rate is picked from a table of 0 to 100 with `Fn::Select`.
   */
  readonly percent: number;
  /**
   * Matching requests sampled per second before `percent` applies.
   * @default 1
   */
  readonly reservoirPerSecond?: number;
  /**
   * The rule's name.
   * @default - derived from the construct path
   */
  readonly ruleName?: string;
}

/** Sampling for one service. */
export interface ServiceSamplingOptions extends PercentageSamplingOptions {
  /** The service name to match, as it appears in X-Ray. */
  readonly serviceName: string;
  /**
   * The service type to match, e.g. `AWS::ApiGateway::Stage`.
   * @default '*'
   */
  readonly serviceType?: string;
}

/** Sampling for one API route. */
export interface RouteSamplingOptions extends PercentageSamplingOptions {
  /** The URL path to match, wildcards allowed (`/payments/*`). */
  readonly urlPath: string;
  /**
   * The HTTP method to match.
   * @default '*'
   */
  readonly httpMethod?: string;
  /**
   * The service to match, e.g. the API's `<api name>/<stage>`.
   * @default '*'
   */
  readonly serviceName?: string;
}

/** Adaptive sampling for a service: a base rate X-Ray may raise when it sees anomalies. */
export interface AnomalyBoostSamplingOptions extends ServiceSamplingOptions {
  /**
   * The highest percentage a boost may reach, 0 to 100, above `percent`. A deploy-time value must be a whole
   * percentage, as for `percent`.
   */
  readonly maxPercent: number;
  /**
   * How long to wait after a boost before the next one, in whole minutes. A deploy-time value must be given
   * in minutes (`Duration.minutes(parameter.valueAsNumber)`).
   * @default Duration.minutes(1)
   */
  readonly cooldown?: Duration;
}

/**
 * Sampling rules for the common cases: a service, an API route, a critical path sampled in full, and
 * boosted sampling on anomalies.
 */
export class SamplingStrategy {
  /** A fixed percentage, after a reservoir, for one service. */
  public static forService(scope: Construct, id: string, options: ServiceSamplingOptions): TracingSamplingRule {
    return new TracingSamplingRule(scope, id, {
      ...base(scope, options),
      serviceName: options.serviceName,
      serviceType: options.serviceType,
    });
  }

  /** A fixed percentage, after a reservoir, for one API route. */
  public static forRoute(scope: Construct, id: string, options: RouteSamplingOptions): TracingSamplingRule {
    return new TracingSamplingRule(scope, id, {
      ...base(scope, options),
      urlPath: options.urlPath,
      httpMethod: options.httpMethod,
      serviceName: options.serviceName,
    });
  }

  /**
   * A critical path (payments, say) sampled more than the rest: give it a lower priority number than the
   * general rules so it is evaluated first.
   */
  public static criticalPath(scope: Construct, id: string, options: RouteSamplingOptions): TracingSamplingRule {
    return SamplingStrategy.forRoute(scope, id, options);
  }

  /** A base rate for a service that X-Ray may raise up to `maxPercent` while it sees anomalies. */
  public static boostOnAnomalies(scope: Construct, id: string, options: AnomalyBoostSamplingOptions): TracingSamplingRule {
    const { percent, maxPercent } = options;
    if (!Token.isUnresolved(percent) && !Token.isUnresolved(maxPercent) && maxPercent < percent) {
      throw new Error(`maxPercent: ${maxPercent} is below percent (${percent}); a boost can only raise the rate`);
    }
    const cooldown = options.cooldown ?? Duration.minutes(1);
    cooldownWindowMinutes('cooldown', cooldown);
    return new TracingSamplingRule(scope, id, {
      ...base(scope, options),
      serviceName: options.serviceName,
      serviceType: options.serviceType,
      samplingRateBoost: { maxRate: rate(scope, 'maxPercent', maxPercent), cooldown },
    });
  }

  private constructor() {}
}

function base(scope: Construct, options: PercentageSamplingOptions) {
  return {
    ruleName: options.ruleName,
    priority: options.priority,
    fixedRate: rate(scope, 'percent', options.percent),
    reservoirSize: options.reservoirPerSecond,
  };
}

/** The rates of the whole percentages 0 to 100, which `Fn::Select` picks a deploy-time percentage's rate from. */
const RATES_BY_PERCENT = Array.from({ length: 101 }, (_, percent) => percent / 100);

/**
 * The sampling rate of `percent`: percent / 100. CloudFormation has no arithmetic, so a deploy-time percentage
 * becomes `Fn::Select` of its rate from `RATES_BY_PERCENT`; the index of `Fn::Select` may only be a `Ref`
 * or an `Fn::FindInMap`, so other deploy-time values are refused (at construction when they already resolve
 * to something else, else at synthesis). A value only known at synthesis (`Lazy`) is checked and divided then.
 */
function rate(scope: Construct, prop: string, percent: number): number {
  if (!Token.isUnresolved(percent)) return checkedPercent(prop, percent) / 100;
  let early: unknown;
  try {
    early = Stack.of(scope).resolve(percent);
  } catch {
    early = undefined; // resolvable only later: checked at synthesis
  }
  if (early !== undefined && typeof early !== 'number') selectIndex(prop, early);
  return Token.asNumber(new PercentageRate(prop, percent));
}

class PercentageRate implements IResolvable {
  public readonly creationStack: string[] = [];
  public readonly typeHint = ResolutionTypeHint.NUMBER;

  constructor(private readonly prop: string, private readonly percent: number) {}

  public resolve(context: IResolveContext): unknown {
    const resolved = context.resolve(this.percent);
    if (typeof resolved === 'number') return checkedPercent(this.prop, resolved) / 100;
    return { 'Fn::Select': [selectIndex(this.prop, resolved), RATES_BY_PERCENT] };
  }

  public toString(): string {
    return Token.asString(this);
  }
}

function checkedPercent(prop: string, percent: number): number {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new Error(`${prop}: ${percent} is not allowed; use a percentage from 0 to 100`);
  }
  return percent;
}

/** A resolved deploy-time percentage CloudFormation accepts as the index of `Fn::Select`. */
function selectIndex(prop: string, resolved: unknown): unknown {
  const keys = resolved !== null && typeof resolved === 'object' ? Object.keys(resolved) : [];
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Fn::FindInMap')) return resolved;
  const what = keys.length === 1 ? keys[0] : JSON.stringify(resolved);
  throw new Error(`${prop}: a deploy-time value is not allowed here because CloudFormation cannot divide it by 100; the rate is picked with Fn::Select, whose index must be a Ref to a parameter or an Fn::FindInMap, not ${what}; use a number, a Number CfnParameter's valueAsNumber or Fn.findInMap`);
}
