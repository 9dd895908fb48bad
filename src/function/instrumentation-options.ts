import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OpenTelemetryLayer } from './open-telemetry-layer';
import { TraceExporter } from './trace-exporter';

/**
 * Instrumentation options shared by `TracedFunction`, `TracedNodejsFunction` and `FunctionTracing.instrument`.
 */
export interface FunctionInstrumentationOptions {
  /**
   * The service name the function's traces and logs carry, written to `OTEL_SERVICE_NAME` and
   * `POWERTOOLS_SERVICE_NAME` so OpenTelemetry and Powertools agree. 1-128 characters: letters, digits,
   * `.`, `_`, `-`, starting with a letter or digit.
   *
   * @default - `OTEL_SERVICE_NAME` or `POWERTOOLS_SERVICE_NAME` if the function already sets one, else the
   * stack name and the construct path below the stack in kebab case (`order-pipeline-validate`)
   */
  readonly serviceName?: string;

  /**
   * Which OpenTelemetry layer the function gets.
   *
   * @default OpenTelemetryLayer.awsDistro()
   */
  readonly openTelemetry?: OpenTelemetryLayer;

  /**
   * Whether CloudWatch Application Signals is enabled (`OTEL_AWS_APPLICATION_SIGNALS_ENABLED`, plus the
   * `CloudWatchLambdaApplicationSignalsExecutionRolePolicy` managed policy on the function's role).
   * Only the AWS distro layer (or a custom layer built like it) reports to Application Signals.
   *
   * @default - true with the AWS distro or a custom layer, as the distro itself defaults it; false otherwise
   */
  readonly applicationSignals?: boolean;

  /**
   * The share, 0 to 1, of traces the function starts itself (no sampled caller) that OpenTelemetry records:
   * `OTEL_TRACES_SAMPLER=parentbased_traceidratio` with this ratio, so a caller's decision is always kept.
   * The X-Ray remote sampler (`OTEL_TRACES_SAMPLER=xray`) is never configured: Lambda does not support it.
   * Needs an OpenTelemetry layer.
   *
   * @default - the layer's own sampler (parent-based, always on)
   */
  readonly samplingRatio?: number;

  /**
   * Where the function's spans go: X-Ray, or OTLP to another backend (endpoint, protocol, headers from a
   * Secrets Manager secret). Lambda's own X-Ray segments go to X-Ray either way. Needs the AWS distro or a
   * custom layer built like it.
   *
   * @default TraceExporter.xray()
   */
  readonly exporter?: TraceExporter;
}

/**
 * Options of `FunctionTracing.instrument`.
 */
export interface FunctionTracingOptions extends FunctionInstrumentationOptions {
  /**
   * The X-Ray tracing mode. `Tracing.DISABLED` is refused.
   *
   * @default - the function's own mode if it has one, else `Tracing.ACTIVE`
   */
  readonly tracing?: lambda.Tracing;
}
