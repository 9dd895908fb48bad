import { CfnResource, Duration, Names, Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as applicationsignals from 'aws-cdk-lib/aws-applicationsignals';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledgeCompositeInput } from '../nag/nag-acknowledgement';

/** What a `TracingSlo` measures. */
export enum SloObjective {
  /** The percentage of invocations (requests) that end without a function error (a 5xx response). */
  AVAILABILITY = 'AVAILABILITY',
  /** The function's duration (the stage's latency) at `latencyStatistic`. */
  LATENCY = 'LATENCY',
}

/** Props of `TracingSlo`. */
export interface TracingSloProps {
  /**
   * The traced function whose AWS/Lambda metrics (Invocations, Errors, Duration) are the service level
   * indicator. Give this or `apiStage`.
   * @default - none: `apiStage` is measured
   */
  readonly function?: lambda.IFunction;
  /**
   * The REST API stage whose AWS/ApiGateway metrics (Count, 5XXError, Latency) are the service level
   * indicator: what the API's callers see, including integration timeouts. Give this or `function`.
   * @default - none: `function` is measured
   */
  readonly apiStage?: apigateway.Stage;
  /** Whether the SLO measures availability or latency. */
  readonly objective: SloObjective;
  /**
   * The attainment goal: the percentage of periods in the interval that must be good, above 0 and below 100.
   * @default 99.9 for AVAILABILITY, 99 for LATENCY
   */
  readonly goal?: number;
  /**
   * The rolling interval the goal applies to: whole days, 1 to 365.
   * @default Duration.days(30)
   */
  readonly interval?: Duration;
  /**
   * One SLI period: whole minutes, 1 to 15; with burn-rate alarms at most 5 (the fast alarm's short window).
   * @default Duration.minutes(1)
   */
  readonly period?: Duration;
  /**
   * AVAILABILITY only: the percentage of invocations without a function error that makes a period good,
   * above 0 and at most 100. A period without invocations is good.
   * @default 99
   */
  readonly availabilityThreshold?: number;
  /**
   * Required for LATENCY, refused for AVAILABILITY: a period is good when the duration at `latencyStatistic`
   * is below this, which is above zero and at most 15 minutes. A period without invocations is good.
   * @default - none
   */
  readonly latencyThreshold?: Duration;
  /**
   * LATENCY only: the duration statistic, `Average`, `Minimum`, `Maximum` or a percentile (`p99`, `p99.9`, `tm90`...).
   * @default 'p99'
   */
  readonly latencyStatistic?: string;
  /**
   * The SLO's name, unique in the account and Region: 2-128 letters, digits, spaces, `-`, `.` or `_`,
   * starting and ending with a letter or digit.
   * @default - derived from the stack name and the construct path
   */
  readonly sloName?: string;
  /**
   * The SLO's description, 1-1024 characters.
   * @default - Application Signals' "No description"
   */
  readonly description?: string;
  /**
   * The percentage of remaining error budget below which the SLO shows a warning, above 0 and below 100.
   * @default - Application Signals' default, 50
   */
  readonly warningThreshold?: number;
  /**
   * Whether to create the fast and slow burn-rate alarms.
   * @default true
   */
  readonly burnRateAlarms?: boolean;
  /**
   * The burn rate, above 1, both windows of the fast burn alarm (1 hour, 5 minutes) must exceed. The default
   * spends 2 % of a 30-day error budget in an hour; scale it for other intervals.
   * @default 14.4
   */
  readonly fastBurnRate?: number;
  /**
   * The burn rate, above 1, both windows of the slow burn alarm (6 hours, 30 minutes) must exceed. The default
   * spends 5 % of a 30-day error budget in 6 hours; scale it for other intervals.
   * @default 6
   */
  readonly slowBurnRate?: number;
  /**
   * Actions of the two composite burn-rate alarms (not of their window alarms).
   * @default - none
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];
}

/**
 * Multiwindow, multi-burn-rate alerting, Google SRE Workbook, "Alerting on SLOs", section 6
 * (https://sre.google/workbook/alerting-on-slos/): a long window makes an alert significant, a short window
 * of 1/12 of it makes the alert reset soon after the burn stops.
 */
const BURN_WINDOWS = [
  { tier: 'Fast', longMinutes: 60, shortMinutes: 5 },
  { tier: 'Slow', longMinutes: 360, shortMinutes: 30 },
] as const;

/**
 * Limits of AWS::ApplicationSignals::ServiceLevelObjective: name pattern (CreateServiceLevelObjective,
 * https://docs.aws.amazon.com/applicationsignals/latest/APIReference/API_CreateServiceLevelObjective.html),
 * SliMetric PeriodSeconds 60-900 and MetricStat Period in whole minutes for standard-resolution metrics
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-applicationsignals-servicelevelobjective-slimetric.html).
 */
const SLO_NAME = /^[0-9A-Za-z][-._0-9A-Za-z ]{0,126}[0-9A-Za-z]$/;
const LATENCY_STATISTIC = /^(Average|Minimum|Maximum|(p|tm|wm|tc|ts)(\d{1,2}(\.\d+)?|100))$/;

/**
 * A period-based Application Signals service level objective on a Lambda function's AWS/Lambda metrics,
 * so it works whether or not Application Signals receives the function's spans, with multiwindow,
 * multi-burn-rate alarms.
 *
 * Burn-rate alarms read the `BurnRate` metric Application Signals publishes in `AWS/ApplicationSignals`
 * per SLO (`SloName`) and look-back window (`BurnRateWindowMinutes`), only for the windows listed in the
 * SLO's burn-rate configurations (at most 10); see "Calculate burn rates" in
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-ServiceLevelObjectives.html#CloudWatch-ServiceLevelObjectives-burn.
 */
export class TracingSlo extends Construct {
  /** The SLO. */
  public readonly cfnServiceLevelObjective: applicationsignals.CfnServiceLevelObjective;
  /** The SLO's name, the `SloName` dimension of its metrics. */
  public readonly sloName: string;
  /** The window alarms: fast long, fast short, slow long, slow short; empty without burn-rate alarms. */
  public readonly burnRateAlarms: cloudwatch.Alarm[] = [];
  /** The fast and slow burn alarms, each in alarm when both its windows are; empty without burn-rate alarms. */
  public readonly burnRateCompositeAlarms: cloudwatch.CompositeAlarm[] = [];

