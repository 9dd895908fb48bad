import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { distroLayerArn } from './distro-layer-arn';
import { resolvedVariables } from './function-environment';
import { isLiteralSecret } from './instrumentation-environment';
import { InstrumentationPlan, TracedConstruction } from './instrumentation-plan';
import { ENV, SECRET_VARIABLES, tracingOf } from './instrumentation-subject';
import { attachStackXRayPolicy } from './stack-xray-policy';
import { acknowledgeNagFindingsForStack } from '../nag/nag-acknowledgement';
import { OpenTelemetryMode, TracedFunctionRecord, TracingRegistry } from '../registry/tracing-registry';
import { includeInDefaultFaultsGroups } from '../sampling/default-faults-group';

/*
 * Applying: the mutations a validated plan makes (layer, tracing mode, environment, IAM, JSON logs) and the
 * registration in the stack's tracing registry. Nothing here refuses anything the plan accepted.
 */

const APPLICATION_SIGNALS_POLICY = 'CloudWatchLambdaApplicationSignalsExecutionRolePolicy';
const XRAY_POLICY_ID = 'TracingXRayWritePolicy';

/**
 * Applies what `planTracedConstruction` decided, once the function exists.
 *
 * @internal
 */
export function completeTracedConstruction(fn: lambda.Function, construction: TracedConstruction): TracedFunctionRecord {
  return applyInstrumentation(fn, construction.plan, {
    tracingConfigured: false,
    layerAttached: construction.plan.adotInstrumentation !== undefined,
  });
}

/** Applies a plan to a function; `state` says what the function already had. */
export function applyInstrumentation(
  fn: lambda.Function,
  plan: InstrumentationPlan,
  state: { tracingConfigured: boolean; layerAttached: boolean },
): TracedFunctionRecord {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  let layerArn = plan.layerArn;
  if (plan.mode === OpenTelemetryMode.AWS_DISTRO) {
    layerArn = distroLayerArn(fn, plan.language!);
  }
  if (layerArn !== undefined && !state.layerAttached) {
    fn.addLayers(lambda.LayerVersion.fromLayerVersionArn(fn, 'OpenTelemetryLayer', layerArn));
  }
  if (plan.mode === OpenTelemetryMode.LEGACY_ADOT) {
    layerArn = (fn.node.tryFindChild('AdotLayer') as lambda.ILayerVersion | undefined)?.layerVersionArn;
  }
  cfn.tracingConfig = { mode: plan.tracing.toString() };
  if (!state.tracingConfigured) grantXRayWrite(fn);
  for (const [key, value] of Object.entries(plan.environment)) {
    fn.addEnvironment(key, value);
  }
  if (plan.applicationSignals) grantApplicationSignals(fn);
  useJsonLogs(fn, cfn);

  const record: TracedFunctionRecord = {
    function: fn,
    serviceName: plan.serviceName,
    tracing: plan.tracing,
    openTelemetryMode: plan.mode,
    layerArn,
    execWrapper: plan.execWrapper,
    applicationSignals: plan.applicationSignals,
    samplingRatio: plan.samplingRatio,
    otlpEndpoint: plan.otlpEndpoint,
  };
  TracingRegistry.of(fn)._registerFunction(record);
  includeInDefaultFaultsGroups(record);
  fn.node.addValidation({ validate: () => instrumentationIntact(fn, cfn, plan) });
  return record;
}

/**
 * X-Ray write access in a policy of its own, so the `Resource: *` these actions require can be
 * acknowledged for exactly these two actions and never for anything else on the role.
 */
function grantXRayWrite(fn: lambda.Function): void {
  const role = fn.role;
  if (!(role instanceof iam.Role)) {
    Annotations.of(fn).addWarningV2('cdk-serverless-tracing:imported-role',
      'The function\'s role is not created in this app: grant it xray:PutTraceSegments and xray:PutTelemetryRecords on "*" yourself, or X-Ray drops its segments.');
    return;
  }
  // Attached to the role, so the function, which waits for its role, starts with the permission in place.
  attachStackXRayPolicy(role, {
    id: XRAY_POLICY_ID,
    description: 'Lets the traced functions of this stack send segments and telemetry to X-Ray (cdk-serverless-tracing)',
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
    reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; X-Ray requires Resource "*". This policy holds only these two actions.',
  });
}

function grantApplicationSignals(fn: lambda.Function): void {
  const role = fn.role;
  if (!(role instanceof iam.Role)) {
    Annotations.of(fn).addWarningV2('cdk-serverless-tracing:imported-role-application-signals',
      `The function's role is not created in this app: attach the ${APPLICATION_SIGNALS_POLICY} managed policy yourself, or Application Signals receives nothing.`);
    return;
  }
  role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(APPLICATION_SIGNALS_POLICY));
  // The same finding on every traced role: acknowledged once, for this one policy, in the role's stack.
  acknowledgeNagFindingsForStack(Stack.of(role), [{
    id: 'AwsSolutions-IAM4',
    reason: `${APPLICATION_SIGNALS_POLICY} is the policy AWS maintains for Application Signals on Lambda: X-Ray segment writes and log writes limited to the /aws/application-signals/data log group.`,
    appliesTo: [`Policy::arn:<AWS::Partition>:iam::aws:policy/${APPLICATION_SIGNALS_POLICY}`],
  }]);
}

function useJsonLogs(fn: lambda.Function, cfn: lambda.CfnFunction): void {
  const config = cfn.loggingConfig;
  if (Token.isUnresolved(config)) return;
  const current = config as lambda.CfnFunction.LoggingConfigProperty | undefined;
  if (current?.logFormat === undefined) {
    cfn.loggingConfig = { ...current, logFormat: 'JSON' };
  } else if (current.logFormat !== 'JSON') {
    Annotations.of(fn).addWarningV2('cdk-serverless-tracing:text-logs',
      `The function logs in ${current.logFormat} format: its log lines cannot be joined to traces by the trace id field. Use LoggingFormat.JSON.`);
  }
}

/** A later `addEnvironment` or L1 override must not silently undo the instrumentation. */
function instrumentationIntact(fn: lambda.Function, cfn: lambda.CfnFunction, plan: InstrumentationPlan): string[] {
  const errors: string[] = [];
  const variables = resolvedVariables(fn);
  for (const key of SECRET_VARIABLES) {
    if (isLiteralSecret(variables[key])) errors.push(`environment: ${key} was set to a literal value after the function was traced; it would be written in clear into the template (use TraceExporter.otlp({ headersSecret }))`);
  }
  for (const key of [ENV.EXEC_WRAPPER, ENV.SERVICE_NAME, ENV.POWERTOOLS_SERVICE_NAME]) {
    if (plan.environment[key] === undefined) continue;
    const planned = JSON.stringify(fn.stack.resolve(plan.environment[key]));
    const actual = JSON.stringify(variables[key]);
    if (actual !== planned) {
      errors.push(`${key} was changed to ${actual} after the function was traced with ${planned}`);
    }
  }
  if (tracingOf(fn, cfn) === undefined) {
    errors.push('tracingConfig was removed after the function was traced');
  }
  return errors;
}
