import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { TracingSamplingRule } from './tracing-sampling-rule';

/**
 * A percentage of matching requests, after a per-second reservoir.
 */
export interface PercentageSamplingOptions {
  /** Evaluation order, 1 (first) to 9999; unique within a stack. */
  readonly priority: number;
  /** The percentage of matching requests to sample after the reservoir, 0 to 100. */
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
  /** The highest percentage a boost may reach, 0 to 100, above `percent`. */
  readonly maxPercent: number;
  /**
   * How long to wait after a boost before the next one.
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
      ...base(options),
      serviceName: options.serviceName,
      serviceType: options.serviceType,
    });
  }

  /** A fixed percentage, after a reservoir, for one API route. */
  public static forRoute(scope: Construct, id: string, options: RouteSamplingOptions): TracingSamplingRule {
    return new TracingSamplingRule(scope, id, {
      ...base(options),
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
    if (options.maxPercent < options.percent) {
      throw new Error(`maxPercent: ${options.maxPercent} is below percent (${options.percent}); a boost can only raise the rate`);
    }
    return new TracingSamplingRule(scope, id, {
      ...base(options),
      serviceName: options.serviceName,
      serviceType: options.serviceType,
      samplingRateBoost: { maxRate: ratio('maxPercent', options.maxPercent), cooldown: options.cooldown ?? Duration.minutes(1) },
    });
  }

  private constructor() {}
}

function base(options: PercentageSamplingOptions) {
  return {
    ruleName: options.ruleName,
    priority: options.priority,
    fixedRate: ratio('percent', options.percent),
    reservoirSize: options.reservoirPerSecond,
  };
}

function ratio(prop: string, percent: number): number {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new Error(`${prop}: ${percent} is not allowed; use a percentage from 0 to 100`);
  }
  return percent / 100;
}
