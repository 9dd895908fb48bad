import { Duration, Resource, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as xray from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import { TracingFilter } from './tracing-filter';
import { inTheSameEnvironment, warnAboveRegionalQuota } from '../registry/regional-quota';
import { TracingRegistry } from '../registry/tracing-registry';

/**
 * Props of `TracingGroup`.
 */
export interface TracingGroupProps {
  /** The group's name: 1-32 letters, digits, `_` or `-`, unique in the account and Region; not `Default`. */
  readonly groupName: string;
  /** Which traces belong to the group. */
  readonly filter: TracingFilter;
  /**
   * Whether X-Ray Insights analyses the group's traces.
   * @default false
   */
  readonly insights?: boolean;
  /**
   * Whether Insights sends notifications (EventBridge `AWS X-Ray Insight Update` events); needs `insights`.
   * @default false
   */
  readonly notifications?: boolean;
}

/** X-Ray's quota of groups per Region (not adjustable). */
export const TRACING_GROUPS_QUOTA = 25;

/** Set while the library creates one of its default faults groups, so the group's record says so. */
let creatingDefaultFaultsGroup = false;

/**
 * An X-Ray group: a filter expression X-Ray applies to new traces, with its own service map, Insights and
 * the `ApproximateTraceCount` metric for alarms.
 */
export class TracingGroup extends Resource {
  /**
   * Creates a default faults group: a `TracingGroup` recorded as the library's own.
   * @internal
   */
  public static _createDefaultFaultsGroup(scope: Construct, id: string, props: TracingGroupProps): TracingGroup {
    creatingDefaultFaultsGroup = true;
    try {
      return new TracingGroup(scope, id, props);
    } finally {
      creatingDefaultFaultsGroup = false;
    }
  }

  /** The underlying CloudFormation resource. */
  public readonly cfnGroup: xray.CfnGroup;
  /** The group's name. */
  public readonly groupName: string;
  /** The group's ARN. */
  public readonly groupArn: string;
  /** The group's filter. */
  public readonly filter: TracingFilter;

  constructor(scope: Construct, id: string, props: TracingGroupProps) {
    super(scope, id);
    const name = props.groupName;
    if (!Token.isUnresolved(name) && (!/^[A-Za-z0-9_-]{1,32}$/.test(name) || name === 'Default')) {
      throw new Error(`groupName: '${name}' is not allowed; use 1-32 letters, digits, '_' or '-', and not the reserved 'Default'`);
    }
    const sameName = inTheSameEnvironment(this).flatMap((r) => r.groups).find((group) => group.groupName === name);
    if (sameName && !Token.isUnresolved(name)) {
      throw new Error(`groupName: '${name}' is already used by '${sameName.owner.node.path}' in the same account and Region; X-Ray group names are unique there`);
    }
    if (props.notifications && !props.insights) {
      throw new Error('notifications: true needs insights: true; X-Ray sends notifications from Insights');
    }
    this.groupName = name;
    this.filter = props.filter;
    this.cfnGroup = new xray.CfnGroup(this, 'Resource', {
      groupName: name,
      filterExpression: props.filter.expression,
      insightsConfiguration: props.insights === undefined && props.notifications === undefined ? undefined : {
        insightsEnabled: props.insights ?? false,
        notificationsEnabled: props.notifications ?? false,
      },
    });
    this.groupArn = this.cfnGroup.attrGroupArn;
    TracingRegistry.of(this)._registerGroup({
      owner: this,
      groupName: name,
      filterExpression: props.filter.expression,
      defaultFaultsGroup: creatingDefaultFaultsGroup,
    });
    warnAboveRegionalQuota(this, TRACING_GROUPS_QUOTA, (r) => r.groups.length, {
      id: 'cdk-serverless-tracing:group-quota',
      message: (count, region) => `${count} X-Ray groups are defined for ${region}; X-Ray allows ${TRACING_GROUPS_QUOTA} per Region and the quota cannot be raised.`,
    });
  }

  /**
   * `ApproximateTraceCount` (`AWS/X-Ray`, dimension `GroupName`): how many new traces matched the group,
   * published about every minute. Alarm on it with the Sum statistic, e.g. `>= 1` for a faults group.
   *
   * @default - Sum over 1 minute
   */
  public metricApproximateTraceCount(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return approximateTraceCount(this.groupName, props);
  }
}

/**
 * `ApproximateTraceCount` of the X-Ray group `groupName`, for readers that hold the group's record.
 */
export function approximateTraceCount(groupName: string, props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/X-Ray',
    metricName: 'ApproximateTraceCount',
    dimensionsMap: { GroupName: groupName },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.minutes(1),
    ...props,
  });
}