  constructor(scope: Construct, id: string, props: TracingSloProps) {
    super(scope, id);
    if ((props.function === undefined) === (props.apiStage === undefined)) {
      refuse('function', props.function ? `'${props.function.node.path}' with apiStage '${props.apiStage!.node.path}'` : 'undefined without apiStage', 'give exactly one of function and apiStage');
    }
    const latency = props.objective === SloObjective.LATENCY;
    const goal = props.goal ?? (latency ? 99 : 99.9);
    const interval = props.interval ?? Duration.days(30);
    const period = props.period ?? Duration.minutes(1);
    const alarms = props.burnRateAlarms ?? true;
    const fastBurnRate = props.fastBurnRate ?? 14.4;
    const slowBurnRate = props.slowBurnRate ?? 6;
    const sloName = props.sloName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-', allowedSpecialCharacters: '-._' });
    validatePercentage('goal', goal, false);
    if (props.warningThreshold !== undefined) validatePercentage('warningThreshold', props.warningThreshold, false);
    validateInterval(interval);
    validatePeriod(period, alarms);
    validateObjectiveProps(props, latency);
    if (!Token.isUnresolved(sloName) && !SLO_NAME.test(sloName)) {
      refuse('sloName', `'${sloName}'`, 'use 2-128 letters, digits, spaces, \'-\', \'.\' or \'_\', starting and ending with a letter or digit');
    }
    const description = props.description;
    if (description !== undefined && !Token.isUnresolved(description) && (description.length < 1 || description.length > 1024)) {
      refuse('description', `a text of ${description.length} characters`, 'use 1-1024 characters');
    }
    validateBurnRate('fastBurnRate', props.fastBurnRate, fastBurnRate, alarms);
    validateBurnRate('slowBurnRate', props.slowBurnRate, slowBurnRate, alarms);
    if (!alarms && props.alarmActions?.length) refuse('alarmActions', `${props.alarmActions.length} action(s)`, 'they go on burn-rate alarms and burnRateAlarms is false');

    this.sloName = sloName;
    const periodSeconds = period.toSeconds();
    // aws-applicationsignals is loaded by the first SLO, not with the library.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { CfnServiceLevelObjective } = require('aws-cdk-lib/aws-applicationsignals') as typeof applicationsignals;
    this.cfnServiceLevelObjective = new CfnServiceLevelObjective(this, 'Resource', {
      name: sloName,
      description,
      sli: latency ? latencySli(props, periodSeconds) : availabilitySli(props, periodSeconds),
      goal: {
        attainmentGoal: goal,
        warningThreshold: props.warningThreshold,
        interval: { rollingInterval: { duration: interval.toDays(), durationUnit: 'DAY' } },
      },
      burnRateConfigurations: alarms
        ? BURN_WINDOWS.flatMap((w) => [w.longMinutes, w.shortMinutes]).map((lookBackWindowMinutes) => ({ lookBackWindowMinutes }))
        : undefined,
    });
    if (!alarms) return;
    const rates = { Fast: fastBurnRate, Slow: slowBurnRate };
    for (const window of BURN_WINDOWS) {
      const rate = rates[window.tier];
      const long = this.windowAlarm(`${window.tier}BurnLong`, window.longMinutes, rate, period);
      const short = this.windowAlarm(`${window.tier}BurnShort`, window.shortMinutes, rate, period);
      for (const input of [long, short]) acknowledgeCompositeInput(input.node.defaultChild as CfnResource, `the ${window.tier.toLowerCase()} burn composite alarm of SLO ${sloName}`);
      const composite = new cloudwatch.CompositeAlarm(this, `${window.tier}Burn`, {
        alarmRule: cloudwatch.AlarmRule.allOf(long, short),
        alarmDescription: `SLO ${sloName}: ${window.tier.toLowerCase()} burn, burn rate above ${rate} over both ${window.longMinutes} and ${window.shortMinutes} minutes`,
      });
      composite.addAlarmAction(...(props.alarmActions ?? []));
      this.burnRateAlarms.push(long, short);
      this.burnRateCompositeAlarms.push(composite);
    }
  }

