import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { applyInstrumentation, FunctionInstrumentationOptions, planInstrumentation, subjectFromProps } from './function-tracing';
import { TracedFunctionRecord } from '../registry/tracing-registry';

/**
 * Props of `TracedNodejsFunction`: every `NodejsFunctionProps` plus the tracing options.
 */
export interface TracedNodejsFunctionProps extends nodejs.NodejsFunctionProps, FunctionInstrumentationOptions {}

/**
 * A `NodejsFunction` bundled by the local esbuild for small bundles and fast cold starts, traced like
 * `TracedFunction`.
 *
 * Bundling defaults (each overridable through `bundling`): `@aws-sdk/*` external (the runtime provides
 * it), ESM entry points first (`mainFields: ['module', 'main']`, so esbuild tree-shakes packages such as
 * `@opentelemetry/core`), minified, with source maps read by Node (`NODE_OPTIONS=--enable-source-maps`). `@opentelemetry/api` is bundled, not external: the
 * AWS distro layer compiles its own copy into its wrapper and puts none on the module path.
 */
export class TracedNodejsFunction extends nodejs.NodejsFunction {
  /** What the tracing registry records about this function. */
  public readonly tracingRecord: TracedFunctionRecord;

  constructor(scope: Construct, id: string, props: TracedNodejsFunctionProps = {}) {
    const tracing = props.tracing ?? lambda.Tracing.ACTIVE;
    const plan = planInstrumentation(
      subjectFromProps(scope, id, { ...props, runtime: props.runtime ?? lambda.Runtime.NODEJS_LATEST }),
      props,
      tracing,
    );
    const bundling: nodejs.BundlingOptions = {
      externalModules: ['@aws-sdk/*'],
      mainFields: ['module', 'main'],
      minify: true,
      sourceMap: true,
      forceDockerBundling: false,
      ...props.bundling,
    };
    // Source maps only help if Node reads them; aws-cdk-lib leaves that flag to the user.
    const nodeOptions = props.environment?.NODE_OPTIONS;
    const environment = bundling.sourceMap && !nodeOptions?.includes('--enable-source-maps')
      ? { ...props.environment, NODE_OPTIONS: nodeOptions ? `${nodeOptions} --enable-source-maps` : '--enable-source-maps' }
      : props.environment;
    super(scope, id, {
      ...props,
      environment,
      tracing: undefined,
      adotInstrumentation: plan.adotInstrumentation,
      loggingFormat: props.logFormat === undefined ? (props.loggingFormat ?? lambda.LoggingFormat.JSON) : undefined,
      bundling,
    });
    this.tracingRecord = applyInstrumentation(this, plan, {
      tracingConfigured: false,
      layerAttached: plan.adotInstrumentation !== undefined,
    });
  }
}
