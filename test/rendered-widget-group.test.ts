import { App, CfnParameter, Duration, Fn, Lazy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { dashboardBody } from './dashboard-body';
import { RenderedWidgetGroup } from '../src/observability/rendered-widget-group';

const ENV = { account: '123456789012', region: 'us-east-1' };

/** Widgets of every kind the library renders, with tokens in every place they can take. */
function widgets(stack: Stack): cloudwatch.IWidget[][] {
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
      new cloudwatch.GraphWidget({ title: `Queue ${queue.queueName}`, left: [queue.metricApproximateAgeOfOldestMessage()] }),
      new cloudwatch.LogQueryWidget({
        title: 'Cold starts',
        logGroupNames: [`/aws/lambda/${fn.functionName}`, Lazy.string({ produce: () => 'literal "quoted" group' })],
        queryLines: ['filter @type = "REPORT"', 'stats count(*) by bin(5m)'],
      }),
    ],
    [new cloudwatch.AlarmStatusWidget({ alarms: [queue.metricNumberOfMessagesSent().createAlarm(stack, 'Sent', { threshold: 1, evaluationPeriods: 1 })] })],
  ];
}

/** Two identical stacks: one with the widgets added row by row, one with the same rows as one group. */
function pair(place: (dashboard: cloudwatch.Dashboard, rows: cloudwatch.IWidget[][], stack: Stack) => void) {
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

describe('RenderedWidgetGroup', () => {
  test('gives the template that adding its widgets one row at a time gives', () => {
    const [plain, grouped] = pair((dashboard, rows) => dashboard.addWidgets(new RenderedWidgetGroup(rows)));
    expect(grouped).toEqual(plain);
    // The body is JSON once CloudFormation joins it: escaped literals, references inside strings, a number unquoted.
    // The deploy-time threshold is a number: written unquoted, so the test reads it as one.
    const [, parts] = (grouped as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    const readable = { 'Fn::Join': ['', parts.map((p) => (JSON.stringify(p) === '{"Ref":"Threshold"}' ? '0' : p))] };
    const { widgets: rendered } = dashboardBody({ Properties: { DashboardBody: readable } });
    expect(rendered.map((w) => w.type)).toEqual(['text', 'metric', 'metric', 'log', 'alarm']);
    expect(rendered[0].properties.markdown).toBe('Quotes " and \\ backslashes, ${not-a-token} and \u00e9');
    expect(rendered[3].properties.query).toContain("SOURCE '/aws/lambda/<ref:");
    expect(rendered[3].properties.query).toContain('literal "quoted" group');
    expect(JSON.stringify(grouped)).toContain('"value\\":",{"Ref":"Threshold"}');
    // A metric of another account and Region keeps both, which the dashboard's own metrics leave out.
    expect(rendered[1].properties.metrics[1]).toEqual(['AWS/Lambda', 'Errors', { accountId: '210987654321', region: 'eu-west-1' }]);
    expect(rendered[1].properties.metrics[0][4]).toEqual({ label: 'errors', period: 60, stat: 'Sum' });
  });

  test('keeps its place among widgets the application adds before and after it', () => {
    const [plain, grouped] = pair((dashboard, rows) => {
      dashboard.addWidgets(...rows[0]);
      dashboard.addWidgets(new RenderedWidgetGroup(rows.slice(1, 2)));
      dashboard.addWidgets(...rows[2]);
    });
    expect(grouped).toEqual(plain);
    const [, parts] = (grouped as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    const ys = [...parts.filter((p): p is string => typeof p === 'string').join('').matchAll(/"y":(\d+)/g)].map((m) => Number(m[1]));
    expect(ys).toEqual([0, 2, 2, 2, 8]);
  });

  test('references to another stack become imports, as the widgets themselves would', () => {
    const app = new App();
    const producer = new Stack(app, 'Producer', { env: ENV });
    const queue = new sqs.Queue(producer, 'Queue');
    const consumer = new Stack(app, 'Consumer', { env: ENV });
    const dashboard = new cloudwatch.Dashboard(consumer, 'Dashboard');
    dashboard.addWidgets(new RenderedWidgetGroup([[new cloudwatch.GraphWidget({ left: [queue.metricNumberOfMessagesSent()] })]]));
    const body = JSON.stringify(Object.values(Template.fromStack(consumer).findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    expect(body).toContain('"Fn::ImportValue":"Producer:ExportsOutputFnGetAtt');
    expect(Object.keys(Template.fromStack(producer).toJSON().Outputs)).toHaveLength(1);
  });

  test('a token in a value\'s place is written as toJsonString writes it; one holding a reference deeper is refused', () => {
    const bodyOf = (value: unknown, grouped: boolean) => {
      const stack = new Stack(new App(), 'S', { env: ENV });
      const dashboard = new cloudwatch.Dashboard(stack, 'Dashboard');
      const widget: cloudwatch.IWidget = {
        width: 6,
        height: 6,
        warnings: [],
        position: () => undefined,
        toJson: () => [{ type: 'text', properties: { markdown: 'x', extra: value } }],
      };
      dashboard.addWidgets(grouped ? new RenderedWidgetGroup([[widget]]) : widget);
      const body = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody;
      // Without any deploy-time value left, the group still gives a (one-part) Fn::Join where aws-cdk-lib gives a string.
      const join = body['Fn::Join']?.[1];
      return join?.length === 1 && typeof join[0] === 'string' ? join[0] : body;
    };
    for (const value of [Lazy.any({ produce: () => ({ Ref: 'AWS::StackName' }) }), Lazy.any({ produce: () => 'text' }), Lazy.any({ produce: () => 7 })]) {
      expect(bodyOf(value, true)).toEqual(bodyOf(value, false));
    }
    expect(() => bodyOf(Lazy.any({ produce: () => [{ Ref: 'AWS::StackName' }] }), true))
      .toThrow(/TracingDashboard: a widget holds a CloudFormation function inside a token.s value \(\{"Ref":"AWS::StackName"\}\)/);
  });
});
