import { App, Aspects, IAspect, Lazy, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { dashboardBody } from './dashboard-body';
import { ENV, pair } from './widget-fixtures';
import { RenderedWidgetGroup } from '../src/observability/rendered-widget-group';

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

