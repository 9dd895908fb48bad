import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { EnvironmentSnapshot, functionEnvironment } from './function-environment';

/** The environment variables instrumentation reads and writes. */
export const ENV = {
  EXEC_WRAPPER: 'AWS_LAMBDA_EXEC_WRAPPER',
  SERVICE_NAME: 'OTEL_SERVICE_NAME',
  POWERTOOLS_SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
  PROPAGATORS: 'OTEL_PROPAGATORS',
  APPLICATION_SIGNALS: 'OTEL_AWS_APPLICATION_SIGNALS_ENABLED',
  SAMPLER: 'OTEL_TRACES_SAMPLER',
  SAMPLER_ARG: 'OTEL_TRACES_SAMPLER_ARG',
  OTLP_ENDPOINT: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  OTLP_PROTOCOL: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  OTLP_HEADERS: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
  OTLP_ALL_HEADERS: 'OTEL_EXPORTER_OTLP_HEADERS',
} as const;

/** Environment variables that hold OTLP credentials. */
export const SECRET_VARIABLES: string[] = [ENV.OTLP_ALL_HEADERS, ENV.OTLP_HEADERS];

/**
 * What instrumentation needs to know about a function, available before it exists (for the
 * `Traced*` constructors) or read from an existing one.
 */
export interface InstrumentationSubject {
  /** The scope the function is (or will be) created in, and its id: they name the default service. */
  readonly scope: IConstruct;
  readonly id: string;
  readonly runtime: lambda.Runtime;
  readonly isContainerImage: boolean;
  readonly environment: EnvironmentSnapshot;
  /** How many layers the function has (or will have) before instrumentation. */
  readonly layerCount: number;
  /** The function already carries aws-cdk-lib's `adotInstrumentation` layer. */
  readonly hasAdotLayer: boolean;
}

/** What instrumentation reads from a function that already exists, and the state it found. */
export interface ExistingFunctionSubject {
  readonly subject: InstrumentationSubject;
  /** The X-Ray mode the function already has, if any. */
  readonly tracing?: lambda.Tracing;
}

/** Reads an existing function without changing it. */
export function subjectOf(fn: lambda.Function): ExistingFunctionSubject {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  return {
    subject: {
      scope: fn.node.scope!,
      id: fn.node.id,
      runtime: fn.runtime,
      isContainerImage: fn.runtime === lambda.Runtime.FROM_IMAGE || cfn.packageType === 'Image',
      environment: functionEnvironment(fn),
      layerCount: layerCountOf(fn, cfn),
      hasAdotLayer: fn.node.tryFindChild('AdotLayer') !== undefined,
    },
    tracing: tracingOf(fn, cfn),
  };
}

export function tracingOf(fn: IConstruct, cfn: lambda.CfnFunction): lambda.Tracing | undefined {
  const config = Stack.of(fn).resolve(cfn.tracingConfig) as { mode?: string } | undefined;
  switch (config?.mode) {
    case 'Active': return lambda.Tracing.ACTIVE;
    case 'PassThrough': return lambda.Tracing.PASS_THROUGH;
    default: return undefined;
  }
}

function layerCountOf(fn: IConstruct, cfn: lambda.CfnFunction): number {
  const layers = Stack.of(fn).resolve(cfn.layers) as unknown[] | undefined;
  return Array.isArray(layers) ? layers.length : 0;
}

export function pathOf(subject: InstrumentationSubject): string {
  return `${subject.scope.node.path}/${subject.id}`;
}
