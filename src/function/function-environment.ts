import { Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * A function's environment as synthesis would see it now: the literal values, and the names of the
 * variables whose values are only known at deploy time (those cannot be compared, only refused).
 */
export interface EnvironmentSnapshot {
  readonly values: Record<string, string>;
  readonly unresolved: string[];
}

/** Splits an environment map given in props into literal values and token-valued names. */
export function environmentOfProps(environment: Record<string, string> | undefined): EnvironmentSnapshot {
  const values: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const [key, value] of Object.entries(environment ?? {})) {
    if (Token.isUnresolved(value)) unresolved.push(key);
    else values[key] = value;
  }
  return { values, unresolved };
}

/** A function's environment variables resolved as CloudFormation values (literals, or intrinsics). */
export function resolvedVariables(fn: lambda.Function): Record<string, unknown> {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  // The L2 renders its environment lazily and uncached, so resolving it reads it as it is now.
  const resolved = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  return resolved?.variables ?? {};
}

/** The environment of an existing function. */
export function functionEnvironment(fn: lambda.Function): EnvironmentSnapshot {
  const values: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const [key, value] of Object.entries(resolvedVariables(fn))) {
    if (typeof value === 'string') values[key] = value;
    else unresolved.push(key);
  }
  return { values, unresolved };
}
