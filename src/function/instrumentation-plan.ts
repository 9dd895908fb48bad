import { Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { declaredTracingDisabled } from './declared-tracing';
import { checkDistroLayerAvailable, DistroLanguage, DISTRO_LAYER_NAMES } from './distro-layer-arn';
import { environmentOfProps } from './function-environment';
import {
  checkNoLiteralHeaders, checkNoTokens, exporterEnvironment, propagatesAcrossAws, resolveApplicationSignals, resolveServiceName, samplerEnvironment,
} from './instrumentation-environment';
import { FunctionInstrumentationOptions, FunctionTracingOptions } from './instrumentation-options';
import { ENV, InstrumentationSubject, pathOf, subjectOf } from './instrumentation-subject';
import { DISTRO_EXEC_WRAPPER, OpenTelemetryLayer } from './open-telemetry-layer';
import { OpenTelemetryMode } from '../registry/tracing-registry';

/*
 * Planning: pure decisions and validation. Nothing here changes a construct, so a refused function is
 * never left half-instrumented, and the ServerlessTracing aspect can plan (or only audit) without applying.
 */

/** W3C first so OpenTelemetry-native consumers read it; `xray` keeps AWS services (SQS, EventBridge) linked. */
const PROPAGATORS = 'baggage,tracecontext,xray';
const MAX_LAYERS = 5;
const SUPPORTED_DISTRO_RUNTIMES: Record<DistroLanguage, string[]> = {
  NODEJS: ['nodejs18.x', 'nodejs20.x', 'nodejs22.x', 'nodejs24.x'],
  PYTHON: ['python3.10', 'python3.11', 'python3.12', 'python3.13', 'python3.14'],
};
const LAYER_ARN_PATTERN = /^arn:aws[a-z-]*:lambda:([a-z0-9-]+):\d{12}:layer:[A-Za-z0-9_-]+:\d+$/;

/**
 * The validated result of planning: applying it cannot fail half-way.
 */
export interface InstrumentationPlan {
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

/** A plan for a function that already exists, with what applying it must know about the function's state. */
export interface ExistingFunctionPlan {
  readonly plan: InstrumentationPlan;
  /** The function already had a tracing mode: its role is assumed to have X-Ray write access. */
  readonly tracingConfigured: boolean;
  /** The function already carries the layer the plan uses (aws-cdk-lib's adotInstrumentation). */
  readonly layerAttached: boolean;
}

/** Plans the instrumentation of an existing function: every refusal happens here, before any change. */
export function planExistingFunction(fn: lambda.Function, options: FunctionTracingOptions): ExistingFunctionPlan {
  if (options.tracing === lambda.Tracing.DISABLED) {
    throw new Error(`tracing: Tracing.DISABLED contradicts instrumenting '${fn.node.path}' for tracing; use Tracing.PASS_THROUGH to only propagate trace context`);
  }
  if (declaredTracingDisabled(fn)) {
    throw new Error(`tracing: '${fn.node.path}' was created with Tracing.DISABLED, which tracing would override; create it with Tracing.ACTIVE, Tracing.PASS_THROUGH or no tracing prop to have it traced, or leave it out (ServerlessTracing: excludePaths)`);
  }
  const { subject, tracing: existingTracing } = subjectOf(fn);
  const plan = planInstrumentation(subject, options, options.tracing ?? existingTracing ?? lambda.Tracing.ACTIVE);
  if (plan.mode === OpenTelemetryMode.LEGACY_ADOT) {
    if (!subject.hasAdotLayer) {
      throw new Error(`openTelemetry: OpenTelemetryLayer.legacyAdot() needs aws-cdk-lib's adotInstrumentation, which can only be set when a function is created; set adotInstrumentation in the props of '${fn.node.path}', or create it as a TracedFunction`);
    }
    const wanted = options.openTelemetry?.adotInstrumentation?.execWrapper;
    const current = subject.environment.values[ENV.EXEC_WRAPPER];
    if (wanted !== undefined && wanted !== current) {
      throw new Error(`openTelemetry: legacyAdot() asks for exec wrapper '${wanted}', but '${fn.node.path}' was created with adotInstrumentation using '${current}'`);
    }
  }
  return { plan, tracingConfigured: existingTracing !== undefined, layerAttached: subject.hasAdotLayer };
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