  /**
   * The alarm period is the SLI period because the burn rate can only change once a period; `Maximum` keeps
   * the alarm independent of how often within it Application Signals publishes.
   */
  private windowAlarm(id: string, windowMinutes: number, rate: number, period: Duration): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/ApplicationSignals',
        metricName: 'BurnRate',
        dimensionsMap: { SloName: this.sloName, BurnRateWindowMinutes: String(windowMinutes) },
        statistic: cloudwatch.Stats.MAXIMUM,
        period,
      }),
      threshold: rate,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `SLO ${this.sloName}: burn rate over ${windowMinutes} minutes above ${rate}`,
    });
  }
}

/**
 * A period is good when at least `availabilityThreshold` % of its invocations succeeded. Lambda publishes
 * nothing for a minute without invocations, so FILL and IF make an idle period explicitly good (100)
 * instead of leaving it to how Application Signals counts missing data.
 */
function availabilitySli(props: TracingSloProps, periodSeconds: number): applicationsignals.CfnServiceLevelObjective.SliProperty {
  return {
    sliMetric: {
      periodSeconds,
      metricDataQueries: [
        { id: 'invocations', metricStat: metricStat(indicator(props).requests, 'Sum', periodSeconds), returnData: false },
        { id: 'errors', metricStat: metricStat(indicator(props).failures, 'Sum', periodSeconds), returnData: false },
        {
          id: 'availability',
          expression: 'IF(FILL(invocations, 0) > 0, 100 * (1 - FILL(errors, 0) / FILL(invocations, 0)), 100)',
          returnData: true,
        },
      ],
    },
    metricThreshold: props.availabilityThreshold ?? 99,
    comparisonOperator: 'GreaterThanOrEqualTo',
  };
}

/** A period is good when the duration statistic is under the threshold; an idle period counts as 0 ms. */
function latencySli(props: TracingSloProps, periodSeconds: number): applicationsignals.CfnServiceLevelObjective.SliProperty {
  return {
    sliMetric: {
      periodSeconds,
      metricDataQueries: [
        { id: 'duration', metricStat: metricStat(indicator(props).latency, props.latencyStatistic ?? 'p99', periodSeconds), returnData: false },
        { id: 'latency', expression: 'FILL(duration, 0)', returnData: true },
      ],
    },
    metricThreshold: props.latencyThreshold!.toMilliseconds({ integral: false }),
    comparisonOperator: 'LessThan',
  };
}

/** The requests, failed requests and latency of the function or the stage, from aws-cdk-lib's metric helpers. */
function indicator(props: TracingSloProps): { requests: cloudwatch.Metric; failures: cloudwatch.Metric; latency: cloudwatch.Metric } {
  if (props.function) {
    return { requests: props.function.metricInvocations(), failures: props.function.metricErrors(), latency: props.function.metricDuration() };
  }
  const stage = props.apiStage!;
  return { requests: stage.metricCount(), failures: stage.metricServerError(), latency: stage.metricLatency() };
}

