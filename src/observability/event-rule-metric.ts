import { Fn, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';

/**
 * A metric of an EventBridge rule (`AWS/Events`: `Invocations`, `FailedInvocations`, `InvocationsSentToDlq`),
 * which aws-cdk-lib has no helper for. A rule on a custom bus publishes with the dimensions `EventBusName` and
 * `RuleName`; its `Ref` is `bus|rule`, so the name is taken from the rule's ARN (`rule/<bus>/<rule>`).
 * A rule on the default bus publishes with `RuleName` alone (ARN `rule/<rule>`).
 */
export function eventRuleMetric(
  bus: events.IEventBus, rule: events.IRule, metricName: string, options: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  const defaultBus = !Token.isUnresolved(bus.eventBusName) && bus.eventBusName === 'default';
  const ruleName = Fn.select(defaultBus ? 1 : 2, Fn.split('/', rule.ruleArn));
  return new cloudwatch.Metric({
    namespace: 'AWS/Events',
    metricName,
    dimensionsMap: defaultBus ? { RuleName: ruleName } : { EventBusName: bus.eventBusName, RuleName: ruleName },
    statistic: cloudwatch.Stats.SUM,
    ...options,
  });
}
