import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { producerVariable } from './function-environment';
import { grantIntoDefaultPolicy } from '../nag/nag-acknowledgement';
import { TracedConnectionRole, TracingRegistry } from '../registry/tracing-registry';

/**
 * Makes `fn` a producer of `owner`'s resource once: picks and checks the environment variable, runs
 * `grant`, sets the variable to `address`, and records the edge in the registry. Calling it again for the
 * same function with the same variable changes nothing; with another variable it is an error.
 *
 * @returns the name of the environment variable
 */
export function bindProducer(
  owner: IConstruct,
  producers: Map<lambda.Function, string>,
  fn: lambda.Function,
  binding: { readonly suffix: string; readonly environmentVariable?: string; readonly address: string; readonly grant: () => void },
): string {
  const previous = producers.get(fn);
  if (previous !== undefined) {
    const wanted = binding.environmentVariable ?? previous;
    if (previous !== wanted) {
      throw new Error(`addProducer: '${fn.node.path}' already produces to '${owner.node.path}' through ${previous}, not ${wanted}`);
    }
    return previous;
  }
  const variable = producerVariable(owner, fn, binding.suffix, binding.environmentVariable);
  grantIntoDefaultPolicy(fn, `producing to ${owner.node.path}`, binding.grant);
  fn.addEnvironment(variable, binding.address);
  producers.set(fn, variable);
  TracingRegistry.of(owner)._registerConnection({ resource: owner, function: fn, role: TracedConnectionRole.PRODUCER });
  return variable;
}
