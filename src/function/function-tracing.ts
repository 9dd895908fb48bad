import { Annotations, CfnResource, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct, IConstruct } from 'constructs';
import { checkDistroLayerAvailable, distroLayerArn, DistroLanguage, DISTRO_LAYER_NAMES } from './distro-layer-arn';
import { EnvironmentSnapshot, environmentOfProps, functionEnvironment, resolvedVariables } from './function-environment';
import { DISTRO_EXEC_WRAPPER, OpenTelemetryLayer } from './open-telemetry-layer';
import { credentialsInEndpoint, TraceExporter } from './trace-exporter';
import { acknowledgeNagFindings } from '../nag/nag-acknowledgement';
import { OpenTelemetryMode, TracedFunctionRecord, TracingRegistry } from '../registry/tracing-registry';
import { includeInDefaultFaultsGroups } from '../sampling/default-faults-group';

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

const ENV = {
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

/** W3C first so OpenTelemetry-native consumers read it; `xray` keeps AWS services (SQS, EventBridge) linked. */
const PROPAGATORS = 'baggage,tracecontext,xray';
const APPLICATION_SIGNALS_POLICY = 'CloudWatchLambdaApplicationSignalsExecutionRolePolicy';
const XRAY_POLICY_ID = 'TracingXRayWritePolicy';
const MAX_LAYERS = 5;
const SUPPORTED_DISTRO_RUNTIMES: Record<DistroLanguage, string[]> = {
  NODEJS: ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x'],
  PYTHON: ['python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14'],
};
const SERVICE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const LAYER_ARN_PATTERN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:layer:[A-Za-z0-9_-]+:\d+$/;

/**
 * What instrumentation needs to know about a function, available before it exists (for the
 * `Traced*` constructors) or read from an existing one.
 */
interface InstrumentationSubject {
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

/**
 * The validated result of planning: applying it cannot fail half-way.
 */
interface InstrumentationPlan {
  readonly serviceName: string;
  readonly tracing: lambda.Tracing;
  readonly mode: OpenTelemetryMode;
  readonly language?: DistroLanguage;
  readonly layerArn?: string;
  readonly execWrapper?: string;
  readonly applicationSignals: boolean;
  readonly adotInstrumentation?: lambda.AdotInstrumentationConfig;
  readonly samplingRatio?: number;
  readonly otlpEndpoint?: string;
  readonly environment: Record<string, string>;
}

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
   */
  public static instrument(fn: lambda.Function, options: FunctionTracingOptions = {}): TracedFunctionRecord {
    const existing = TracingRegistry.of(fn).findFunction(fn);
    if (existing) {
      checkSameInstrumentation(fn, existing, options);
      return existing;
    }
    if (options.tracing === lambda.Tracing.DISABLED) {
      throw new Error(`tracing: Tracing.DISABLED contradicts instrumenting '${fn.node.path}' for tracing; use Tracing.PASS_THROUGH to only propagate trace context`);
    }
    const cfn = fn.node.defaultChild as lambda.CfnFunction;
    const existingTracing = tracingOf(fn, cfn);
    const hasAdotLayer = fn.node.tryFindChild('AdotLayer') !== undefined;
    const environment = functionEnvironment(fn);
    const plan = planInstrumentation({
      scope: fn.node.scope!,
      id: fn.node.id,
      runtime: fn.runtime,
      isContainerImage: fn.runtime === lambda.Runtime.FROM_IMAGE || cfn.packageType === 'Image',
      environment,
      layerCount: layerCountOf(fn, cfn),
      hasAdotLayer,
    }, options, options.tracing ?? existingTracing ?? lambda.Tracing.ACTIVE);
    if (plan.mode === OpenTelemetryMode.LEGACY_ADOT) {
      if (!hasAdotLayer) {
        throw new Error(`openTelemetry: OpenTelemetryLayer.legacyAdot() needs aws-cdk-lib's adotInstrumentation, which can only be set when a function is created; set adotInstrumentation in the props of '${fn.node.path}', or create it as a TracedFunction`);
      }
      const wanted = options.openTelemetry?.adotInstrumentation?.execWrapper;
      if (wanted !== undefined && wanted !== environment.values[ENV.EXEC_WRAPPER]) {
        throw new Error(`openTelemetry: legacyAdot() asks for exec wrapper '${wanted}', but '${fn.node.path}' was created with adotInstrumentation using '${environment.values[ENV.EXEC_WRAPPER]}'`);
      }
    }
    return applyInstrumentation(fn, plan, { tracingConfigured: existingTracing !== undefined, layerAttached: hasAdotLayer });
  }

  private constructor() {}
}

/**
 * Props a `Traced*` constructor gives its base class, and the plan it applies after `super()`.
 *
 * @internal
 */
export interface TracedConstruction {
  readonly plan: InstrumentationPlan;
  readonly tracing: undefined;
  readonly adotInstrumentation?: lambda.AdotInstrumentationConfig;
  readonly loggingFormat?: lambda.LoggingFormat;
}

/**
 * Plans a function the library is about to create, before it exists, so a refused function never does.
 *
 * @internal
 */
export function planTracedConstruction(scope: Construct, id: string, props: lambda.FunctionOptions & FunctionInstrumentationOptions & {
  readonly runtime: lambda.Runtime;
}): TracedConstruction {
  if (props.tracing === lambda.Tracing.DISABLED) {
    throw new Error(`tracing: Tracing.DISABLED contradicts a traced function ('${scope.node.path}/${id}'); use Tracing.PASS_THROUGH to only propagate trace context`);
  }
  if (props.adotInstrumentation !== undefined) {
    throw new Error(`adotInstrumentation: set openTelemetry: OpenTelemetryLayer.legacyAdot(config) instead on '${scope.node.path}/${id}', so the layer is validated with the rest of the tracing options`);
  }
  const plan = planInstrumentation({
    scope,
    id,
    runtime: props.runtime,
    isContainerImage: props.runtime === lambda.Runtime.FROM_IMAGE,
    environment: environmentOfProps(props.environment),
    layerCount: props.layers?.length ?? 0,
    hasAdotLayer: false,
  }, props, props.tracing ?? lambda.Tracing.ACTIVE);
  return {
    plan,
    // Tracing is applied by the shared instrumentation, which grants X-Ray in a policy of its own.
    tracing: undefined,
    adotInstrumentation: plan.adotInstrumentation,
    // JSON by default here too, so aws-cdk-lib accepts log levels given without a format.
    loggingFormat: props.logFormat === undefined ? (props.loggingFormat ?? lambda.LoggingFormat.JSON) : undefined,
  };
}

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

function planInstrumentation(subject: InstrumentationSubject, options: FunctionInstrumentationOptions, tracing: lambda.Tracing): InstrumentationPlan {
  const layer = options.openTelemetry ?? OpenTelemetryLayer.awsDistro();
  checkNoTokens(subject);
  const env = subject.environment.values;
  const serviceName = resolveServiceName(subject, options.serviceName);

  let language: DistroLanguage | undefined;
  let layerArn: string | undefined;
  let execWrapper: string | undefined;
  let adotInstrumentation: lambda.AdotInstrumentationConfig | undefined;

  if (layer.mode !== OpenTelemetryMode.NONE) {
    checkRuntimeTakesLayers(subject);
    if (subject.hasAdotLayer && layer.mode !== OpenTelemetryMode.LEGACY_ADOT) {
      throw new Error(`openTelemetry: '${pathOf(subject)}' already has aws-cdk-lib's adotInstrumentation layer; use OpenTelemetryLayer.legacyAdot() or remove adotInstrumentation from the function`);
    }
    if (!subject.hasAdotLayer && subject.layerCount >= MAX_LAYERS) {
      throw new Error(`openTelemetry: '${pathOf(subject)}' already has ${subject.layerCount} layers, the most Lambda allows; remove one, or use OpenTelemetryLayer.none()`);
    }
  }
  switch (layer.mode) {
    case OpenTelemetryMode.AWS_DISTRO:
      language = distroLanguage(subject.runtime);
      checkDistroLayerAvailable(subject.scope, language, 'openTelemetry');
      execWrapper = DISTRO_EXEC_WRAPPER;
      break;
    case OpenTelemetryMode.CUSTOM_LAYER:
      layerArn = checkCustomLayerArn(subject, layer.layerVersionArn!);
      execWrapper = layer.execWrapper;
      break;
    case OpenTelemetryMode.LEGACY_ADOT:
      if (subject.hasAdotLayer) {
        execWrapper = env[ENV.EXEC_WRAPPER];
      } else {
        adotInstrumentation = layer.adotInstrumentation ?? defaultAdotInstrumentation(subject.runtime);
        const pythonWrapper = lambda.AdotLambdaExecWrapper.INSTRUMENT_HANDLER;
        if (subject.runtime.family === lambda.RuntimeFamily.PYTHON && adotInstrumentation.execWrapper !== pythonWrapper) {
          throw new Error(`openTelemetry: the Python ADOT layer runs handlers only through '${pythonWrapper}', not '${adotInstrumentation.execWrapper}'`);
        }
        execWrapper = adotInstrumentation.execWrapper;
      }
      break;
    case OpenTelemetryMode.NONE:
      break;
  }

  if (execWrapper !== undefined && env[ENV.EXEC_WRAPPER] !== undefined && env[ENV.EXEC_WRAPPER] !== execWrapper) {
    throw new Error(
      `environment: ${ENV.EXEC_WRAPPER} is '${env[ENV.EXEC_WRAPPER]}' on '${pathOf(subject)}', but the OpenTelemetry layer ` +
      `(${layer.mode}) runs the handler through '${execWrapper}'. Remove the variable, or use OpenTelemetryLayer.none()`,
    );
  }

  const takesDistroEnv = layer.mode === OpenTelemetryMode.AWS_DISTRO || layer.mode === OpenTelemetryMode.CUSTOM_LAYER;
  if (!takesDistroEnv && options.applicationSignals === true) {
    throw new Error(`applicationSignals: true needs the AWS distro layer (or a custom layer built like it), not ${layer.mode}`);
  }
  const applicationSignals = takesDistroEnv && resolveApplicationSignals(subject, options.applicationSignals);

  const environment: Record<string, string> = {
    [ENV.SERVICE_NAME]: serviceName,
    [ENV.POWERTOOLS_SERVICE_NAME]: serviceName,
  };
  if (layer.mode !== OpenTelemetryMode.NONE) {
    const propagators = env[ENV.PROPAGATORS];
    if (propagators !== undefined && !propagatesAcrossAws(propagators)) {
      throw new Error(`environment: ${ENV.PROPAGATORS} is '${propagators}' on '${pathOf(subject)}'; it must include 'tracecontext' and 'xray' (or 'xray-lambda') for trace context to survive SQS, SNS and EventBridge`);
    }
    environment[ENV.PROPAGATORS] = propagators ?? PROPAGATORS;
    if (execWrapper !== undefined) environment[ENV.EXEC_WRAPPER] = execWrapper;
  }
  if (takesDistroEnv) {
    environment[ENV.APPLICATION_SIGNALS] = String(applicationSignals);
  }
  Object.assign(environment, samplerEnvironment(subject, layer.mode, options.samplingRatio));
  checkNoLiteralHeaders(subject.environment.values, pathOf(subject));
  Object.assign(environment, exporterEnvironment(subject, takesDistroEnv, layer.mode, options.exporter));

  return {
    serviceName,
    tracing,
    mode: layer.mode,
    language,
    layerArn,
    execWrapper,
    applicationSignals,
    adotInstrumentation,
    environment,
    samplingRatio: options.samplingRatio,
    otlpEndpoint: options.exporter?.otlpOptions?.endpoint,
  };
}

function applyInstrumentation(
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

function exporterEnvironment(
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

function samplerEnvironment(subject: InstrumentationSubject, mode: OpenTelemetryMode, ratio: number | undefined): Record<string, string> {
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

/** A deploy-time value in one of these variables could silently contradict what is planned here. */
function checkNoTokens(subject: InstrumentationSubject): void {
  // Credentials are deploy-time values by design (dynamic references); they are checked where they are set.
  const ours: string[] = Object.values(ENV).filter((key) => !SECRET_VARIABLES.includes(key));
  const tokens = subject.environment.unresolved.filter((key) => ours.includes(key));
  if (tokens.length > 0) {
    const verb = tokens.length > 1 ? 'are' : 'is';
    throw new Error(`environment: ${tokens.join(', ')} on '${pathOf(subject)}' ${verb} only known at deploy time; set serviceName, openTelemetry and applicationSignals instead, so they can be checked`);
  }
}

function resolveServiceName(subject: InstrumentationSubject, given: string | undefined): string {
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

function resolveApplicationSignals(subject: InstrumentationSubject, given: boolean | undefined): boolean {
  const fromEnv = subject.environment.values[ENV.APPLICATION_SIGNALS];
  if (fromEnv !== undefined && fromEnv !== 'true' && fromEnv !== 'false') {
    throw new Error(`environment: ${ENV.APPLICATION_SIGNALS} is '${fromEnv}' on '${pathOf(subject)}'; allowed: 'true' or 'false'`);
  }
  if (given !== undefined && fromEnv !== undefined && String(given) !== fromEnv) {
    throw new Error(`applicationSignals: ${given} contradicts ${ENV.APPLICATION_SIGNALS}='${fromEnv}' in the environment of '${pathOf(subject)}'`);
  }
  return given ?? (fromEnv === undefined ? true : fromEnv === 'true');
}

function checkRuntimeTakesLayers(subject: InstrumentationSubject): void {
  if (subject.isContainerImage) {
    throw new Error(`openTelemetry: '${pathOf(subject)}' is a container image function, which cannot have layers; build the OpenTelemetry distro into the image and use OpenTelemetryLayer.none()`);
  }
  const family = subject.runtime.family;
  if (family === lambda.RuntimeFamily.GO || family === lambda.RuntimeFamily.OTHER) {
    throw new Error(`openTelemetry: runtime '${subject.runtime.name}' of '${pathOf(subject)}' does not run AWS_LAMBDA_EXEC_WRAPPER scripts, so no OpenTelemetry layer can wrap it; instrument the binary with an OpenTelemetry SDK and use OpenTelemetryLayer.none()`);
  }
}

function checkCustomLayerArn(subject: InstrumentationSubject, arn: string): string {
  if (Token.isUnresolved(arn)) return arn;
  const match = LAYER_ARN_PATTERN.exec(arn);
  if (!match) {
    throw new Error(`openTelemetry: '${arn}' is not a Lambda layer version ARN (arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>)`);
  }
  const region = Stack.of(subject.scope).region;
  if (!Token.isUnresolved(region) && match[1] !== region) {
    throw new Error(`openTelemetry: layer '${arn}' is in ${match[1]}, but '${pathOf(subject)}' deploys to ${region}; Lambda only attaches layers from the function's own region`);
  }
  return arn;
}

function distroLanguage(runtime: lambda.Runtime): DistroLanguage {
  const language: DistroLanguage | undefined =
    runtime.family === lambda.RuntimeFamily.NODEJS ? 'NODEJS' :
      runtime.family === lambda.RuntimeFamily.PYTHON ? 'PYTHON' : undefined;
  if (language === undefined) {
    throw new Error(`openTelemetry: there is no AWS OpenTelemetry distro layer for runtime '${runtime.name}' (only Node.js and Python); use OpenTelemetryLayer.legacyAdot() for Java, fromLayerArn(...) or none()`);
  }
  // A variable runtime (NODEJS_LATEST, the latest per region) or one named by a token is judged by its family.
  if (!runtime.isVariable && !Token.isUnresolved(runtime.name) && !SUPPORTED_DISTRO_RUNTIMES[language].includes(runtime.name)) {
    throw new Error(`runtime: '${runtime.name}' is not supported by the ${DISTRO_LAYER_NAMES[language]} layer; supported: ${SUPPORTED_DISTRO_RUNTIMES[language].join(', ')}`);
  }
  return language;
}

function defaultAdotInstrumentation(runtime: lambda.Runtime): lambda.AdotInstrumentationConfig {
  switch (runtime.family) {
    case lambda.RuntimeFamily.NODEJS:
      return {
        layerVersion: lambda.AdotLayerVersion.fromJavaScriptSdkLayerVersion(lambda.AdotLambdaLayerJavaScriptSdkVersion.LATEST),
        execWrapper: lambda.AdotLambdaExecWrapper.REGULAR_HANDLER,
      };
    case lambda.RuntimeFamily.PYTHON:
      return {
        layerVersion: lambda.AdotLayerVersion.fromPythonSdkLayerVersion(lambda.AdotLambdaLayerPythonSdkVersion.LATEST),
        execWrapper: lambda.AdotLambdaExecWrapper.INSTRUMENT_HANDLER,
      };
    case lambda.RuntimeFamily.JAVA:
      return {
        layerVersion: lambda.AdotLayerVersion.fromJavaAutoInstrumentationLayerVersion(lambda.AdotLambdaLayerJavaAutoInstrumentationVersion.LATEST),
        execWrapper: lambda.AdotLambdaExecWrapper.REGULAR_HANDLER,
      };
    default:
      throw new Error(`openTelemetry: aws-cdk-lib has no ADOT layer for runtime '${runtime.name}'; use OpenTelemetryLayer.fromLayerArn(...) or none()`);
  }
}

function propagatesAcrossAws(propagators: string): boolean {
  const names = propagators.split(',').map((p) => p.trim());
  return names.includes('tracecontext') && (names.includes('xray') || names.includes('xray-lambda'));
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
  // One customer managed policy per stack, attached to every traced role: one resource instead of one inline
  // policy per function, and what HIPAA and NIST 800-53 ask for (no inline policies). The role references
  // it, so the function, which waits for its role, starts with the permission in place.
  const stack = Stack.of(role);
  let policy = stack.node.tryFindChild(XRAY_POLICY_ID) as iam.ManagedPolicy | undefined;
  if (!policy) {
    policy = new iam.ManagedPolicy(stack, XRAY_POLICY_ID, {
      description: 'Lets the traced functions of this stack send segments and telemetry to X-Ray (cdk-serverless-tracing)',
      statements: [new iam.PolicyStatement({
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
        resources: ['*'],
      })],
    });
    acknowledgeNagFindings(policy.node.defaultChild as CfnResource, [{
      id: 'AwsSolutions-IAM5',
      reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; X-Ray requires Resource "*". This policy holds only these two actions.',
      appliesTo: ['Resource::*'],
    }]);
  }
  role.addManagedPolicy(policy);
}

function grantApplicationSignals(fn: lambda.Function): void {
  const role = fn.role;
  if (!(role instanceof iam.Role)) {
    Annotations.of(fn).addWarningV2('cdk-serverless-tracing:imported-role-application-signals',
      `The function's role is not created in this app: attach the ${APPLICATION_SIGNALS_POLICY} managed policy yourself, or Application Signals receives nothing.`);
    return;
  }
  role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(APPLICATION_SIGNALS_POLICY));
  acknowledgeNagFindings(role.node.defaultChild as CfnResource, [{
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

function tracingOf(fn: IConstruct, cfn: lambda.CfnFunction): lambda.Tracing | undefined {
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

/** A later `addEnvironment` or L1 override must not silently undo the instrumentation. */
/** A value written as it is into the template: not a deploy-time value, not a `{{resolve:...}}` dynamic reference. */
function isLiteralSecret(value: unknown): boolean {
  return typeof value === 'string' && !value.includes('{{resolve:');
}

/** Environment variables that hold OTLP credentials. */
const SECRET_VARIABLES: string[] = [ENV.OTLP_ALL_HEADERS, ENV.OTLP_HEADERS];

/**
 * OTLP headers carry API keys: a literal value would sit in clear in the template, tree.json and the function's
 * configuration. A deploy-time value (a Secrets Manager dynamic reference, as `headersSecret` writes) is fine.
 */
function checkNoLiteralHeaders(values: Record<string, string>, path: string): void {
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

function pathOf(subject: InstrumentationSubject): string {
  return `${subject.scope.node.path}/${subject.id}`;
}
