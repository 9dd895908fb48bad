import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ENV, pair } from './widget-fixtures';
import { RenderedOnceWidget } from '../src/observability/rendered-once-widget';
import { RenderedWidgetGroup } from '../src/observability/rendered-widget-group';

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

  test('the warnings of the widget it renders reach the dashboard, alone or in a group', () => {
    for (const group of [false, true]) {
      const stack = new Stack(new App(), 'S', { env: ENV });
      const graph = new cloudwatch.GraphWidget({
        left: [new cloudwatch.MathExpression({ expression: 'a + b', usingMetrics: { a: new cloudwatch.Metric({ namespace: 'N', metricName: 'M' }) } })],
      });
      expect(Object.keys(graph.warningsV2 ?? {})).not.toHaveLength(0);
      const once = new RenderedOnceWidget(graph);
      const dashboard = new cloudwatch.Dashboard(stack, 'Dashboard');
      dashboard.addWidgets(group ? new RenderedWidgetGroup([[once]]) : once);
      const warnings = dashboard.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
      expect([group, warnings]).toEqual([group, [expect.stringMatching(/references unknown identifiers: b/)]]);
    }
  });

  test('refuses a widget that renders an entry it could not move', () => {
    const positionless: cloudwatch.IWidget = { width: 6, height: 2, position: () => undefined, toJson: () => [{ type: 'text', properties: { markdown: 'x' } }] };
    expect(() => new RenderedOnceWidget(positionless).toJson())
      .toThrow(/^RenderedOnceWidget: the widget renders an entry without a position of its own \(\{"type":"text",.*\}\), which it cannot move$/);
  });
});
