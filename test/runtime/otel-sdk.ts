import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Registers the real OpenTelemetry SDK with an in-memory exporter, as the Lambda layer would register its own. */
export function registerTestSdk() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(contextManager);
  const warnings = captureDiagWarnings();
  return {
    exporter,
    warnings,
    tracer: provider.getTracer('test'),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}

/** Routes OpenTelemetry's diagnostic warnings (what the runtime reports through `diag`) into the returned list. */
export function captureDiagWarnings(): string[] {
  const warnings: string[] = [];
  diag.setLogger({
    error: () => undefined,
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
    warn: (message: string) => { warnings.push(message); },
  }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return warnings;
}