/** CloudFormation's MetricStat of one of the function's metrics, so namespace and dimensions come from aws-lambda. */
function metricStat(metric: cloudwatch.Metric, stat: string, period: number): applicationsignals.CfnServiceLevelObjective.MetricStatProperty {
  return {
    metric: {
      namespace: metric.namespace,
      metricName: metric.metricName,
      dimensions: Object.entries(metric.dimensions ?? {}).map(([name, value]) => ({ name, value })),
    },
    period,
    stat,
  };
}

/** Every refusal names the prop, quotes the value and says what is allowed. */
function refuse(prop: string, value: string | number, allowed: string): never {
  throw new Error(`${prop}: ${value} is not allowed; ${allowed}`);
}

function validatePercentage(prop: string, value: number, hundredAllowed: boolean): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isFinite(value) || value <= 0 || (hundredAllowed ? value > 100 : value >= 100)) {
    refuse(prop, value, `use a percentage above 0 and ${hundredAllowed ? 'at most' : 'below'} 100`);
  }
}

/** Application Signals intervals reach from a few hours to a year (CloudWatch User Guide, "SLO concepts"). */
function validateInterval(interval: Duration): void {
  if (interval.isUnresolved()) return;
  const days = interval.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1 || days > 365) refuse('interval', interval.toHumanString(), 'use a whole number of days from 1 to 365');
}

function validatePeriod(period: Duration, alarms: boolean): void {
  if (period.isUnresolved()) {
    if (alarms) refuse('period', 'a deploy-time value', 'CDK must know the period of burn-rate alarms; use burnRateAlarms: false');
    return;
  }
  const seconds = period.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds % 60 !== 0 || seconds < 60 || seconds > 900) {
    refuse('period', period.toHumanString(), 'use whole minutes from 1 to 15');
  }
  // A look-back window shorter than one period cannot hold a whole period to count.
  const shortest = BURN_WINDOWS[0].shortMinutes;
  if (alarms && seconds > shortest * 60) {
    refuse('period', period.toHumanString(), `with burn-rate alarms, use at most ${shortest} minutes (the fast alarm's short window) or burnRateAlarms: false`);
  }
}

function validateObjectiveProps(props: TracingSloProps, latency: boolean): void {
  const { availabilityThreshold, latencyThreshold, latencyStatistic } = props;
  if (!latency) {
    if (latencyThreshold) refuse('latencyThreshold', latencyThreshold.toHumanString(), 'it applies to objective LATENCY; use availabilityThreshold');
    if (latencyStatistic !== undefined) refuse('latencyStatistic', `'${latencyStatistic}'`, 'it applies to objective LATENCY');
    if (availabilityThreshold !== undefined) validatePercentage('availabilityThreshold', availabilityThreshold, true);
    return;
  }
  if (availabilityThreshold !== undefined) refuse('availabilityThreshold', availabilityThreshold, 'it applies to objective AVAILABILITY; use latencyThreshold');
  if (!latencyThreshold) refuse('latencyThreshold', 'undefined', 'objective LATENCY needs the duration a period\'s latency must stay under');
  const millis = latencyThreshold.isUnresolved() ? undefined : latencyThreshold.toMilliseconds({ integral: false });
  if (millis !== undefined && (millis <= 0 || millis > Duration.minutes(15).toMilliseconds())) {
    refuse('latencyThreshold', latencyThreshold.toHumanString(), 'use a duration above zero and at most 15 minutes');
  }
  if (latencyStatistic !== undefined && !Token.isUnresolved(latencyStatistic) && !LATENCY_STATISTIC.test(latencyStatistic)) {
    refuse('latencyStatistic', `'${latencyStatistic}'`, 'use Average, Minimum, Maximum or a percentile such as p99');
  }
}

/** A burn rate of 1 spends the error budget exactly over the interval, so only a higher one is worth an alarm. */
function validateBurnRate(prop: string, given: number | undefined, value: number, alarms: boolean): void {
  if (!alarms && given !== undefined) refuse(prop, given, 'it is a burn-rate alarm threshold and burnRateAlarms is false');
  if (!Token.isUnresolved(value) && (!Number.isFinite(value) || value <= 1)) refuse(prop, value, 'use a burn rate above 1');
}
