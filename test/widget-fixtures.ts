/** Dashboard widgets of every kind the library renders, and a template comparison of two ways to add them. */
import { App, CfnParameter, Duration, Fn, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';

export const ENV = { account: '123456789012', region: 'us-east-1' };

/** Widgets of every kind the library renders, with tokens in every place they can take. */
export function widgets(stack: Stack): cloudwatch.IWidget[][] {
  const fn = lambda.Function.fromFunctionArn(stack, 'Fn', Fn.importValue('fn-arn'));
  const queue = new sqs.Queue(stack, 'Queue');
  const threshold = new CfnParameter(stack, 'Threshold', { type: 'Number' }).valueAsNumber;
  const elsewhere = new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName: 'Errors', account: '210987654321', region: 'eu-west-1' });
  return [
    [new cloudwatch.TextWidget({ markdown: 'Quotes " and \\ backslashes, ${not-a-token} and \u00e9', width: 24, height: 2 })],
    [
      new cloudwatch.GraphWidget({
        title: 'Errors and error rate',
        left: [fn.metricErrors({ period: Duration.minutes(1), label: 'errors' }), elsewhere],
        right: [new cloudwatch.MathExpression({
          expression: 'IF(i > 0, 100 * e / i, 0)',
          usingMetrics: { e: fn.metricErrors(), i: fn.metricInvocations() },
          label: 'rate',
        })],
        leftAnnotations: [{ value: threshold, label: 'deploy-time threshold' }],
      }),
      // A title whose value is a function with literals of its own (escaped inside the JSON string), and a metric
      // row whose options are all defaults (aws-cdk-lib's post-processor drops the empty object that ends it).
      new cloudwatch.GraphWidget({
        title: `Queue ${Fn.join('"', ['a', queue.queueName])}`,
        left: [queue.metricApproximateAgeOfOldestMessage(), queue.metric('ApproximateNumberOfMessagesDelayed')],
      }),
      new cloudwatch.LogQueryWidget({
        title: Fn.join('"', ['Cold starts of', fn.functionName]),
        logGroupNames: [`/aws/lambda/${fn.functionName}`, Lazy.string({ produce: () => 'literal "quoted" group' })],
        queryLines: ['filter @type = "REPORT"', 'stats count(*) by bin(5m)'],
      }),
    ],
    [new cloudwatch.AlarmStatusWidget({ alarms: [queue.metricNumberOfMessagesSent().createAlarm(stack, 'Sent', { threshold: 1, evaluationPeriods: 1 })] })],
  ];
}

/** Two identical stacks: one with the widgets added row by row, one with the same rows as one group. */
export function pair(place: (dashboard: cloudwatch.Dashboard, rows: cloudwatch.IWidget[][], stack: Stack) => void) {
  const bodies = ['Plain', 'Grouped'].map((id) => {
    const app = new App();
    const stack = new Stack(app, id, { env: ENV });
    const dashboard = new cloudwatch.Dashboard(stack, 'Dashboard', { dashboardName: 'd' });
    const rows = widgets(stack);
    if (id === 'Plain') rows.forEach((row) => dashboard.addWidgets(...row));
    else place(dashboard, rows, stack);
    return Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard');
  });
  return bodies.map((resources) => Object.values(resources)[0].Properties.DashboardBody);
}
