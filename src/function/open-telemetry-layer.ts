import * as lambda from 'aws-cdk-lib/aws-lambda';
import { OpenTelemetryMode } from '../registry/tracing-registry';

/** The exec wrapper of the AWSOpenTelemetryDistro* layers (and of any layer built like them). */
export const DISTRO_EXEC_WRAPPER = '/opt/otel-instrument';

/**
 * Which OpenTelemetry layer a traced function gets, if any.
 */
export class OpenTelemetryLayer {
  /**
   * The AWS Distro for OpenTelemetry layer (`AWSOpenTelemetryDistroJs` for Node.js,
   * `AWSOpenTelemetryDistroPython` for Python), picked for the stack's region from the table shipped
   * with this library, or at deploy time through a `CfnMapping` when the region is a token. The handler
   * runs through `/opt/otel-instrument`. This is what AWS recommends.
   */
  public static awsDistro(): OpenTelemetryLayer {
    return new OpenTelemetryLayer(OpenTelemetryMode.AWS_DISTRO);
  }

  /**
   * aws-cdk-lib's own `adotInstrumentation` (the legacy ADOT layers with an embedded collector, which
   * AWS no longer recommends). Only available when the function is created by this library
   * (`TracedFunction`, `TracedNodejsFunction`), or on a function created with `adotInstrumentation`.
   *
   * @param config the layer version and exec wrapper; defaults to the latest JavaScript SDK layer with
   * `/opt/otel-handler` for Node.js, the latest Python SDK layer with `/opt/otel-instrument` for Python,
   * and the latest Java auto-instrumentation layer with `/opt/otel-handler` for Java.
   */
  public static legacyAdot(config?: lambda.AdotInstrumentationConfig): OpenTelemetryLayer {
    return new OpenTelemetryLayer(OpenTelemetryMode.LEGACY_ADOT, undefined, config?.execWrapper, config);
  }

  /**
   * A layer version given by ARN: a pinned or self-published build of the distro, for example.
   *
   * @param layerVersionArn the full layer version ARN
   * @param execWrapper the wrapper script the layer provides
   */
  public static fromLayerArn(layerVersionArn: string, execWrapper: string = DISTRO_EXEC_WRAPPER): OpenTelemetryLayer {
    return new OpenTelemetryLayer(OpenTelemetryMode.CUSTOM_LAYER, layerVersionArn, execWrapper);
  }

  /**
   * No OpenTelemetry layer: X-Ray active tracing of the function only.
   */
  public static none(): OpenTelemetryLayer {
    return new OpenTelemetryLayer(OpenTelemetryMode.NONE);
  }

  /**
   * @param mode how the layer is chosen
   * @param layerVersionArn the layer version ARN, for `CUSTOM_LAYER`
   * @param execWrapper the exec wrapper, for `CUSTOM_LAYER` and `LEGACY_ADOT`
   * @param adotInstrumentation aws-cdk-lib's configuration, for `LEGACY_ADOT`
   */
  private constructor(
    /** How the layer is chosen. */
    public readonly mode: OpenTelemetryMode,
    /** The layer version ARN, for `CUSTOM_LAYER`. */
    public readonly layerVersionArn?: string,
    /** The exec wrapper, for `CUSTOM_LAYER` and `LEGACY_ADOT`. */
    public readonly execWrapper?: string,
    /** aws-cdk-lib's configuration, for `LEGACY_ADOT`. */
    public readonly adotInstrumentation?: lambda.AdotInstrumentationConfig,
  ) {}
}
