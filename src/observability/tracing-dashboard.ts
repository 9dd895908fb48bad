import { Aspects, Duration, Stack, Stage, Token, Tokenization } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { BuildWhenComplete } from './build-when-complete';
import {
  alarmStatusWidgets, apiStageSection, busSection, correlationSection, DashboardSection, overviewSection, queueSection, serviceSections,
  stateMachineSection, topicSection,
} from './dashboard-sections';
import { claimPhysicalName } from './physical-names';
import { RenderedOnceWidget } from './rendered-once-widget';
import { RenderedWidgetGroup } from './rendered-widget-group';
import { inventoryOf, TracedInventory } from './traced-inventory';
import { environmentKey } from '../registry/tracing-registry';

/** CloudWatch's limit of widgets per dashboard (PutDashboard, "Dashboard Body Structure and Syntax"). */
export const MAX_WIDGETS_PER_DASHBOARD = 500;

/**
 * Template bytes the dashboards may take in the stack of the `TracingDashboard`: CloudFormation takes
 * templates of up to 1 MB (from S3, as the CDK deploys them), and the stack holds other resources too.
 */
const HOST_STACK_DASHBOARD_BYTES = 600 * 1024;
/** Template bytes of dashboards in a stack that holds nothing else, below the 1 MB limit with a margin. */
const OVERFLOW_STACK_DASHBOARD_BYTES = 900 * 1024;

interface DashboardHost {
  readonly scope: Construct;
  readonly stack: Stack;
  readonly budget: number;
  used: number;
}

/**
 * What one token of a widget adds to the template once resolved, beyond its own text: measured 16 bytes for
 * a reference within the stack and 22 for one grown into an `Fn::ImportValue`; counted at 40, with margin.
 */
const TOKEN_TEMPLATE_BYTES = 40;

/**
 * What a widget adds to the template, estimated from its unresolved JSON: resolving every widget here would
 * cost as much again as synthesizing the dashboards. The JSON is escaped inside the body's `Fn::Join`, and
 * each token becomes a part of its own, one per line.
 */
function estimatedTemplateBytes(widget: cloudwatch.IWidget): number {
  // Without a position, as estimated before the layout places the widget (a widget never placed has none).
  const unplaced = widget instanceof RenderedOnceWidget ? widget.jsonAtOrigin.map(({ x: _x, y: _y, ...entry }) => entry) : widget.toJson();
  let resolvables = 0;
  const json = JSON.stringify(unplaced, (_key, value) => {
    if (value === null || typeof value !== 'object' || typeof value.resolve !== 'function') return value;
    // aws-cdk-lib wraps a graph's metric rows in a token that only trims them: its value is what renders.
    if (typeof value.value === 'object' && value.value !== null) return value.value;
    resolvables++;
    return undefined;
  });
  // Encoded tokens in strings, and tokens that serialize themselves (`Lazy`, references) as placeholders: each
  // counted as one reference, which is what the library's widgets hold (a raw `Lazy` list would be more).
  const tokens = resolvables + json.split('{Token[').length - 1 + json.split('"<unresolved-').length - 1;
  return Math.ceil(json.length * 1.2) + tokens * TOKEN_TEMPLATE_BYTES;
}

/**
 * The dashboard's opening time range. aws-cdk-lib renders `defaultInterval` with `toIsoString()`, which a
 * deploy-time duration cannot take; its own unit can, so such a value becomes the `start` it would render.
 */
function isoInterval(interval: Duration): { defaultInterval?: Duration; start?: string } {
  if (!interval.isUnresolved()) return { defaultInterval: interval };
  const unit = interval.unitLabel();
  const amount = Tokenization.stringifyNumber(
    unit === 'days' ? interval.toDays() : unit === 'hours' ? interval.toHours() : unit === 'minutes' ? interval.toMinutes() : interval.toSeconds());
  const designator = { days: 'D', hours: 'H', minutes: 'M' }[unit as 'days'] ?? 'S';
  return { start: unit === 'days' ? `-P${amount}D` : `-PT${amount}${designator}` };
}

/**
 * How many composite alarms `TracingAlarms` can create for what the dashboard covers: one per service,
 * including services that only own queues, buses or topics and the faults groups' own, one more per 50
 * alarms of a service. Counted high, so the status widgets never drop a composite.
 */
function compositeAlarmsAtMost(inventory: TracedInventory): number {
  const owners = inventory.services.length + inventory.queues.length + inventory.buses.length + inventory.topics.length + inventory.groups.length;
  const alarms = inventory.services.reduce((n, s) => n + 3 * s.functions.length, 0) + 2 * inventory.queues.length
    + inventory.buses.reduce((n, b) => n + 2 * b.routes.length, 0) + inventory.topics.length + inventory.groups.length;
  return owners + Math.ceil(alarms / 50);
}

