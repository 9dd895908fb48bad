import { App, IPropertyInjector, InjectionContext, PropertyInjectors, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { inlineFunctionProps } from './helpers';
import { FunctionTracing, ServerlessTracing, TracingRegistry } from '../src';

const ENV = { account: '123456789012', region: 'us-east-1' };
const REFUSED = /^tracing: 'S\/Quiet' was created with Tracing\.DISABLED, which tracing would override; create it with Tracing\.ACTIVE, Tracing\.PASS_THROUGH or no tracing prop/;

function untracedFunctionsOf(stack: Stack): void {
  const template = Template.fromStack(stack);
  template.resourcePropertiesCountIs('AWS::Lambda::Function', { TracingConfig: Match.anyValue() }, 0);
  template.resourcePropertiesCountIs('AWS::Lambda::Function', { Layers: Match.anyValue() }, 0);
  template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
}

/** A user's own property injector for functions, which must keep working beside the recorder. */
class MemoryInjector implements IPropertyInjector {
  public readonly constructUniqueId = lambda.Function.PROPERTY_INJECTION_ID;
  public readonly seen: string[] = [];
  constructor(private readonly tracing?: lambda.Tracing) {}
  public inject(props: any, context: InjectionContext): any {
    this.seen.push(context.id);
    return { ...props, memorySize: 512, ...(this.tracing ? { tracing: this.tracing } : {}) };
  }
}

describe('FunctionTracing.instrument refuses a function created with Tracing.DISABLED', () => {
  test('known through recordDeclaredTracing: refused, and the function is left exactly as it was', () => {
    const app = new App();
    FunctionTracing.recordDeclaredTracing(app);
    const stack = new Stack(app, 'S', { env: ENV });
    const fn = new lambda.Function(stack, 'Quiet', { ...inlineFunctionProps(), tracing: lambda.Tracing.DISABLED });
    expect(() => FunctionTracing.instrument(fn)).toThrow(REFUSED);
    expect(TracingRegistry.of(stack).functions).toEqual([]);
    untracedFunctionsOf(stack);
  });

  test('known through construct metadata when the app collects it (as cdk init apps do)', () => {
    const app = new App({ context: { '@aws-cdk/core:enableAdditionalMetadataCollection': true } });
    const stack = new Stack(app, 'S', { env: ENV });
    const fn = new lambda.Function(stack, 'Quiet', { ...inlineFunctionProps(), tracing: lambda.Tracing.DISABLED });
    expect(() => FunctionTracing.instrument(fn)).toThrow(REFUSED);
    untracedFunctionsOf(stack);
  });

  test('subclasses of lambda.Function are recorded too', () => {
    class OwnFunction extends lambda.Function {}
    const app = new App();
    FunctionTracing.recordDeclaredTracing(app);
    const stack = new Stack(app, 'S', { env: ENV });
    const fn = new OwnFunction(stack, 'Quiet', { ...inlineFunctionProps(), tracing: lambda.Tracing.DISABLED });
    expect(() => FunctionTracing.instrument(fn)).toThrow(REFUSED);
  });

  test.each([
    ['no tracing prop', undefined, 'Active'],
    ['Tracing.ACTIVE', lambda.Tracing.ACTIVE, 'Active'],
    ['Tracing.PASS_THROUGH', lambda.Tracing.PASS_THROUGH, 'PassThrough'],
  ])('a function created with %s is still instrumented', (_name, tracing, mode) => {
    const app = new App({ context: { '@aws-cdk/core:enableAdditionalMetadataCollection': true } });
    FunctionTracing.recordDeclaredTracing(app);
    const stack = new Stack(app, 'S', { env: ENV });
    const fn = new lambda.Function(stack, 'Loud', { ...inlineFunctionProps(), tracing });
    FunctionTracing.instrument(fn);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: mode } });
  });

  test('only the function created with DISABLED is refused, not one with the same id elsewhere', () => {
    const app = new App();
    FunctionTracing.recordDeclaredTracing(app);
    const stack = new Stack(app, 'S', { env: ENV });
    new lambda.Function(stack, 'Quiet', { ...inlineFunctionProps(), tracing: lambda.Tracing.DISABLED });
    const other = new Stack(app, 'Other', { env: ENV });
    const same = new lambda.Function(other, 'Quiet', inlineFunctionProps());
    expect(() => FunctionTracing.instrument(same)).not.toThrow();
  });

  test('a user injector registered before still runs first, and what it sets is what is recorded', () => {
    const app = new App();
    const injector = new MemoryInjector(lambda.Tracing.DISABLED);
    PropertyInjectors.of(app).add(injector);
    const stack = new Stack(app, 'S', { env: ENV });
    FunctionTracing.recordDeclaredTracing(stack);
    FunctionTracing.recordDeclaredTracing(stack);
    const fn = new lambda.Function(stack, 'Quiet', inlineFunctionProps());
    expect(injector.seen).toEqual(['Quiet']);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { MemorySize: 512 });
    expect(() => FunctionTracing.instrument(fn)).toThrow(REFUSED);
  });

  test('a user injector added above the recorder later still runs, and what it sets is recorded', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    ServerlessTracing.of(stack).apply();
    const injector = new MemoryInjector(lambda.Tracing.DISABLED);
    PropertyInjectors.of(app).add(injector);
    const fn = new lambda.Function(stack, 'Quiet', inlineFunctionProps());
    expect(injector.seen).toEqual(['Quiet']);
    expect(() => FunctionTracing.instrument(fn)).toThrow(REFUSED);
  });

  test('a user injector on a lower scope hides the recorder there until recordDeclaredTracing is called on that scope', () => {
    const app = new App();
    FunctionTracing.recordDeclaredTracing(app);
    const stack = new Stack(app, 'S', { env: ENV });
    const injector = new MemoryInjector();
    PropertyInjectors.of(stack).add(injector);
    const hidden = new lambda.Function(stack, 'Hidden', { ...inlineFunctionProps(), tracing: lambda.Tracing.DISABLED });
    expect(() => FunctionTracing.instrument(hidden)).not.toThrow();
    FunctionTracing.recordDeclaredTracing(stack);
    const fn = new lambda.Function(stack, 'Quiet', { ...inlineFunctionProps(), tracing: lambda.Tracing.DISABLED });
    expect(injector.seen).toEqual(['Hidden', 'Quiet']);
    expect(() => FunctionTracing.instrument(fn)).toThrow(REFUSED);
  });

  test('without the recorder or the metadata flag, DISABLED leaves no trace and the function is instrumented', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const fn = new lambda.Function(stack, 'Quiet', { ...inlineFunctionProps(), tracing: lambda.Tracing.DISABLED });
    FunctionTracing.instrument(fn);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
  });
});

