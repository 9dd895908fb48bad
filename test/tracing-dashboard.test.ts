import { App, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { dashboardBody, DashboardWidget, overlaps } from './dashboard-body';
import { inlineFunctionProps, regionalStack, shopResources, shopWithMessaging } from './helpers';
import { TracedFunction, TracingAlarms, TracingDashboard, TracingFilter, TracingGroup } from '../src';

const ENV = { account: '123456789012', region: 'us-east-1' };
const bodies = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'))
  .map((r) => ({ name: r.Properties.DashboardName as string | undefined, widgets: dashboardBody(r as any).widgets }));
const titles = (widgets: DashboardWidget[]) => widgets.map((w) => w.properties.title ?? w.properties.markdown?.split('\n')[0]);
const metricRows = (w: DashboardWidget) => (w.properties.metrics ?? []) as unknown[][];

describe('TracingDashboard', () => {
  test('lays out overview, one section per service, queues and the error correlation, top to bottom', () => {
    const stack = regionalStack();
    new TracingDashboard(stack, 'Dashboard');
    shopResources(stack);
    const [{ name, widgets }] = bodies(stack);
    expect(name).toBe('TestStack-tracing');
    expect(titles(widgets)).toEqual([
      '# TestStack-tracing', 'Traces per X-Ray group', 'Invocations, all traced functions', 'Errors, all traced functions',
      'Throttles, all traced functions', 'No TracingAlarms cover these services yet.',
      '## Service test-stack-api', 'Invocations', 'Errors and error rate', 'Throttles', 'Duration p50 / p90 / p99', 'Concurrent executions',
      'Cold starts (init duration from REPORT lines)',
      '## Service test-stack-worker', 'Invocations', 'Errors and error rate', 'Throttles', 'Duration p50 / p90 / p99', 'Concurrent executions',
      'Cold starts (init duration from REPORT lines)',
      '## Queues', 'Jobs (test-stack-worker): visible messages', 'Jobs (test-stack-worker): age of oldest message',
      'Jobs (test-stack-worker): dead-letter queue depth', 'Jobs (test-stack-worker): sent vs deleted',
      '## Errors and their traces', 'Recent errors and their traces',
    ]);
    expect(overlaps(widgets)).toEqual([]);
    for (const w of widgets) expect(w.x + w.width).toBeLessThanOrEqual(24);
    // sections start on their own rows, in order
    const ys = widgets.map((w) => w.y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
  });

  test('metrics name each resource, never a SEARCH expression; the duration graph marks each timeout', () => {
    const stack = regionalStack();
    const dashboard = new TracingDashboard(stack, 'Dashboard');
    shopResources(stack);
    const json = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(json).not.toMatch(/SEARCH\(/);
    const { widgets } = bodies(stack)[0];
    const duration = widgets.filter((w) => w.properties.title === 'Duration p50 / p90 / p99');
    expect(duration.map((w) => w.properties.annotations.horizontal.map((a: any) => a.value))).toEqual([[10000], [30000]]);
    expect(metricRows(duration[0]).map((row) => row.slice(0, 4).join(' ') + ' ' + (row[4] as any).stat))
      .toEqual(['p50', 'p90', 'p99'].map((stat) => `AWS/Lambda Duration FunctionName <ref:Ref:ApiF70053CD> ${stat}`));
    const queue = widgets.find((w) => w.properties.title === 'Jobs (test-stack-worker): age of oldest message')!;
    expect(metricRows(queue)[0].slice(0, 4)).toEqual(['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'QueueName', expect.stringMatching(/^<ref:Fn::GetAtt:JobsQueue\w+QueueName>$/)]);
    const coldStarts = widgets.find((w) => w.properties.title === 'Cold starts (init duration from REPORT lines)')!;
    expect(coldStarts.properties.query).toMatch(/^SOURCE '\/aws\/lambda\/<ref:Ref:ApiF70053CD>' \| /);
    // the log group is named, not created: no Custom::LogRetention and no provider function appear
    Template.fromStack(stack).resourceCountIs('Custom::LogRetention', 0);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::Function', 2);
    expect(coldStarts.properties.query).toContain('@initDuration');
    expect(dashboard.dashboards).toHaveLength(1);
  });

  test('covers resources traced after it, X-Ray groups (faults first), buses and topics, and shows the alarms of TracingAlarms', () => {
    const stack = regionalStack();
    new TracingDashboard(stack, 'Dashboard');
    new TracingGroup(stack, 'Slow', { groupName: 'slow', filter: TracingFilter.responseTimeOver(3) });
    shopWithMessaging(stack);
    new TracingAlarms(stack, 'Alarms');
    const { widgets } = bodies(stack)[0];
    const groups = widgets.find((w) => w.properties.title === 'Traces per X-Ray group')!;
    expect(metricRows(groups).map((row) => row[3])).toEqual(['TestStack-faults', 'slow']);
    expect(titles(widgets)).toEqual(expect.arrayContaining(['## Event buses', 'Payments (test-stack-worker): failed invocations', '## Topics', 'Orders (test-stack-api): failed']));
    const status = widgets.find((w) => w.type === 'alarm')!;
    expect(status.properties.alarms).toEqual([expect.stringMatching(/^<ref:Fn::GetAtt:AlarmsCompositeTestStackApiHealth\w+Arn>$/),
      expect.stringMatching(/^<ref:Fn::GetAtt:AlarmsCompositeTestStackWorkerHealth\w+Arn>$/), expect.stringMatching(/^<ref:Fn::GetAtt:AlarmsCompositeTestStackHealth\w+Arn>$/)]);
    expect(widgets.find((w) => w.properties.markdown?.startsWith('# '))!.properties.markdown).toContain("#xray:traces/query?~(query~()~context~(group~'slow'))");
    expect(overlaps(widgets)).toEqual([]);
  });

  test('without TracingAlarms the status widget says so', () => {
    const stack = regionalStack();
    new TracingDashboard(stack, 'Dashboard');
    shopResources(stack);
    const widgets = bodies(stack)[0].widgets;
    expect(widgets.filter((w) => w.type === 'alarm')).toEqual([]);
    expect(widgets.filter((w) => w.properties.markdown === 'No TracingAlarms cover these services yet.')).toHaveLength(1);
  });

  test('covers the stacks it is given through cross-stack references', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: ENV });
    const b = new Stack(app, 'B', { env: ENV });
    const ops = new Stack(app, 'Ops', { env: ENV });
    shopResources(a);
    new TracedFunction(b, 'Billing', inlineFunctionProps());
    new TracingDashboard(ops, 'Dashboard', { stacks: [a, b] });
    const { widgets } = bodies(ops)[0];
    expect(titles(widgets).filter((t) => t?.startsWith('## Service'))).toEqual(['## Service a-api', '## Service a-worker', '## Service b-billing']);
    expect(JSON.stringify(Template.fromStack(ops).toJSON())).toContain('Fn::ImportValue');
    expect(metricRows(widgets.find((w) => w.properties.title === 'Traces per X-Ray group')!).map((r) => r[3])).toEqual(['A-faults']);
  });

  test('a large app splits into numbered dashboards within every CloudWatch limit, deterministically', () => {
    const build = () => {
      const app = new App();
      const stack = new Stack(app, 'Big', { env: ENV });
      const dashboard = new TracingDashboard(stack, 'Dashboard', { maxWidgetsPerDashboard: 60 });
      for (let i = 0; i < 120; i++) new TracedFunction(stack, `F${i}`, { ...inlineFunctionProps(), serviceName: `svc-${i % 12}` });
      return { stack, dashboard };
    };
    const { stack, dashboard } = build();
    const all = bodies(stack);
    expect(all.length).toBeGreaterThan(1);
    expect(all.map((d) => d.name)).toEqual(all.map((_, i) => i === 0 ? 'Big-tracing' : `Big-tracing-${i + 1}`));
    expect(dashboard.dashboards).toHaveLength(all.length);
    expect(titles(all[0].widgets)[0]).toBe('# Big-tracing');
    for (const { widgets } of all) {
      expect(widgets.length).toBeLessThanOrEqual(60);
      expect(overlaps(widgets)).toEqual([]);
      for (const w of widgets) {
        expect(metricRows(w).length).toBeLessThanOrEqual(100);
        expect((w.properties.query ?? '').split("SOURCE '").length - 1).toBeLessThanOrEqual(50);
      }
    }
    // every function appears in its service's invocations graph, once
    const invocations = all.flatMap((d) => d.widgets).filter((w) => w.properties.title === 'Invocations').flatMap(metricRows);
    expect(invocations).toHaveLength(120);
    // 120 functions: the app totals sum two chunks (99 + 21), each graph within 100 metrics
    expect(all[0].widgets.filter((w) => w.properties.title?.startsWith('Invocations, all traced functions'))).toHaveLength(2);
    // the correlation widget queries at most 50 log groups each: 3 widgets for 120 functions
    expect(all.flatMap((d) => d.widgets).filter((w) => w.properties.title?.startsWith('Recent errors'))).toHaveLength(3);
    expect(JSON.stringify(bodies(build().stack))).toBe(JSON.stringify(all));
  });

  test('dashboards too large for one template continue in sibling stacks of the same environment', () => {
    const app = new App();
    const services = [0, 1].map((n) => new Stack(app, `Svc${n}`, { env: ENV }));
    services.forEach((stack, n) => {
      for (let i = 0; i < 100; i++) new TracedFunction(stack, `F${i}`, { ...inlineFunctionProps(), serviceName: `s${n}-${i}` });
    });
    const ops = new Stack(app, 'Ops', { env: ENV });
    const dashboard = new TracingDashboard(ops, 'Dashboard', { stacks: services });
    const assembly = app.synth();
    const overflow = dashboard.overflowStacks;
    expect(overflow.map((s) => s.node.id)).toEqual(['OpsDashboards2']);
    expect(overflow[0].region).toBe('us-east-1');
    const names = [ops, ...overflow].flatMap((s) => bodies(s).map((d) => d.name));
    expect(names).toEqual(names.map((_, i) => i === 0 ? 'Ops-tracing' : `Ops-tracing-${i + 1}`));
    for (const stack of [ops, ...overflow]) {
      const bytes = JSON.stringify(assembly.getStackByName(stack.stackName).template, undefined, 1).length;
      expect(bytes).toBeLessThan(1024 * 1024);
    }
    // every service is on exactly one dashboard, the overview only on the first
    const all = [ops, ...overflow].flatMap((s) => bodies(s)).flatMap((d) => d.widgets);
    expect(all.filter((w) => w.properties.markdown?.startsWith('## Service '))).toHaveLength(200);
    expect(all.filter((w) => w.properties.markdown?.startsWith('# '))).toHaveLength(1);
  });

  test('a service with more functions than a graph holds spreads over several sections', () => {
    const stack = regionalStack();
    new TracingDashboard(stack, 'Dashboard');
    for (let i = 0; i < 40; i++) new TracedFunction(stack, `F${i}`, { ...inlineFunctionProps(), serviceName: 'one' });
    const widgets = bodies(stack)[0].widgets;
    expect(titles(widgets).filter((t) => t?.startsWith('## Service'))).toEqual(['## Service one (1)', '## Service one (2)']);
    for (const w of widgets) expect(metricRows(w).length).toBeLessThanOrEqual(100);
  });

  test('a region-agnostic stack gets links through AWS::Region and a generated name when its name is a token', () => {
    const stack = new Stack(new App(), 'Agnostic');
    new TracingDashboard(stack, 'Dashboard', { dashboardName: 'ops_view-1' });
    new TracedFunction(stack, 'F', inlineFunctionProps());
    const [{ name, widgets }] = bodies(stack);
    expect(name).toBe('ops_view-1');
    expect(widgets[0].properties.markdown).toContain('https://<ref:Ref:AWS::Region>.console.aws.amazon.com');
  });

  test.each([
    ['a name with spaces', { dashboardName: 'my dashboard' }, /^dashboardName: 'my dashboard' is not allowed; use 1-250 letters, digits, '-' or '_'/],
    ['a name too long for a suffix', { dashboardName: 'a'.repeat(251) }, /^dashboardName: 'a{251}' is not allowed/],
    ['more widgets than CloudWatch allows', { maxWidgetsPerDashboard: 501 }, /^maxWidgetsPerDashboard: 501 is not allowed; use an integer from 10 to 500/],
    ['too few widgets for the overview', { maxWidgetsPerDashboard: 5 }, /^maxWidgetsPerDashboard: 5 is not allowed/],
    ['a fractional widget count', { maxWidgetsPerDashboard: 20.5 }, /^maxWidgetsPerDashboard: 20.5 is not allowed/],
    ['an empty stack list', { stacks: [] }, /^stacks: an empty list is not allowed/],
  ])('refuses %s', (_name, props, message) => {
    expect(() => new TracingDashboard(regionalStack(), 'Dashboard', props as any)).toThrow(message);
  });

  test('refuses stacks of another Region or another app', () => {
    const app = new App();
    const home = new Stack(app, 'Home', { env: ENV });
    const away = new Stack(app, 'Away', { env: { ...ENV, region: 'eu-west-1' } });
    expect(() => new TracingDashboard(home, 'D', { stacks: [away] }))
      .toThrow(/^stacks: 'Away' deploys to 123456789012\/eu-west-1, not 123456789012\/us-east-1/);
    expect(() => new TracingDashboard(home, 'E', { stacks: [new Stack(new App(), 'Other')] })).toThrow(/^stacks: 'Other' belongs to another app/);
    const beta = new Stack(new Stage(app, 'Beta'), 'Svc', { env: ENV });
    expect(() => new TracingDashboard(home, 'F', { stacks: [beta] })).toThrow(/^stacks: 'Beta\/Svc' is in stage 'Beta', not ''/);
  });

  test('refuses a second dashboard of the same name in one account and Region', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: ENV });
    const b = new Stack(app, 'B', { env: ENV });
    new TracedFunction(b, 'F', inlineFunctionProps());
    new TracingDashboard(a, 'Own');
    expect(() => new TracingDashboard(a, 'All', { stacks: [a, b] }))
      .toThrow(/^dashboardName: the dashboard name 'A-tracing' is already used by 'A\/Own' in 123456789012\/us-east-1; give each TracingDashboard its own dashboardName/);
    expect(() => new TracingDashboard(a, 'Named', { stacks: [a, b], dashboardName: 'all-of-it' })).not.toThrow();
  });

  test('an app without traced resources gets an overview only', () => {
    const stack = regionalStack();
    new TracingDashboard(stack, 'Dashboard');
    new lambda.Function(stack, 'Untraced', inlineFunctionProps());
    const { widgets } = bodies(stack)[0];
    expect(titles(widgets)).toEqual(['# TestStack-tracing', 'No TracingAlarms cover these services yet.']);
  });
});
