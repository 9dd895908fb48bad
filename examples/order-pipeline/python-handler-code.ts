import * as fs from 'fs';
import * as path from 'path';
import { AssetHashType, ILocalBundling } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The Python runtime module's source, vendored into Python handlers' assets. */
const PYTHON_RUNTIME_PACKAGE = path.join(__dirname, '..', '..', 'runtime', 'python', 'src', 'cdk_serverless_tracing_runtime');

/**
 * The asset of a one-file Python handler with `cdk_serverless_tracing_runtime` beside it, assembled on
 * this machine: the package is pure Python with no dependencies, so copying it is the whole build, and
 * no Docker image is ever pulled (the bundler never declines, so CDK never falls back to Docker).
 */
export function pythonHandlerCode(handlerFile: string): lambda.Code {
  if (!fs.existsSync(handlerFile)) throw new Error(`pythonHandlerCode: handler file '${handlerFile}' does not exist`);
  const local: ILocalBundling = {
    tryBundle(outputDir: string): boolean {
      fs.copyFileSync(handlerFile, path.join(outputDir, path.basename(handlerFile)));
      fs.cpSync(PYTHON_RUNTIME_PACKAGE, path.join(outputDir, path.basename(PYTHON_RUNTIME_PACKAGE)), {
        recursive: true,
        filter: (source) => !source.includes('__pycache__'),
      });
      return true;
    },
  };
  return lambda.Code.fromAsset(path.dirname(handlerFile), {
    assetHashType: AssetHashType.OUTPUT,
    // Required by the type; local bundling always succeeds, so the image is never used.
    bundling: { image: lambda.Runtime.PYTHON_3_13.bundlingImage, local },
  });
}
