/**
 * Scenario (a): the traced functions and queues with hand-made alarms and a dashboard, aws-cdk-lib alone.
 * The alarms are the kinds `TracingAlarms` creates (error rate, throttles, p99 duration near the timeout,
 * dead letters, age of the oldest message, one composite per service) and the dashboard has the widgets of
 * `TracingDashboard`'s service and queue sections, so that the comparison is of the same monitoring.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ENV, plainResources, serviceName, stackSizes } from './shape';

const FIVE_MINUTES = Duration.minutes(5);
const ONE_MINUTE = Duration.minutes(1);
const common = {
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
};

function functionAlarms(stack: Stack, fn: lambda.Function, service: string): cloudwatch.Alarm[] {
  const id = fn.node.id;
  return [
    new cloudwatch.Alarm(stack, `${id}ErrorRate`, {
      ...common,
      alarmName: `${service}-error-rate`,
      metric: new cloudwatch.MathExpression({
        expression: 'IF(i > 0, 100 * e / i, 0)',
        usingMetrics: { e: fn.metricErrors({ period: FIVE_MINUTES }), i: fn.metricInvocations({ period: FIVE_MINUTES }) },
        period: FIVE_MINUTES,
      }),
      threshold: 5,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    }),
    new cloudwatch.Alarm(stack, `${id}Throttles`, {
      ...common,
      alarmName: `${service}-throttles`,
      metric: fn.metricThrottles({ period: FIVE_MINUTES }),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    }),
    new cloudwatch.Alarm(stack, `${id}Duration`, {
      ...common,
      alarmName: `${service}-duration`,
      metric: fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
      threshold: 8000,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    }),
  ];
}

function dashboard(stack: Stack, functions: lambda.Function[], queues: ReturnType<typeof plainResources>['queues'], composites: cloudwatch.IAlarm[]): void {
  const P = ONE_MINUTE;
  const graph = (title: string, width: number, left: cloudwatch.IMetric[]) => new cloudwatch.GraphWidget({ title, width, height: 6, left });
  const widgets: cloudwatch.IWidget[] = [
    new cloudwatch.TextWidget({ markdown: `# ${stack.stackName}`, width: 24, height: 2 }),
    new cloudwatch.AlarmStatusWidget({ title: 'Service health', alarms: composites, width: 24, height: 4 }),
  ];
  for (const fn of functions) {
    widgets.push(
      new cloudwatch.TextWidget({ markdown: `## ${fn.node.id}`, width: 24, height: 1 }),
      graph('Invocations', 8, [fn.metricInvocations({ period: P })]),
      new cloudwatch.GraphWidget({
        title: 'Errors and error rate',
        width: 8,
        height: 6,
        left: [fn.metricErrors({ period: P })],
        right: [new cloudwatch.MathExpression({
          expression: 'IF(i > 0, 100 * e / i, 0)',
          usingMetrics: { e: fn.metricErrors({ period: P }), i: fn.metricInvocations({ period: P }) },
          label: 'error rate %',
          period: P,
        })],
      }),
      graph('Throttles', 8, [fn.metricThrottles({ period: P })]),
      graph('Duration p50 / p90 / p99', 8, ['p50', 'p90', 'p99'].map((statistic) => fn.metricDuration({ period: P, statistic }))),
      graph('Concurrent executions', 8, [fn.metric('ConcurrentExecutions', { period: P, statistic: cloudwatch.Stats.MAXIMUM })]),
      new cloudwatch.LogQueryWidget({
        title: 'Cold starts',
        width: 8,
        height: 6,
        logGroupNames: [`/aws/lambda/${fn.functionName}`],
        queryLines: ['filter type = "platform.report"', 'stats count(*), avg(`record.metrics.initDurationMs`) by bin(5m)'],
      }),
    );
  }
  for (const { queue, deadLetterQueue } of queues) {
    widgets.push(
      graph(`${queue.node.id}: visible messages`, 6, [queue.metricApproximateNumberOfMessagesVisible({ period: P, statistic: cloudwatch.Stats.MAXIMUM })]),
      graph(`${queue.node.id}: age of oldest message`, 6, [queue.metricApproximateAgeOfOldestMessage({ period: P, statistic: cloudwatch.Stats.MAXIMUM })]),
      graph(`${queue.node.id}: dead letters`, 6, [deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: P, statistic: cloudwatch.Stats.MAXIMUM })]),
      graph(`${queue.node.id}: sent vs deleted`, 6, [queue.metricNumberOfMessagesSent({ period: P }), queue.metricNumberOfMessagesDeleted({ period: P })]),
    );
  }
  for (let i = 0; i < functions.length; i += 50) {
    widgets.push(new cloudwatch.LogQueryWidget({
      title: 'Recent errors and their traces',
      width: 24,
      height: 8,
      logGroupNames: functions.slice(i, i + 50).map((fn) => `/aws/lambda/${fn.functionName}`),
      queryLines: ['fields @timestamp, @log, `record.tracing.value` as trace', 'filter level = "ERROR"', 'sort @timestamp desc', 'limit 50'],
      view: cloudwatch.LogQueryVisualizationType.TABLE,
    }));
  }
  const board = new cloudwatch.Dashboard(stack, 'Dashboard', { dashboardName: `${stack.stackName}-dashboard`, defaultInterval: Duration.hours(3) });
  // One call: aws-cdk-lib lays the widgets out left to right, wrapping at 24 columns.
  board.addWidgets(...widgets);
}

export function build(app: App, functions: number): void {
  stackSizes(functions).forEach((count, s) => {
    const stack = new Stack(app, `Service${s + 1}`, { env: ENV });
    const { functions: fns, queues } = plainResources(stack, count);
    const alarmsOf = new Map<lambda.Function, cloudwatch.Alarm[]>();
    fns.forEach((fn, i) => alarmsOf.set(fn, functionAlarms(stack, fn, serviceName(stack, i))));
    for (const [q, { queue, deadLetterQueue, consumer }] of queues.entries()) {
      // Attributed to the consumer's service, as `TracingAlarms` does.
      const service = serviceName(stack, fns.indexOf(consumer));
      alarmsOf.get(consumer)!.push(
        new cloudwatch.Alarm(stack, `Queue${q + 1}DeadLetters`, {
          ...common,
          alarmName: `${service}-queue${q + 1}-dead-letters`,
          metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM }),
          threshold: 1,
          evaluationPeriods: 1,
        }),
        new cloudwatch.Alarm(stack, `Queue${q + 1}MessageAge`, {
          ...common,
          alarmName: `${service}-queue${q + 1}-message-age`,
          metric: queue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM }),
          threshold: 120,
          evaluationPeriods: 3,
        }),
      );
    }
    const composites = fns.map((fn, i) => new cloudwatch.CompositeAlarm(stack, `${fn.node.id}Health`, {
      compositeAlarmName: `${serviceName(stack, i)}-health`,
      alarmRule: cloudwatch.AlarmRule.anyOf(...alarmsOf.get(fn)!),
    }));
    dashboard(stack, fns, queues, composites);
  });
}
