import { InjectionContext, IPropertyInjector, PropertyInjectors } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';

/*
 * aws-cdk-lib writes nothing for `tracing: Tracing.DISABLED`, so a function created with it looks exactly like
 * one created without `tracing`. The prop survives in two places only: a property injector that saw it, and
 * the construct's analytics metadata when `@aws-cdk/core:enableAdditionalMetadataCollection` is on (`cdk init`
 * writes it into cdk.json), which keeps enum props.
 */

const ANALYTICS_METADATA = 'aws:cdk:analytics:construct';

/** The `tracing` prop of each function the recorder saw, by the scope it was created in and its id. */
const recorded = new WeakMap<IConstruct, Map<string, unknown>>();

class DeclaredTracingRecorder implements IPropertyInjector {
  public readonly constructUniqueId = lambda.Function.PROPERTY_INJECTION_ID;

  /**
   * `replaced` is the injector registered on the same scope before this one took its place. One above the
   * scope is looked up at each injection, not at registration: the application may add its own there later.
   * Either way the application's injector still runs, and runs first.
   */
  constructor(private readonly scope: IConstruct, private readonly replaced: IPropertyInjector | undefined) {}

  public inject(originalProps: any, context: InjectionContext): any {
    const next = this.replaced ?? inheritedInjector(this.scope.node.scope);
    const props = next ? next.inject(originalProps, context) : originalProps;
    let byId = recorded.get(context.scope);
    if (!byId) {
      byId = new Map();
      recorded.set(context.scope, byId);
    }
    byId.set(context.id, props?.tracing);
    return props;
  }
}

/**
 * Records the `tracing` prop of every `lambda.Function` (any subclass included) created in `scope` from now on.
 * Idempotent per scope.
 */
export function recordDeclaredTracing(scope: IConstruct): void {
  const injectors = PropertyInjectors.of(scope);
  const current = injectors.for(lambda.Function.PROPERTY_INJECTION_ID);
  if (current instanceof DeclaredTracingRecorder) return;
  injectors.add(new DeclaredTracingRecorder(scope, current));
}

function inheritedInjector(scope: IConstruct | undefined): IPropertyInjector | undefined {
  for (let s = scope; s; s = s.node.scope) {
    if (!PropertyInjectors.hasPropertyInjectors(s)) continue;
    const injector = PropertyInjectors.of(s).for(lambda.Function.PROPERTY_INJECTION_ID);
    if (injector) return injector;
  }
  return undefined;
}

/** Whether the function is known to have been created with `tracing: Tracing.DISABLED`. */
export function declaredTracingDisabled(fn: lambda.Function): boolean {
  const scope = fn.node.scope;
  if (scope && recorded.get(scope)?.get(fn.node.id) === lambda.Tracing.DISABLED) return true;
  return fn.node.metadata.some((entry) => entry.type === ANALYTICS_METADATA
    && typeof entry.data === 'object' && entry.data !== null && entry.data.tracing === lambda.Tracing.DISABLED);
}
