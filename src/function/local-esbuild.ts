import { spawnSync } from 'child_process';

/**
 * Whether esbuild can bundle on this machine, found the way aws-cdk-lib's `NodejsFunction` looks for it
 * (the `esbuild` package resolvable from here, else an `esbuild` on the PATH). Without it, aws-cdk-lib
 * falls back to bundling in Docker, which this library never wants: that fallback fails on machines without
 * a Docker daemon with a message that does not say esbuild is what is missing.
 */
export function localEsbuildAvailable(): boolean {
  // Asked once per TracedNodejsFunction: the answer (a process spawn, when the package is not resolvable) is kept.
  available ??= detect();
  return available;
}

let available: boolean | undefined;

function detect(): boolean {
  try {
    require.resolve('esbuild/package.json');
    return true;
  } catch {
    const probe = spawnSync('esbuild', ['--version'], { stdio: 'ignore' });
    return probe.status === 0 && !probe.error;
  }
}
