import { CfnResource, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { hasUnknownPart, isLiteral, joinedString } from './cfn-values';
import { DISTRO_LAYER_MAPPING_ID } from '../../function/distro-layer-arn';
import { TracingCheckDefinition, TracingCheckResult, tracingCheckId } from '../tracing-check-rule';

/** A function's X-Ray tracing mode as deployed: `'Active'`, `'PassThrough'`, undefined (none set), or `'unknown'`. */
export function tracingModeOf(fn: lambda.CfnFunction, stack: Stack): string | undefined {
  const config = stack.resolve(fn.tracingConfig) as { mode?: unknown } | undefined;
  if (config === undefined) return undefined;
  if (!isLiteral(config)) return 'unknown';
  return typeof config.mode === 'string' ? config.mode : undefined;
}

/** Whether `resource` is a Lambda function with active tracing (the functions the function rules look at). */
export function isActivelyTraced(resource: CfnResource, stack: Stack): resource is lambda.CfnFunction {
  return resource instanceof lambda.CfnFunction && tracingModeOf(resource, stack) === 'Active';
}

export const FUNCTION_TRACING: TracingCheckDefinition = {
  rule: {
    id: tracingCheckId('FunctionTracing'),
    name: 'Lambda function without active tracing',
    explanation: 'Without TracingConfig Mode Active (unset means PassThrough), Lambda never starts a trace for this function: it records segments ' +
      'only when the caller sent a sampled trace header, so invocations that arrive without one (schedules, untraced callers) are missing from the trace map.',
    fix: 'Create it as a TracedFunction or TracedNodejsFunction, or call FunctionTracing.instrument on it; with plain aws-cdk-lib, set tracing: lambda.Tracing.ACTIVE.',
  },
  evaluate: (resource, stack) => {
    if (!(resource instanceof lambda.CfnFunction)) return TracingCheckResult.NOT_APPLICABLE;
    const mode = tracingModeOf(resource, stack);
    if (mode === 'Active') return TracingCheckResult.COMPLIANT;
    return mode === 'unknown' ? TracingCheckResult.NOT_APPLICABLE : TracingCheckResult.NON_COMPLIANT;
  },
};

/**
 * OpenTelemetry layer names: the AWS distro (`AWSOpenTelemetryDistroJs`, ...), the legacy ADOT layers
 * aws-cdk-lib's `adotInstrumentation` adds (`aws-otel-nodejs-...`), and the OpenTelemetry project's own
 * Lambda layers (`opentelemetry-nodejs-...`).
 */
const OPENTELEMETRY_LAYER_NAME = /^(AWSOpenTelemetry|aws-otel-|opentelemetry-)/i;

type LayerKind = 'opentelemetry' | 'other' | 'unknown';

function layerKind(layer: unknown): LayerKind {
  const findInMap = (layer as { 'Fn::FindInMap'?: unknown } | null | undefined)?.['Fn::FindInMap'];
  if (Array.isArray(findInMap)) return findInMap[0] === DISTRO_LAYER_MAPPING_ID ? 'opentelemetry' : 'unknown';
  const arn = joinedString(layer);
  // arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>
  const name = arn === undefined ? undefined : /:layer:([^:]+)/.exec(arn)?.[1];
  if (name === undefined || hasUnknownPart(name)) return 'unknown';
  return OPENTELEMETRY_LAYER_NAME.test(name) ? 'opentelemetry' : 'other';
}

export const FUNCTION_OPENTELEMETRY_LAYER: TracingCheckDefinition = {
  rule: {
    id: tracingCheckId('FunctionOpenTelemetryLayer'),
    name: 'Traced Lambda function without an OpenTelemetry layer',
    explanation: 'Active tracing alone records the Lambda service segment; without an OpenTelemetry layer no span is created for the handler\'s ' +
      'own calls, and the W3C trace context the library carries through SQS, SNS and EventBridge is neither injected nor extracted.',
    fix: 'Create it as a TracedFunction or TracedNodejsFunction (openTelemetry defaults to OpenTelemetryLayer.distro()), or call FunctionTracing.instrument on it; ' +
      'pass OpenTelemetryLayer.fromLayerArn(...) for a layer of your own.',
  },
  evaluate: (resource, stack) => {
    if (!isActivelyTraced(resource, stack)) return TracingCheckResult.NOT_APPLICABLE;
    // A container image carries its instrumentation inside the image: Lambda does not take layers for it.
    const packageType = stack.resolve(resource.packageType);
    if (packageType !== undefined && packageType !== 'Zip') return TracingCheckResult.NOT_APPLICABLE;
    const layers = stack.resolve(resource.layers);
    if (layers === undefined) return TracingCheckResult.NON_COMPLIANT;
    if (!Array.isArray(layers)) return TracingCheckResult.NOT_APPLICABLE;
    const kinds = layers.map(layerKind);
    if (kinds.includes('opentelemetry')) return TracingCheckResult.COMPLIANT;
    return kinds.includes('unknown') ? TracingCheckResult.NOT_APPLICABLE : TracingCheckResult.NON_COMPLIANT;
  },
};
