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
