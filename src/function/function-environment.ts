import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * A function's environment variables as they are now. Values that are tokens are left out: they cannot
 * be compared before deployment.
 */
export function functionEnvironment(fn: lambda.Function): Record<string, string> {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  // The L2 renders its environment lazily and uncached, so resolving it reads it as it is now.
  const resolved = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(resolved?.variables ?? {})) {
    if (typeof value === 'string') environment[key] = value;
  }
  return environment;
}
