import { CfnResource, Reference, Stack, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Whether a resolved value is known at synthesis: no `Ref`, `Fn::*` or `Condition` anywhere in it. Rules
 * conclude only from such values; anything else is decided at deploy time.
 */
export function isLiteral(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every(isLiteral);
  return Object.entries(value).every(([key, v]) => key !== 'Ref' && key !== 'Condition' && !key.startsWith('Fn::') && isLiteral(v));
}

/** `key` of an L1 property value (a struct, or a token that resolves to one), still unresolved where it can be. */
export function member(stack: Stack, value: unknown, key: string): unknown {
  const struct = Tokenization.isResolvable(value) ? stack.resolve(value) : value;
  return struct !== null && typeof struct === 'object' && !Array.isArray(struct) ? (struct as Record<string, unknown>)[key] : undefined;
}

/**
 * The resource a property value points at with `Ref` or `Fn::GetAtt`. A reference token names its target
 * exactly, in whichever stack it is; a value that only resolves to `Ref`/`Fn::GetAtt` (e.g. behind a `Lazy`)
 * is looked up by logical id in `stack` alone, since a cross-stack reference resolves, before synthesis,
 * to the producing stack's logical id, which another stack may also use.
 */
export function referencedResource(stack: Stack, value: unknown): CfnResource | undefined {
  const token = typeof value === 'string' || Tokenization.isResolvable(value) ? Tokenization.reverse(value, { failConcat: false }) : undefined;
  if (token instanceof Reference) return token.target instanceof CfnResource ? token.target : undefined;
  const resolved = stack.resolve(value) as { 'Ref'?: unknown; 'Fn::GetAtt'?: unknown } | undefined;
  const logicalId = resolved?.Ref ?? (Array.isArray(resolved?.['Fn::GetAtt']) ? resolved['Fn::GetAtt'][0] : undefined);
  if (typeof logicalId !== 'string') return undefined;
  return resourcesOf(stack).find((r) => stack.resolve(r.logicalId) === logicalId);
}

/** The CloudFormation resources of `stack` itself (not of its nested stacks). */
export function resourcesOf(stack: Stack): CfnResource[] {
  return stack.node.findAll().filter((c: IConstruct): c is CfnResource => c instanceof CfnResource && Stack.of(c) === stack);
}

/** A placeholder for the parts of a joined string only known at deploy time. */
const UNKNOWN_PART = '\u0000';

/**
 * A resolved string value with its deploy-time parts replaced by a placeholder: a literal, or the parts of
 * an `Fn::Join` on '' (how aws-cdk-lib writes ARNs with `AWS::Region` in them). Undefined for anything else.
 */
export function joinedString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: unknown } | null | undefined)?.['Fn::Join'];
  if (!Array.isArray(join) || join[0] !== '' || !Array.isArray(join[1])) return undefined;
  return join[1].map((part: unknown) => (typeof part === 'string' ? part : UNKNOWN_PART)).join('');
}

/** Whether a string from `joinedString` has a part only known at deploy time. */
export function hasUnknownPart(value: string): boolean {
  return value.includes(UNKNOWN_PART);
}
