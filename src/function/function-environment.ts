import { Stack, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';

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

const VARIABLE_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * The environment variable a producer reads a resource's address from: `given`, or the owner's construct
 * id in upper snake case plus `suffix` (`ORDERS_QUEUE_URL`). Throws, naming `environmentVariable`, when the
 * name is not allowed or `fn` already has that variable.
 */
export function producerVariable(owner: IConstruct, fn: lambda.Function, suffix: string, given?: string): string {
  const variable = given ?? `${upperSnake(owner.node.id)}_${suffix}`;
  if (!VARIABLE_PATTERN.test(variable) || variable.startsWith('AWS_')) {
    const derived = given !== undefined ? '' : ` (derived from the construct id '${owner.node.id}'; pass environmentVariable)`;
    throw new Error(`environmentVariable: '${variable}'${derived} is not allowed; use letters, digits and '_', starting with a letter and not with 'AWS_' (reserved by Lambda)`);
  }
  const environment = functionEnvironment(fn);
  if (environment.values[variable] !== undefined || environment.unresolved.includes(variable)) {
    const current = environment.values[variable] !== undefined ? `'${environment.values[variable]}'` : 'a deploy-time value (another resource?)';
    throw new Error(`environmentVariable: ${variable} is already set on '${fn.node.path}' to ${current}; pick another name`);
  }
  return variable;
}

function upperSnake(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}
