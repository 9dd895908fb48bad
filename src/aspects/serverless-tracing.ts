import { Annotations, AspectPriority, Aspects, CfnResource, IAspect, Stack, Stage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import { ManagedServicePlan, planManagedService } from './managed-service-tracing';
import { recordDeclaredTracing } from '../function/declared-tracing';
import { applyInstrumentation } from '../function/instrumentation-apply';
import { FunctionTracingOptions } from '../function/instrumentation-options';
import { ExistingFunctionPlan, planExistingFunction } from '../function/instrumentation-plan';
import { TracingAlarms, TracingAlarmsProps } from '../observability/tracing-alarms';
import { TracingDashboard } from '../observability/tracing-dashboard';
import { TracingRegistry } from '../registry/tracing-registry';

/**
 * What `ServerlessTracing.apply` does.
 */
export enum ServerlessTracingMode {
  /** Instrument and turn tracing on. */
  APPLY = 'APPLY',
  /** Change nothing: annotate each resource with what APPLY would change (info), and what it cannot trace (warning). */
  AUDIT = 'AUDIT',
}

/**
 * Options of `ServerlessTracing.apply`.
 */
export interface ServerlessTracingOptions {
  /**
   * Apply the changes, or only report them as annotations.
   *
   * @default ServerlessTracingMode.APPLY
   */
  readonly mode?: ServerlessTracingMode;

  /**
   * The options every instrumented function gets (layer, sampling ratio, exporter, ...). A `serviceName`
   * here names every function of the scope as one service.
   *
   * @default - each function's defaults: X-Ray active, the AWS distro layer, its service name from its path
   */
  readonly functions?: FunctionTracingOptions;

  /**
   * Turn on X-Ray tracing for REST API stages (`AWS::ApiGateway::Stage`).
   *
   * @default true
   */
  readonly restApiStages?: boolean;

  /**
   * Turn on X-Ray tracing for Step Functions state machines, and grant their roles X-Ray writes.
   *
   * @default true
   */
  readonly stateMachines?: boolean;

  /**
   * Turn on SNS active tracing for topics, with the stack's SNS X-Ray resource policy.
   *
   * @default true
   */
  readonly topics?: boolean;

  /**
   * Add a `TracingDashboard` to every stack where something is traced and no `TracingDashboard` exists.
   *
   * @default false
   */
  readonly dashboards?: boolean;

  /**
   * Add `TracingAlarms` with these props to every stack where something is traced and no `TracingAlarms`
   * exists (`{}` for the defaults).
   *
   * @default - no alarms are added
   */
  readonly alarms?: TracingAlarmsProps;

  /**
   * Construct paths whose resources are left alone, with everything below them (`App/Stack/Legacy`).
   *
   * @default - nothing is excluded
   */
  readonly excludePaths?: string[];
}

const DASHBOARD_ID = 'TracingDashboard';
const ALARMS_ID = 'TracingAlarms';

/** The options each scope was traced with, so that applying twice with the same options changes nothing. */
const appliedOptions = new WeakMap<IConstruct, string>();

/**
 * App-wide tracing in one line: `ServerlessTracing.of(app).apply()`.
 *
 * At synthesis, every `lambda.Function` in the scope is instrumented through the same plan
 * `FunctionTracing.instrument` uses (X-Ray active, the OpenTelemetry layer, its environment, IAM, JSON
 * logs, registration); REST API stages, Step Functions state machines and SNS topics get X-Ray tracing;
 * everything is registered in its stack's tracing registry, so the report, dashboards and alarms include
 * it. What cannot be traced (a container image, a runtime without a layer, an explicit opt-out) is left
 * exactly as it was, with a warning naming it and why: nothing is ever half-applied. Functions already
 * traced (a `TracedFunction`, or instrumented before) are left as they are.
 */
export class ServerlessTracing {
  /** The app-wide tracing of `scope` (an app, a stage, a stack or any construct). */
  public static of(scope: IConstruct): ServerlessTracing {
    return new ServerlessTracing(scope);
  }

  private constructor(private readonly scope: IConstruct) {}

  /**
   * Traces everything in the scope at synthesis. Applying again with the same options changes nothing;
   * different options on the same scope are an error.
   *
   * Functions created in the scope after this call are also checked for `tracing: Tracing.DISABLED`, and left
   * as they are: apply it before creating stacks (see `FunctionTracing.recordDeclaredTracing`, which this calls,
   * for how it sits with the application's own property injectors).
   */
  public apply(options: ServerlessTracingOptions = {}): void {
    const key = JSON.stringify(options, (_k, v) => (Construct.isConstruct(v) ? `construct:${v.node.path}` : v));
    const previous = appliedOptions.get(this.scope);
    if (previous !== undefined) {
      if (previous === key) return;
      throw new Error(`ServerlessTracing: '${this.scope.node.path || '<app>'}' is already traced with other options; apply once per scope, or to separate scopes`);
    }
    for (const path of options.excludePaths ?? []) {
      if (typeof path !== 'string' || path.length === 0) throw new Error(`excludePaths: ${JSON.stringify(path)} is not allowed; give construct paths such as 'App/Stack/Legacy'`);
    }
    appliedOptions.set(this.scope, key);
    recordDeclaredTracing(this.scope);
    // Mutating priority: before dashboards, alarms and checks (default priority) read what is traced.
    Aspects.of(this.scope).add(new ServerlessTracingAspect(this.scope, options), { priority: AspectPriority.MUTATING });
  }
}

class ServerlessTracingAspect implements IAspect {
  private done = false;

  constructor(private readonly scope: IConstruct, private readonly options: ServerlessTracingOptions) {}

  public visit(node: IConstruct): void {
    // All at once, on the scope's own visit: it comes before any construct below it, so a TracingDashboard
    // or TracingAlarms anywhere in the scope (built at its own visit) sees every function traced here,
    // whichever order the constructs were created in and under either aspect algorithm of aws-cdk-lib.
    if (node !== this.scope || this.done) return;
    this.done = true;
    const audit = this.options.mode === ServerlessTracingMode.AUDIT;
    const touched = new Set<Stack>();
    const hasDashboard = new Set<Stack>();
    const hasAlarms = new Set<Stack>();
    for (const construct of this.scope.node.findAll()) {
      if (this.excluded(construct)) continue;
      if (construct instanceof TracingDashboard) hasDashboard.add(Stack.of(construct));
      if (construct instanceof TracingAlarms) hasAlarms.add(Stack.of(construct));
      const traced = construct instanceof lambda.Function
        ? this.traceFunction(construct, audit)
        : CfnResource.isCfnResource(construct) && this.traceManagedService(construct, audit);
      if (traced) touched.add(Stack.of(construct));
    }
    if (audit) return;
    for (const stack of touched) {
      const parent = this.observabilityParent(stack);
      if (this.options.dashboards && !hasDashboard.has(stack)) new TracingDashboard(parent, DASHBOARD_ID);
      if (this.options.alarms && !hasAlarms.has(stack)) new TracingAlarms(parent, ALARMS_ID, this.options.alarms);
    }
  }

  /** Whether the function is traced after this (or would be, in audit mode). */
  private traceFunction(fn: lambda.Function, audit: boolean): boolean {
    if (TracingRegistry.of(fn).findFunction(fn)) return true;
    let planned: ExistingFunctionPlan;
    try {
      planned = planExistingFunction(fn, this.options.functions ?? {});
    } catch (error) {
      Annotations.of(fn).addWarningV2('cdk-serverless-tracing:not-traced', `ServerlessTracing left ${fn.node.path} untraced: ${(error as Error).message}`);
      return false;
    }
    if (audit) {
      Annotations.of(fn).addInfo(`ServerlessTracing (audit) would trace ${fn.node.path}: ${describeFunctionPlan(planned)}`);
      return true;
    }
    applyInstrumentation(fn, planned.plan, { tracingConfigured: planned.tracingConfigured, layerAttached: planned.layerAttached });
    return true;
  }

  private traceManagedService(resource: CfnResource, audit: boolean): boolean {
    const plan = planManagedService(resource);
    if (!plan || !this.wants(plan)) return false;
    if (plan.refusal !== undefined) {
      Annotations.of(resource).addWarningV2('cdk-serverless-tracing:not-traced', `ServerlessTracing left ${ownerPath(resource)} untraced: ${plan.refusal}`);
      return false;
    }
    if (audit) {
      if (!plan.alreadyTraced) Annotations.of(resource).addInfo(`ServerlessTracing (audit) would ${plan.change}`);
      return true;
    }
    plan.apply();
    return true;
  }

  private wants(plan: ManagedServicePlan): boolean {
    switch (plan.resource.cfnResourceType) {
      case 'AWS::ApiGateway::Stage': return this.options.restApiStages !== false;
      case 'AWS::StepFunctions::StateMachine': return this.options.stateMachines !== false;
      default: return this.options.topics !== false;
    }
  }

  private excluded(construct: IConstruct): boolean {
    const path = construct.node.path;
    return (this.options.excludePaths ?? []).some((p) => path === p || path.startsWith(`${p}/`));
  }

  /**
   * Where a stack's dashboard and alarms go: in the stack, unless the scope is inside it, in which case in
   * the scope, which its own visit has reached but whose children aspects have yet to visit.
   */
  private observabilityParent(stack: Stack): IConstruct {
    const scopeInsideStack = !Stage.isStage(this.scope) && !Stack.isStack(this.scope) && Stack.of(this.scope) === stack;
    return scopeInsideStack ? this.scope : stack;
  }
}

/** The path of the L2 construct a CloudFormation resource is the default child of, else its own. */
function ownerPath(resource: CfnResource): string {
  const owner = resource.node.scope;
  return owner?.node.defaultChild === resource ? owner.node.path : resource.node.path;
}

function describeFunctionPlan(planned: ExistingFunctionPlan): string {
  const { plan } = planned;
  const parts = [`X-Ray ${plan.tracing}`, `OpenTelemetry ${plan.mode}${plan.language ? ` (${plan.language})` : ''}`];
  const variables = Object.entries(plan.environment).map(([k, v]) => `${k}=${v}`);
  if (variables.length > 0) parts.push(`environment ${variables.join(', ')}`);
  if (!planned.tracingConfigured) parts.push('X-Ray write access for its role');
  parts.push('JSON logs');
  return parts.join('; ');
}
