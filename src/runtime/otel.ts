import type * as OpenTelemetryApi from '@opentelemetry/api';

let api: typeof OpenTelemetryApi | null | undefined;

/**
 * `@opentelemetry/api`, loaded on first use and only if the function has it: the codecs work without it,
 * and a handler that never starts a span never pays for loading it. The handler's own copy is the one
 * used, so it binds to the tracer provider the OpenTelemetry layer registers.
 */
export function openTelemetryApi(): typeof OpenTelemetryApi | undefined {
  if (api === undefined) {
    try {
      // Optional by design (see the package's exports note): the handler's own copy, if it has one.
      // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
      api = require('@opentelemetry/api') as typeof OpenTelemetryApi;
    } catch {
      api = null;
    }
  }
  return api ?? undefined;
}

/**
 * Marks a span failed, with a message for anything thrown: an Error's message (else its name), else the value
 * as text. Never throws, whatever was thrown: the caller still ends the span and passes the error on.
 */
export function failSpan(span: OpenTelemetryApi.Span, error: unknown): void {
  const isError = error instanceof Error;
  let message: string = typeof error;
  try {
    message = (isError ? error.message || error.name : String(error)) || message;
  } catch {
    // String() throws for an object without a usable toString (Object.create(null)): its type it is.
  }
  span.setStatus({ code: 2 /* SpanStatusCode.ERROR */, message });
  try {
    span.recordException(isError ? error : message);
  } catch {
    // The SDK reads the error's code and stack: an odd one (a code without toString) throws; the status stays.
  }
}