/**
 * Props of `TracingDashboard`.
 */
export interface TracingDashboardProps {
  /**
   * The name of the first dashboard; further ones (a large app) get `-2`, `-3`, ... Up to 250 letters,
   * digits, `-` or `_`, leaving room for the suffix.
   * @default - `<stack name>-tracing` when the stack name is known at synth, else a name CloudFormation generates
   */
  readonly dashboardName?: string;
  /**
   * The stacks whose traced resources the dashboard shows; all in the dashboard's own account and Region
   * (their names and ARNs become cross-stack references, which aws-cdk-lib exports).
   * @default - the stack of this construct
   */
  readonly stacks?: Stack[];
  /**
   * How many widgets a dashboard holds before the next one starts. Sections (the overview, one service,
   * the queues, ...) are kept together where they fit.
   * @default 500, CloudWatch's limit
   */
  readonly maxWidgetsPerDashboard?: number;
  /**
   * The time range the dashboards open with.
   * @default Duration.hours(3)
   */
  readonly defaultInterval?: Duration;
}

/**
 * The on-call view of everything traced: CloudWatch dashboards built from the tracing registry, so nobody
 * lists metrics by hand. Top to bottom: an overview (traces per X-Ray group, the faults groups first;
 * invocations, errors and throttles across the app; links to the X-Ray trace map, each group's traces and
 * Application Signals; the status of the `TracingAlarms`), one section per service (invocations, errors and
 * error rate, throttles, duration p50/p90/p99 against the timeout, concurrency, cold starts), the queues,
 * event buses and topics, and the most recent errors with their traces.
 *
 * The widgets are created when the app is synthesized, so resources traced after the dashboard are shown.
 * Every metric names its resource (a function's `functionName`, a queue's `queueName`), never a SEARCH
 * expression. A graph holds at most 100 metrics, a Logs Insights widget at most 50 log groups, and a
 * dashboard at most `maxWidgetsPerDashboard` widgets: a larger app gets numbered dashboards, the overview
 * first, in a deterministic order.
 */
export class TracingDashboard extends Construct {
  /** The first dashboard, which holds the overview. */
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly _dashboards: cloudwatch.Dashboard[];
  private readonly _overflowStacks: Stack[] = [];
  private readonly stacks: Stack[];
  private readonly baseName?: string;
  private readonly maxWidgets: number;
  private readonly defaultInterval: Duration;

