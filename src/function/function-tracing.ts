import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { recordDeclaredTracing } from './declared-tracing';
import { applyInstrumentation } from './instrumentation-apply';
import { FunctionTracingOptions } from './instrumentation-options';
import { planExistingFunction } from './instrumentation-plan';
import { TracedFunctionRecord, TracingRegistry } from '../registry/tracing-registry';

/**
 * Applies X-Ray tracing and OpenTelemetry instrumentation to Lambda functions.
 *
 * One implementation serves `TracedFunction`, `TracedNodejsFunction` and existing functions: everything is
 * validated first, then applied, so a function is never left half-instrumented.
 */
export class FunctionTracing {
  /**
   * Instruments an existing function: X-Ray tracing, the OpenTelemetry layer and its environment, JSON
   * logs, the IAM this needs, and registration in the stack's tracing registry.
   *
   * Idempotent: instrumenting a traced function again with no options, or with the options it already
   * has, changes nothing and returns its record; different options are an error.
   *
   * A function created with `tracing: Tracing.DISABLED` is refused when that choice is known: the function
   * was created after `FunctionTracing.recordDeclaredTracing` (or `ServerlessTracing.apply`) on one of its
   * scopes, or the app sets `@aws-cdk/core:enableAdditionalMetadataCollection` (as `cdk init` does).
   * Otherwise aws-cdk-lib leaves no trace of it, and the function is instrumented like any other.
   */
  public static instrument(fn: lambda.Function, options: FunctionTracingOptions = {}): TracedFunctionRecord {
    const existing = TracingRegistry.of(fn).findFunction(fn);
    if (existing) {
      checkSameInstrumentation(fn, existing, options);
      return existing;
    }
    const { plan, tracingConfigured, layerAttached } = planExistingFunction(fn, options);
    return applyInstrumentation(fn, plan, { tracingConfigured, layerAttached });
  }

  /**
   * Remembers the `tracing` prop of every `lambda.Function` (and subclass) created in `scope` from now on,
   * so that `instrument` refuses, and `ServerlessTracing` leaves untraced with a warning, a function created
   * with `tracing: Tracing.DISABLED`. Call it on the app before creating stacks.
   *
   * It is a property injector for `lambda.Function`: the application's own injector for functions, on `scope`
   * before this call or above it at any time, still runs (first); one registered on `scope` after this call
   * replaces it. aws-cdk-lib applies only the nearest injector: one registered on a scope below (a stage or a
   * stack) hides this one there, so call `recordDeclaredTracing` on that scope too, after registering it.
   */
  public static recordDeclaredTracing(scope: IConstruct): void {
    recordDeclaredTracing(scope);
  }

  private constructor() {}
}

function checkSameInstrumentation(fn: lambda.Function, record: TracedFunctionRecord, options: FunctionTracingOptions): void {
  const differences: string[] = [];
  if (options.serviceName !== undefined && options.serviceName !== record.serviceName) {
    differences.push(`serviceName: '${options.serviceName}' (traced with '${record.serviceName}')`);
  }
  if (options.openTelemetry !== undefined && options.openTelemetry.mode !== record.openTelemetryMode) {
    differences.push(`openTelemetry: ${options.openTelemetry.mode} (traced with ${record.openTelemetryMode})`);
  }
  if (options.openTelemetry?.layerVersionArn !== undefined && options.openTelemetry.layerVersionArn !== record.layerArn) {
    differences.push(`openTelemetry: layer '${options.openTelemetry.layerVersionArn}' (traced with '${record.layerArn}')`);
  }
  if (options.applicationSignals !== undefined && options.applicationSignals !== record.applicationSignals) {
    differences.push(`applicationSignals: ${options.applicationSignals} (traced with ${record.applicationSignals})`);
  }
  if (options.samplingRatio !== undefined && options.samplingRatio !== record.samplingRatio) {
    differences.push(`samplingRatio: ${options.samplingRatio} (traced with ${record.samplingRatio ?? 'the layer\'s sampler'})`);
  }
  if (options.exporter !== undefined && options.exporter.otlpOptions?.endpoint !== record.otlpEndpoint) {
    differences.push(`exporter: ${options.exporter.otlpOptions?.endpoint ?? 'X-Ray'} (traced with ${record.otlpEndpoint ?? 'X-Ray'})`);
  }
  if (options.tracing !== undefined && options.tracing !== record.tracing) {
    differences.push(`tracing: ${options.tracing} (traced with ${record.tracing})`);
  }
  if (differences.length > 0) {
    throw new Error(`${differences.join('; ')}: '${fn.node.path}' is already traced with other options`);
  }
}
