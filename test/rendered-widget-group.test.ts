import { App, Aspects, CfnParameter, Duration, Fn, IAspect, Lazy, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { dashboardBody } from './dashboard-body';
import { RenderedOnceWidget } from '../src/observability/rendered-once-widget';
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
    expect(rendered[2].properties.title).toMatch(/^Queue <ref:Fn::Join/);
    expect(rendered[3].properties.title).toMatch(/^<ref:Fn::Join/);
    // A function's own literals (the quote it joins with) are escaped for the JSON string they land in, whether
    // it is part of a string or the whole of it.
    expect(parts).toContainEqual({ 'Fn::Join': ['\\"', ['a', { 'Fn::GetAtt': [expect.any(String), 'QueueName'] }]] });
    expect(parts).toContainEqual({ 'Fn::Join': ['\\"', ['Cold starts of', expect.anything()]] });
    expect(rendered[2].properties.metrics[1]).toEqual(['AWS/SQS', 'ApproximateNumberOfMessagesDelayed', 'QueueName', expect.stringMatching(/^<ref:/)]);
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

  test('a resolution before synthesis resolves references renders afresh: an application aspect reading the body freezes nothing', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    const dashboard = new cloudwatch.Dashboard(stack, 'Dashboard');
    let markdown = 'early';
    const late: cloudwatch.IWidget = {
      width: 24,
      height: 1,
      warnings: [],
      position: () => undefined,
      toJson: () => [{ type: 'text', properties: { markdown } }],
    };
    dashboard.addWidgets(new RenderedWidgetGroup([[late]]));
    const reader: IAspect = {
      visit: (node) => {
        if (!(node instanceof cloudwatch.CfnDashboard)) return;
        Stack.of(node).resolve(node.dashboardBody);
        markdown = 'final';
      },
    };
    Aspects.of(stack).add(reader);
    const body = JSON.stringify(Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    expect(body).toContain('final');
    expect(body).not.toContain('early');
  });

  test('refuses an empty row, which would leave an empty element in the body', () => {
    expect(() => new RenderedWidgetGroup([[]])).toThrow(/^RenderedWidgetGroup: every row needs a widget$/);
    expect(() => new RenderedWidgetGroup([])).toThrow(/^RenderedWidgetGroup: every row needs a widget$/);
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

  test('a token in a value\'s place or a key is written as toJsonString writes it; a function outside a token and a list token are refused', () => {
    const bodyOf = (value: unknown, grouped: boolean) => {
      const stack = new Stack(new App(), 'S', { env: ENV });
      const dashboard = new cloudwatch.Dashboard(stack, 'Dashboard');
      const widget: cloudwatch.IWidget = {
        width: 6,
        height: 6,
        warnings: [],
        position: () => undefined,
        toJson: () => [{ type: 'text', properties: { markdown: 'x', extra: value, [Lazy.string({ produce: () => 'k"ey' })]: 'v' } }],
      };
      dashboard.addWidgets(grouped ? new RenderedWidgetGroup([[widget]]) : widget);
      const body = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody;
      // Without any deploy-time value left, the group still gives a (one-part) Fn::Join where aws-cdk-lib gives a string.
      const join = body['Fn::Join']?.[1];
      return join?.length === 1 && typeof join[0] === 'string' ? join[0] : body;
    };
    const values: [string, unknown][] = [
      ['a function', Lazy.any({ produce: () => ({ Ref: 'AWS::StackName' }) })],
      ['text', Lazy.any({ produce: () => 'te"xt' })],
      ['a number', Lazy.any({ produce: () => 7 })],
      ['a number token in a value\'s place (written as a string)', Lazy.any({ produce: () => Token.asNumber({ Ref: 'AWS::StackName' }) })],
      ['a string token resolving to a number (written unquoted)', Lazy.string({ produce: () => 5 as unknown as string })],
      ['a string token resolving to a structure (written as JSON)', Lazy.string({ produce: () => ({ a: 'b' }) as unknown as string })],
      ['a number token resolving to nothing (the key left out)', Lazy.number({ produce: () => undefined })],
      ['a string token resolving to nothing (the key left out)', Lazy.string({ produce: () => undefined })],
    ];
    for (const [what, value] of values) expect([what, bodyOf(value, true)]).toEqual([what, bodyOf(value, false)]);
    expect(() => bodyOf(Lazy.any({ produce: () => [{ Ref: 'AWS::StackName' }] }), true))
      .toThrow(/TracingDashboard: a widget holds a CloudFormation function outside a token of its own \(\{"Ref":"AWS::StackName"\}\)/);
    expect(() => bodyOf(Lazy.list({ produce: () => ['a', 'b'] }), true)).toThrow(/TracingDashboard: a widget holds a list token/);
  });
});

describe('RenderedOnceWidget', () => {
  test('gives the template of the widgets it wraps, in a group or added by themselves, rows included', () => {
    const once = (rows: cloudwatch.IWidget[][]) => rows.map((row) => row.map((w) => new RenderedOnceWidget(w)));
    const [plain, grouped] = pair((dashboard, rows) => dashboard.addWidgets(new RenderedWidgetGroup(once(rows))));
    expect(grouped).toEqual(plain);
    const [plainAgain, alone] = pair((dashboard, rows) => once(rows).forEach((row) => dashboard.addWidgets(...row)));
    expect(alone).toEqual(plainAgain);
    // A row wrapped whole: each of its widgets keeps its place within it, moved with the row.
    const [plainRows, wrappedRows] = pair((dashboard, rows) =>
      rows.forEach((row) => dashboard.addWidgets(new RenderedOnceWidget(new cloudwatch.Row(...row)))));
    expect(wrappedRows).toEqual(plainRows);
  });

  test('renders the widget once however often it is placed and written', () => {
    let renders = 0;
    const widget = new cloudwatch.TextWidget({ markdown: 'once', width: 6, height: 2 });
    const toJson = widget.toJson.bind(widget);
    widget.toJson = () => {
      renders++;
      return toJson();
    };
    const once = new RenderedOnceWidget(widget);
    expect(once.jsonAtOrigin).toEqual([{ type: 'text', width: 6, height: 2, x: 0, y: 0, properties: { markdown: 'once' } }]);
    once.position(6, 3);
    expect(once.toJson()).toEqual([{ type: 'text', width: 6, height: 2, x: 6, y: 3, properties: { markdown: 'once' } }]);
    once.position(12, 0);
    expect(once.toJson()[0]).toMatchObject({ x: 12, y: 0 });
    expect(Object.keys(once.toJson()[0])).toEqual(['type', 'width', 'height', 'x', 'y', 'properties']);
    expect(renders).toBe(1);
    // What it hands out is a copy: writing a position into it leaves the rendering as it was.
    expect(once.jsonAtOrigin[0]).toMatchObject({ x: 0, y: 0 });
  });

  test('a widget that reads its content when written is not to be wrapped: wrapped, it keeps what it read first', () => {
    let markdown = 'first';
    const reading: cloudwatch.IWidget = {
      width: 6,
      height: 2,
      warnings: [],
      position: () => undefined,
      toJson: () => [{ type: 'text', x: 0, y: 0, properties: { markdown } }],
    };
    const once = new RenderedOnceWidget(reading);
    expect(once.toJson()[0].properties.markdown).toBe('first');
    markdown = 'later';
    expect(once.toJson()[0].properties.markdown).toBe('first');
    expect(reading.toJson()[0].properties.markdown).toBe('later');
  });
});