  constructor(scope: Construct, id: string, props: TracingDashboardProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.stacks = props.stacks ?? [stack];
    if (this.stacks.length === 0) throw new Error('stacks: an empty list is not allowed; leave it out to cover this stack');
    for (const other of this.stacks) {
      if (other.node.root !== stack.node.root) throw new Error(`stacks: '${other.node.path}' belongs to another app`);
      if (environmentKey(other) !== environmentKey(stack)) {
        throw new Error(`stacks: '${other.node.path}' deploys to ${environmentKey(other)}, not ${environmentKey(stack)}; a dashboard can reference only stacks of its own account and Region`);
      }
      if (Stage.of(other) !== Stage.of(stack)) {
        throw new Error(`stacks: '${other.node.path}' is in stage '${Stage.of(other)?.node.path}', not '${Stage.of(stack)?.node.path}'; a dashboard can reference only stacks of its own stage`);
      }
    }
    this.maxWidgets = props.maxWidgetsPerDashboard ?? MAX_WIDGETS_PER_DASHBOARD;
    if (Token.isUnresolved(this.maxWidgets)) {
      throw new Error('maxWidgetsPerDashboard: a deploy-time value is not allowed here because the widgets are split into dashboards at synthesis; use a number from 10 to 500');
    }
    if (!Number.isInteger(this.maxWidgets) || this.maxWidgets < 10 || this.maxWidgets > MAX_WIDGETS_PER_DASHBOARD) {
      throw new Error(`maxWidgetsPerDashboard: ${this.maxWidgets} is not allowed; use an integer from 10 to ${MAX_WIDGETS_PER_DASHBOARD}`);
    }
    const name = props.dashboardName;
    if (name !== undefined && !Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,250}$/.test(name)) {
      throw new Error(`dashboardName: '${name}' is not allowed; use 1-250 letters, digits, '-' or '_'`);
    }
    this.baseName = name ?? (!Token.isUnresolved(stack.stackName) ? `${stack.stackName}-tracing` : undefined);
    this.defaultInterval = props.defaultInterval ?? Duration.hours(3);
    this.dashboard = this.newDashboard(0);
    this._dashboards = [this.dashboard];
    Aspects.of(this).add(new BuildWhenComplete(this, () => this.build()));
  }

  /**
   * The stacks created beside this construct's own for dashboards whose bodies would not fit in its
   * template (`<stack id>Dashboards2`, ...); only for very large apps, and only once synthesized.
   */
  public get overflowStacks(): Stack[] {
    return [...this._overflowStacks];
  }

  /** Every dashboard, the overview first; more than one only for a large app, and only once synthesized. */
  public get dashboards(): cloudwatch.Dashboard[] {
    return [...this._dashboards];
  }

  private build(): void {
    const inventory = inventoryOf(this.stacks);
    const title = this.baseName ?? 'Tracing';
    const overview = overviewSection(inventory, title);
    const alarms = () => inventoryOf(this.stacks).alarms;
    // Each widget's JSON serves the byte estimate and then the body; the alarm status is written when the body
    // is, for alarms created after this.
    const once = (widgets: cloudwatch.IWidget[]) => widgets.map((widget) => new RenderedOnceWidget(widget));
    const sections: DashboardSection[] = [
      { title: overview.title, widgets: [...once(overview.widgets), ...alarmStatusWidgets(alarms, compositeAlarmsAtMost(inventory))] },
      ...[
        ...inventory.services.flatMap(serviceSections),
        ...queueSection(inventory.queues),
        ...busSection(inventory.buses),
        ...topicSection(inventory.topics),
        ...apiStageSection(inventory.apiStages),
        ...stateMachineSection(inventory.stateMachines),
        ...correlationSection(inventory),
      ].map((section) => ({ title: section.title, widgets: once(section.widgets) })),
    ];
    // Dashboards go where CloudFormation can still take them: the bodies share this stack's 1 MB template
    // with the rest of it, so past a byte budget they continue in sibling stacks of their own.
    let host: DashboardHost = { scope: this, stack: Stack.of(this), budget: HOST_STACK_DASHBOARD_BYTES, used: 0 };
    let dashboard = this.dashboard;
    let rows: cloudwatch.IWidget[][] = [];
    let count = 0;
    for (const section of sections) {
      for (let start = 0; start < section.widgets.length; start += this.maxWidgets) {
        const widgets = section.widgets.slice(start, start + this.maxWidgets);
        const bytes = widgets.reduce((total, widget) => total + estimatedTemplateBytes(widget), 0);
        const full = host.used + bytes > host.budget && host.used > 0;
        if (full) host = this.overflowHost();
        if (full || count + widgets.length > this.maxWidgets) {
          dashboard.addWidgets(new RenderedWidgetGroup(rows));
          dashboard = this.newDashboard(this._dashboards.length, host.scope);
          this._dashboards.push(dashboard);
          rows = [];
          count = 0;
        }
        rows.push(widgets);
        count += widgets.length;
        host.used += bytes;
      }
    }
    dashboard.addWidgets(new RenderedWidgetGroup(rows));
  }

  /** A new stack beside this construct's, in its account and Region, for dashboards that no longer fit. */
  private overflowHost(): DashboardHost {
    const stack = Stack.of(this);
    const parent = stack.node.scope;
    if (!parent || !Stage.isStage(parent)) {
      throw new Error(`stacks: the dashboards of '${this.node.path}' exceed the ${HOST_STACK_DASHBOARD_BYTES} bytes a stack's template can spare, `
        + 'and its stack is not directly in an app or stage, where more dashboards could go; cover fewer stacks per TracingDashboard');
    }
    const index = this._overflowStacks.length + 2;
    const overflow = new Stack(parent, `${stack.node.id}Dashboards${index}`, {
      env: Token.isUnresolved(stack.region) ? undefined : {
        account: Token.isUnresolved(stack.account) ? undefined : stack.account,
        region: stack.region,
      },
      description: `Tracing dashboards of ${this.node.path}, part ${index}: the bodies do not fit in one template.`,
    });
    this._overflowStacks.push(overflow);
    return { scope: new Construct(overflow, 'TracingDashboard'), stack: overflow, budget: OVERFLOW_STACK_DASHBOARD_BYTES, used: 0 };
  }

  private newDashboard(index: number, scope: Construct = this): cloudwatch.Dashboard {
    const dashboardName = this.baseName === undefined ? undefined : index === 0 ? this.baseName : `${this.baseName}-${index + 1}`;
    if (dashboardName !== undefined && !Token.isUnresolved(dashboardName)) {
      claimPhysicalName(this, 'dashboard', dashboardName, 'dashboardName', 'give each TracingDashboard its own dashboardName');
    }
    return new cloudwatch.Dashboard(scope, index === 0 ? 'Dashboard' : `Dashboard${index + 1}`, {
      dashboardName,
      ...isoInterval(this.defaultInterval),
    });
  }
}
