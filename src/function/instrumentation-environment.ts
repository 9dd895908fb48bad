import { Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ENV, InstrumentationSubject, pathOf, SECRET_VARIABLES } from './instrumentation-subject';
import { credentialsInEndpoint, TraceExporter } from './trace-exporter';
import { OpenTelemetryMode } from '../registry/tracing-registry';

/*
 * The environment a plan writes, decided from what the function already has: every contradiction between
 * the options and existing variables is refused here, before anything is changed.
 */

const SERVICE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A deploy-time value in one of these variables could silently contradict what is planned here. */
export function checkNoTokens(subject: InstrumentationSubject): void {
  // Credentials are deploy-time values by design (dynamic references); they are checked where they are set.
  const ours: string[] = Object.values(ENV).filter((key) => !SECRET_VARIABLES.includes(key));
  const tokens = subject.environment.unresolved.filter((key) => ours.includes(key));
  if (tokens.length > 0) {
    const verb = tokens.length > 1 ? 'are' : 'is';
    throw new Error(`environment: ${tokens.join(', ')} on '${pathOf(subject)}' ${verb} only known at deploy time; set serviceName, openTelemetry and applicationSignals instead, so they can be checked`);
  }
}

export function resolveServiceName(subject: InstrumentationSubject, given: string | undefined): string {
  const env = subject.environment.values;
  const otel = env[ENV.SERVICE_NAME];
  const powertools = env[ENV.POWERTOOLS_SERVICE_NAME];
  if (otel !== undefined && powertools !== undefined && otel !== powertools) {
    throw new Error(`environment: ${ENV.SERVICE_NAME} ('${otel}') and ${ENV.POWERTOOLS_SERVICE_NAME} ('${powertools}') disagree on '${pathOf(subject)}'; set serviceName instead`);
  }
  const fromEnv = otel ?? powertools;
  if (given !== undefined && fromEnv !== undefined && given !== fromEnv) {
    throw new Error(`serviceName: '${given}' contradicts the service name '${fromEnv}' already in the environment of '${pathOf(subject)}'`);
  }
  const name = given ?? fromEnv ?? defaultServiceName(subject);
  if (!Token.isUnresolved(name) && !SERVICE_NAME_PATTERN.test(name)) {
    const source = given !== undefined ? 'serviceName' : `environment: ${otel !== undefined ? ENV.SERVICE_NAME : ENV.POWERTOOLS_SERVICE_NAME}`;
    throw new Error(`${source}: '${name}' is not allowed as a service name; use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return name;
}

function defaultServiceName(subject: InstrumentationSubject): string {
  const stack = Stack.of(subject.scope);
  const below = subject.scope.node.scopes.slice(stack.node.scopes.length).map((c) => c.node.id);
  const parts = Token.isUnresolved(stack.stackName) ? [...below, subject.id] : [stack.stackName, ...below, subject.id];
  const kebab = parts.join('-')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
  return kebab.slice(0, 128).replace(/-+$/, '');
}

export function resolveApplicationSignals(subject: InstrumentationSubject, given: boolean | undefined): boolean {
  const fromEnv = subject.environment.values[ENV.APPLICATION_SIGNALS];
  if (fromEnv !== undefined && fromEnv !== 'true' && fromEnv !== 'false') {
    throw new Error(`environment: ${ENV.APPLICATION_SIGNALS} is '${fromEnv}' on '${pathOf(subject)}'; allowed: 'true' or 'false'`);
  }
  if (given !== undefined && fromEnv !== undefined && String(given) !== fromEnv) {
    throw new Error(`applicationSignals: ${given} contradicts ${ENV.APPLICATION_SIGNALS}='${fromEnv}' in the environment of '${pathOf(subject)}'`);
  }
  return given ?? (fromEnv === undefined ? true : fromEnv === 'true');
}

export function propagatesAcrossAws(propagators: string): boolean {
  const names = propagators.split(',').map((p) => p.trim());
  return names.includes('tracecontext') && (names.includes('xray') || names.includes('xray-lambda'));
}

export function exporterEnvironment(
  subject: InstrumentationSubject,
  distroLike: boolean,
  mode: OpenTelemetryMode,
  exporter: TraceExporter | undefined,
): Record<string, string> {
  const environment = exporter?._environment() ?? {};
  if (Object.keys(environment).length === 0) return environment;
  if (!distroLike) {
    throw new Error(`exporter: an OTLP exporter needs the AWS distro layer (or a custom layer built like it), not ${mode}`);
  }
  // Upstream OpenTelemetry Python exports grpc and http/protobuf only.
  if (subject.runtime.family === lambda.RuntimeFamily.PYTHON && environment[ENV.OTLP_PROTOCOL] === 'http/json') {
    throw new Error(`exporter: protocol http/json is not supported by the Python OpenTelemetry SDK on '${pathOf(subject)}'; use HTTP_PROTOBUF or GRPC`);
  }
  if (environment[ENV.OTLP_HEADERS] !== undefined && subject.environment.unresolved.includes(ENV.OTLP_HEADERS)) {
    throw new Error(`exporter: ${ENV.OTLP_HEADERS} is already set on '${pathOf(subject)}' and contradicts the exporter's headersSecret; remove one`);
  }
  for (const key of [ENV.OTLP_ENDPOINT, ENV.OTLP_PROTOCOL, ENV.OTLP_HEADERS]) {
    const current = subject.environment.values[key];
    if (current !== undefined && current !== environment[key]) {
      throw new Error(`exporter: ${key}='${current}' is already set on '${pathOf(subject)}' and contradicts the exporter; remove it`);
    }
  }
  return environment;
}

export function samplerEnvironment(subject: InstrumentationSubject, mode: OpenTelemetryMode, ratio: number | undefined): Record<string, string> {
  const current = subject.environment.values[ENV.SAMPLER];
  if (current === 'xray') {
    throw new Error(`environment: ${ENV.SAMPLER}=xray on '${pathOf(subject)}' asks for the X-Ray remote sampler, which Lambda does not support; use samplingRatio, and X-Ray sampling rules upstream`);
  }
  if (ratio === undefined) return {};
  // A deploy-time ratio is passed through to the environment unchecked; messages must not show its placeholder.
  const shown = Token.isUnresolved(ratio) ? 'a deploy-time value' : String(ratio);
  if (mode === OpenTelemetryMode.NONE) {
    throw new Error(`samplingRatio: ${shown} needs an OpenTelemetry layer; with OpenTelemetryLayer.none() only Lambda's own X-Ray sampling applies`);
  }
  if (!Token.isUnresolved(ratio) && (!Number.isFinite(ratio) || ratio < 0 || ratio > 1)) {
    throw new Error(`samplingRatio: ${ratio} is not allowed; use a number from 0 to 1`);
  }
  if (current !== undefined) {
    throw new Error(`samplingRatio: ${shown} contradicts ${ENV.SAMPLER}='${current}' in the environment of '${pathOf(subject)}'; remove one`);
  }
  return { [ENV.SAMPLER]: 'parentbased_traceidratio', [ENV.SAMPLER_ARG]: Tokenization.stringifyNumber(ratio) };
}

/** A value written as it is into the template: not a deploy-time value, not a `{{resolve:...}}` dynamic reference. */
export function isLiteralSecret(value: unknown): boolean {
  return typeof value === 'string' && !value.includes('{{resolve:');
}

/**
 * OTLP headers carry API keys: a literal value would sit in clear in the template, tree.json and the function's
 * configuration. A deploy-time value (a Secrets Manager dynamic reference, as `headersSecret` writes) is fine.
 */
export function checkNoLiteralHeaders(values: Record<string, string>, path: string): void {
  for (const key of [ENV.OTLP_ENDPOINT, 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    const where = values[key] === undefined ? undefined : credentialsInEndpoint(values[key]);
    if (where !== undefined) {
      throw new Error(`environment: ${key} on '${path}' carries ${where}, which would be written in clear into the template; pass the credentials as TraceExporter.otlp({ headersSecret })`);
    }
  }
  for (const key of SECRET_VARIABLES) {
    if (isLiteralSecret(values[key])) {
      throw new Error(`environment: ${key} on '${path}' is a literal value, which would be written in clear into the template; pass the headers through TraceExporter.otlp({ headersSecret }), or a dynamic reference (SecretValue.secretsManager(...).unsafeUnwrap())`);
    }
  }
}