describe('ServerlessTracing and functions created with Tracing.DISABLED', () => {
  test('applied before the stacks: the DISABLED function is left untraced with a warning, the others are traced', () => {
    const app = new App();
    ServerlessTracing.of(app).apply();
    const stack = new Stack(app, 'S', { env: ENV });
    new lambda.Function(stack, 'Quiet', { ...inlineFunctionProps(), tracing: lambda.Tracing.DISABLED });
    new lambda.Function(stack, 'Loud', inlineFunctionProps());
    const template = Template.fromStack(stack);
    const functions = template.findResources('AWS::Lambda::Function');
    const quiet = Object.entries(functions).find(([id]) => id.startsWith('Quiet'))![1];
    const loud = Object.entries(functions).find(([id]) => id.startsWith('Loud'))![1];
    expect(quiet.Properties.TracingConfig).toBeUndefined();
    expect(quiet.Properties.Layers).toBeUndefined();
    expect(loud.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    Annotations.fromStack(stack).hasWarning('/S/Quiet', Match.stringLikeRegexp("ServerlessTracing left S/Quiet untraced: tracing: 'S/Quiet' was created with Tracing.DISABLED"));
    expect(TracingRegistry.of(stack).functions.map((f) => f.function.node.id)).toEqual(['Loud']);
  });
});
