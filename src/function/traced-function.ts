import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { applyInstrumentation, FunctionInstrumentationOptions, planInstrumentation, subjectFromProps } from './function-tracing';
import { TracedFunctionRecord } from '../registry/tracing-registry';

/**
 * Props of `TracedFunction`: every `lambda.FunctionProps` plus the tracing options.
 */
export interface TracedFunctionProps extends lambda.FunctionProps, FunctionInstrumentationOptions {}

/**
 * A Lambda function with X-Ray tracing (`Active` unless `tracing` says `PassThrough`), the AWS
 * OpenTelemetry distro layer picked for its runtime and region, JSON logs, and the IAM this needs.
 * Registered in the stack's tracing registry.
 */
export class TracedFunction extends lambda.Function {
  /** What the tracing registry records about this function. */
  public readonly tracingRecord: TracedFunctionRecord;

  constructor(scope: Construct, id: string, props: TracedFunctionProps) {
    const tracing = props.tracing ?? lambda.Tracing.ACTIVE;
    const plan = planInstrumentation(subjectFromProps(scope, id, props), props, tracing);
    super(scope, id, {
      ...props,
      // Tracing is applied by the shared instrumentation, which grants X-Ray in a policy of its own.
      tracing: undefined,
      adotInstrumentation: plan.adotInstrumentation,
      loggingFormat: props.logFormat === undefined ? (props.loggingFormat ?? lambda.LoggingFormat.JSON) : undefined,
    });
    this.tracingRecord = applyInstrumentation(this, plan, {
      tracingConfigured: false,
      layerAttached: plan.adotInstrumentation !== undefined,
    });
  }
}
