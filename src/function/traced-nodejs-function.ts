import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { completeTracedConstruction } from './instrumentation-apply';
import { FunctionInstrumentationOptions } from './instrumentation-options';
import { planTracedConstruction } from './instrumentation-plan';
import { localEsbuildAvailable } from './local-esbuild';
import { TracedFunctionRecord } from '../registry/tracing-registry';

/**
 * Props of `TracedNodejsFunction`: every `NodejsFunctionProps` plus the tracing options.
 */
export interface TracedNodejsFunctionProps extends nodejs.NodejsFunctionProps, FunctionInstrumentationOptions {}

/**
 * A `NodejsFunction` bundled by the local esbuild for small bundles and fast cold starts, traced like
 * `TracedFunction`.
 *
 * `entry` is required: `NodejsFunction` would look for `<defining file>.<id>.ts` beside the file that
 * calls it, which for a subclass is this library's own folder.
 *
 * Defaults that differ from `NodejsFunctionProps`: `runtime` is the newest Node.js runtime the AWS
 * OpenTelemetry distro layer supports (`nodejs24.x`, also what cdk-nag's latest-runtime rules expect),
 * `tracing` is `Tracing.ACTIVE`, `loggingFormat` is
 * `LoggingFormat.JSON`, and `bundling` (merged over these, each overridable) keeps `@aws-sdk/*` external
 * (the runtime provides it), resolves ESM entry points first (`mainFields: ['module', 'main']`, so esbuild
 * tree-shakes packages such as `@opentelemetry/core`), minifies, and writes source maps that Node reads
 * (`NODE_OPTIONS=--enable-source-maps`). `@opentelemetry/api` is bundled, not external: the AWS distro
 * layer compiles its own copy into its wrapper and puts none on the module path.
 */
export class TracedNodejsFunction extends nodejs.NodejsFunction {
  /** What the tracing registry records about this function. */
  public readonly tracingRecord: TracedFunctionRecord;

  constructor(scope: Construct, id: string, props: TracedNodejsFunctionProps) {
    if (props?.entry === undefined) {
      throw new Error(`entry: '${scope.node.path}/${id}' needs the path of its handler file (entry: path.join(__dirname, 'handlers', '${id.toLowerCase()}.ts'))`);
    }
    // Local bundling or none: aws-cdk-lib's Docker fallback is never what a user of this library wants.
    if (!props.bundling?.forceDockerBundling && Stack.of(scope).bundlingRequired && !localEsbuildAvailable()) {
      throw new Error(`bundling: esbuild is not installed, so '${scope.node.path}/${id}' cannot be bundled on this machine; install it in the app (npm install --save-dev esbuild@0)`);
    }
    const runtime = props.runtime ?? lambda.Runtime.NODEJS_24_X;
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
