import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { completeTracedConstruction } from './instrumentation-apply';
import { FunctionInstrumentationOptions } from './instrumentation-options';
import { planTracedConstruction } from './instrumentation-plan';
import { TracedFunctionRecord } from '../registry/tracing-registry';

/**
 * Props of `TracedFunction`: every `lambda.FunctionProps` plus the tracing options.
 */
export interface TracedFunctionProps extends lambda.FunctionProps, FunctionInstrumentationOptions {}

/**
 * A Lambda function with X-Ray tracing, the AWS OpenTelemetry distro layer picked for its runtime and
 * region, JSON logs, and the IAM this needs. Registered in the stack's tracing registry.
 *
 * Defaults that differ from `lambda.FunctionProps`: `tracing` is `Tracing.ACTIVE` (`PASS_THROUGH` is
 * allowed, `DISABLED` refused) and `loggingFormat` is `LoggingFormat.JSON`, so every log line can be
 * joined to its trace. `adotInstrumentation` is refused: use `openTelemetry: OpenTelemetryLayer.legacyAdot()`.
 */
export class TracedFunction extends lambda.Function {
  /** What the tracing registry records about this function. */
  public readonly tracingRecord: TracedFunctionRecord;

  constructor(scope: Construct, id: string, props: TracedFunctionProps) {
    const construction = planTracedConstruction(scope, id, props);
    super(scope, id, { ...props, ...construction });
    this.tracingRecord = completeTracedConstruction(this, construction);
  }
}
