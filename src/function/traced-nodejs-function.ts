import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { completeTracedConstruction } from './instrumentation-apply';
import { FunctionInstrumentationOptions } from './instrumentation-options';
import { planTracedConstruction } from './instrumentation-plan';
import { TracedFunctionRecord } from '../registry/tracing-registry';

/**
 * Props of `TracedNodejsFunction`: every `NodejsFunctionProps` plus the tracing options.
 */
export interface TracedNodejsFunctionProps extends nodejs.NodejsFunctionProps, FunctionInstrumentationOptions {}

/**
 * A `NodejsFunction` bundled by the local esbuild for small bundles and fast cold starts, traced like
 * `TracedFunction`.
 *
 * Defaults that differ from `NodejsFunctionProps`: `runtime` is the latest Node.js runtime of the stack's
 * region (`determineLatestNodeRuntime`), `tracing` is `Tracing.ACTIVE`, `loggingFormat` is
 * `LoggingFormat.JSON`, and `bundling` (merged over these, each overridable) keeps `@aws-sdk/*` external
 * (the runtime provides it), resolves ESM entry points first (`mainFields: ['module', 'main']`, so esbuild
 * tree-shakes packages such as `@opentelemetry/core`), minifies, and writes source maps that Node reads
 * (`NODE_OPTIONS=--enable-source-maps`). `@opentelemetry/api` is bundled, not external: the AWS distro
 * layer compiles its own copy into its wrapper and puts none on the module path.
 */
export class TracedNodejsFunction extends nodejs.NodejsFunction {
  /** What the tracing registry records about this function. */
  public readonly tracingRecord: TracedFunctionRecord;

  constructor(scope: Construct, id: string, props: TracedNodejsFunctionProps = {}) {
    const runtime = props.runtime ?? lambda.determineLatestNodeRuntime(scope);
    const bundling: nodejs.BundlingOptions = {
      externalModules: ['@aws-sdk/*'],
      mainFields: ['module', 'main'],
      minify: true,
      sourceMap: true,
      ...props.bundling,
    };
    // Source maps only help if Node reads them; aws-cdk-lib leaves that flag to the user.
    const nodeOptions = props.environment?.NODE_OPTIONS;
    const environment = bundling.sourceMap && !nodeOptions?.includes('--enable-source-maps')
      ? { ...props.environment, NODE_OPTIONS: nodeOptions ? `${nodeOptions} --enable-source-maps` : '--enable-source-maps' }
      : props.environment;
    const construction = planTracedConstruction(scope, id, { ...props, runtime, environment });
    super(scope, id, { ...props, runtime, environment, bundling, ...construction });
    this.tracingRecord = completeTracedConstruction(this, construction);
  }
}
