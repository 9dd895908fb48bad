import { diag, DiagLogLevel, trace, TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { registerTestSdk } from './otel-sdk';
import { addMetadata, annotate, AnnotationValue, MAX_ANNOTATIONS, XRAY_ANNOTATIONS_ATTRIBUTE } from '../../src/runtime/annotations';
import { warnedOnce } from '../../src/runtime/current-context';

type AnnotationsModule = typeof import('../../src/runtime/annotations');

/**
 * The runtime's warnings, whichever way it reports them (OpenTelemetry's `diag`, or `console.warn`, which
 * Lambda logs at level WARN): set up after the test SDK, whose own `diag` logger it replaces.
 */
function captureWarnings(): string[] {
  const warnings: string[] = [];
  const push = (message: unknown) => { warnings.push(String(message)); };
  jest.spyOn(console, 'warn').mockImplementation(push);
  const ignore = () => undefined;
  const logger = { warn: push, error: ignore, info: ignore, debug: ignore, verbose: ignore };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return warnings;
}

/** A fresh copy of the module, for its per-process state (the cold start flag). */
function freshModule(): AnnotationsModule {
  let fresh: AnnotationsModule | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module instance needs a require inside isolateModules
    fresh = require('../../src/runtime/annotations');
  });
  return fresh!;
}

describe('annotations on spans of the real OpenTelemetry SDK', () => {
  let sdk: ReturnType<typeof registerTestSdk>;
  let warnings: string[];
  beforeEach(() => {
    sdk = registerTestSdk();
    warnedOnce.clear();
    warnings = captureWarnings();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await sdk.shutdown();
  });

  /** Runs `fn` in an active span and returns the span as exported. */
  function inSpan(fn: () => void, name = 'handler'): ReadableSpan {
    sdk.tracer.startActiveSpan(name, (span) => {
      try {
        fn();
      } finally {
        span.end();
      }
    });
    const spans = sdk.exporter.getFinishedSpans();
    return spans[spans.length - 1];
  }

  test('sets each value and declares its key in aws.xray.annotations', () => {
    const span = inSpan(() => annotate({ orderId: 'o-1', successfulOrder: true, amount: 12.5, items: 3 }));
    expect(span.attributes).toEqual({
      orderId: 'o-1',
      successfulOrder: true,
      amount: 12.5,
      items: 3,
      [XRAY_ANNOTATIONS_ATTRIBUTE]: ['orderId', 'successfulOrder', 'amount', 'items'],
    });
    expect(warnings).toEqual([]);
  });

  test('merges with the keys already declared, by this module or anyone else, without duplicates', () => {
    const span = inSpan(() => {
      trace.getActiveSpan()!.setAttribute(XRAY_ANNOTATIONS_ATTRIBUTE, ['tenant']);
      annotate({ orderId: 'o-1' });
      annotate({ orderId: 'o-2', successfulOrder: false });
      annotate({});
    });
    expect(span.attributes.orderId).toBe('o-2');
    expect(span.attributes[XRAY_ANNOTATIONS_ATTRIBUTE]).toEqual(['tenant', 'orderId', 'successfulOrder']);
  });

  test('annotates the span given rather than the active one', () => {
    const other = sdk.tracer.startSpan('other');
    const active = inSpan(() => annotate({ orderId: 'o-9' }, other));
    other.end();
    const [, annotated] = sdk.exporter.getFinishedSpans();
    expect(active.attributes).toEqual({});
    expect(annotated.name).toBe('other');
    expect(annotated.attributes).toEqual({ orderId: 'o-9', [XRAY_ANNOTATIONS_ATTRIBUTE]: ['orderId'] });
  });

  test('skips keys and values X-Ray would not index, with one warning per key', () => {
    const emoji = '\u{1F600}'.repeat(1000);
    // What untyped JavaScript may pass.
    const invalid = {
      'order.id': 'dot',
      'order id': 'space',
      '': 'empty',
      [`k${'x'.repeat(500)}`]: 'long key',
      'clé': 'non-ASCII',
      'objectValue': { a: 1 },
      'arrayValue': ['a'],
      'nullValue': null,
      'undefinedValue': undefined,
      'nanValue': NaN,
      'infiniteValue': Infinity,
      'longValue': 'x'.repeat(1001),
    } as unknown as Record<string, AnnotationValue>;
    const span = inSpan(() => {
      annotate({ ...invalid, emojiValue: emoji, emptyValue: '', zero: 0, kept: 'yes' });
      annotate(invalid);
    });
    expect(span.attributes[XRAY_ANNOTATIONS_ATTRIBUTE]).toEqual(['emojiValue', 'emptyValue', 'zero', 'kept']);
    expect(span.attributes.emojiValue).toBe(emoji);
    for (const key of Object.keys(invalid)) expect(span.attributes).not.toHaveProperty([key]);
    expect(warnings).toHaveLength(Object.keys(invalid).length);
    expect(warnings[0]).toBe('cdk-serverless-tracing: annotation order.id skipped: key not [A-Za-z0-9_]{1,500}');
    expect(warnings).toContain('cdk-serverless-tracing: annotation nanValue skipped: value not a string of up to 1,000 characters, finite number or boolean');
  });

  test(`declares at most ${MAX_ANNOTATIONS} annotations on a span`, () => {
    const many = Object.fromEntries(Array.from({ length: 55 }, (_, i) => [`limit${i}`, i]));
    const span = inSpan(() => {
      annotate(many);
      annotate({ limit3: 'updated' });
    });
    const declared = span.attributes[XRAY_ANNOTATIONS_ATTRIBUTE] as string[];
    expect(declared).toHaveLength(MAX_ANNOTATIONS);
    expect(declared[49]).toBe('limit49');
    expect(span.attributes.limit3).toBe('updated');
    expect(span.attributes).not.toHaveProperty(['limit50']);
    expect(warnings).toHaveLength(5);
    expect(warnings[0]).toBe(`cdk-serverless-tracing: annotation limit50 skipped: over ${MAX_ANNOTATIONS} annotations`);
  });

  test('is a no-op without an active span, on an ended span and on a span that is not recording', () => {
    expect(() => annotate({ orderId: 'o-1' })).not.toThrow();
    const ended = sdk.tracer.startSpan('ended');
    ended.end();
    annotate({ orderId: 'o-1' }, ended);
    addMetadata('order', { id: 'o-1' }, ended);
    const notSampled = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE });
    annotate({ orderId: 'o-1' }, notSampled);
    expect(sdk.exporter.getFinishedSpans()[0].attributes).toEqual({});
    expect(warnings).toEqual([]);
  });

  test('a programmer error throws: annotations that are not an object, a metadata key that is not a string', () => {
    for (const bad of [null, undefined, 'orderId', 42, ['orderId']]) {
      expect(() => annotate(bad as never)).toThrow(new TypeError('annotate: expected { key: value }'));
    }
    expect(() => addMetadata(42 as never, 'x')).toThrow(TypeError);
  });

  test('metadata: attributes not declared as annotations, objects as JSON text', () => {
    const span = inSpan(() => {
      annotate({ orderId: 'o-1' });
      addMetadata('orderCreated', { orderId: 'o-1', items: [1, 2], note: 'é' });
      addMetadata('status', 'created');
      addMetadata('total', 12.5);
      addMetadata('paid', false);
      addMetadata('lines', ['a', 'b']);
      addMetadata('nothing', null);
    });
    expect(span.attributes).toEqual({
      orderId: 'o-1',
      [XRAY_ANNOTATIONS_ATTRIBUTE]: ['orderId'],
      orderCreated: '{"orderId":"o-1","items":[1,2],"note":"é"}',
      status: 'created',
      total: 12.5,
      paid: false,
      lines: '["a","b"]',
      nothing: 'null',
    });
  });

  test('metadata is skipped, with a warning, for a reserved or annotated key or a value JSON cannot hold', () => {
    const span = inSpan(() => {
      annotate({ annotatedKey: 'o-1' });
      addMetadata('annotatedKey', 'again');
      addMetadata(XRAY_ANNOTATIONS_ATTRIBUTE, ['x']);
      addMetadata('bigint', 10n);
      addMetadata('undefinedMetadata', undefined);
      addMetadata('', 'x');
    });
    expect(span.attributes).toEqual({ annotatedKey: 'o-1', [XRAY_ANNOTATIONS_ATTRIBUTE]: ['annotatedKey'] });
    expect(warnings).toEqual([
      'cdk-serverless-tracing: metadata annotatedKey skipped: key is an annotation',
      'cdk-serverless-tracing: metadata aws.xray.annotations skipped: reserved key',
      'cdk-serverless-tracing: metadata bigint skipped: value not JSON',
      'cdk-serverless-tracing: metadata undefinedMetadata skipped: value not JSON',
      'cdk-serverless-tracing: metadata  skipped: reserved key',
    ]);
  });

  test('a refused key costs no serialization: the value is not read (the Python twin\'s order)', () => {
    const toJSON = jest.fn(() => 'text');
    inSpan(() => {
      annotate({ annotatedKey: 'o-1' });
      addMetadata('annotatedKey', { toJSON });
      addMetadata(XRAY_ANNOTATIONS_ATTRIBUTE, { toJSON });
    });
    expect(toJSON).not.toHaveBeenCalled();
  });

  describe('annotateInvocation', () => {
    const saved = { ...process.env };
    afterEach(() => { process.env = { ...saved }; });

    test('ColdStart true on the first invocation of the process, then false; Service from OTEL_SERVICE_NAME', () => {
      process.env.OTEL_SERVICE_NAME = 'orders-api';
      const fresh = freshModule();
      const first = inSpan(() => fresh.annotateInvocation());
      const second = inSpan(() => fresh.annotateInvocation());
      expect(first.attributes).toEqual({ ColdStart: true, Service: 'orders-api', [XRAY_ANNOTATIONS_ATTRIBUTE]: ['ColdStart', 'Service'] });
      expect(second.attributes).toEqual({ ColdStart: false, Service: 'orders-api', [XRAY_ANNOTATIONS_ATTRIBUTE]: ['ColdStart', 'Service'] });
    });

    test('no Service without OTEL_SERVICE_NAME; provisioned concurrency is never a cold start', () => {
      delete process.env.OTEL_SERVICE_NAME;
      process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'provisioned-concurrency';
      const fresh = freshModule();
      expect(inSpan(() => fresh.annotateInvocation()).attributes).toEqual({ ColdStart: false, [XRAY_ANNOTATIONS_ATTRIBUTE]: ['ColdStart'] });
    });

    test('the faas.coldstart attribute the Lambda instrumentation set wins; the first call counts even without a span', () => {
      delete process.env.OTEL_SERVICE_NAME;
      const fresh = freshModule();
      fresh.annotateInvocation();
      const warm = inSpan(() => fresh.annotateInvocation());
      const distro = inSpan(() => {
        trace.getActiveSpan()!.setAttribute('faas.coldstart', true);
        fresh.annotateInvocation();
      });
      expect(warm.attributes.ColdStart).toBe(false);
      expect(distro.attributes).toEqual({ 'faas.coldstart': true, 'ColdStart': true, [XRAY_ANNOTATIONS_ATTRIBUTE]: ['ColdStart'] });
    });
  });
});

describe('without @opentelemetry/api', () => {
  test('every function is a no-op that still refuses programmer errors', () => {
    jest.isolateModules(() => {
      jest.doMock('@opentelemetry/api', () => { throw new Error("Cannot find module '@opentelemetry/api'"); });
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the mock, inside isolateModules
      const fresh: AnnotationsModule = require('../../src/runtime/annotations');
      expect(() => fresh.annotate({ orderId: 'o-1' })).not.toThrow();
      expect(() => fresh.addMetadata('order', { id: 1 })).not.toThrow();
      expect(() => fresh.annotateInvocation()).not.toThrow();
      expect(() => fresh.annotate(null as never)).toThrow(TypeError);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the isolated registry's copy
      expect(require('../../src/runtime/otel').openTelemetryApi()).toBeUndefined();
    });
    jest.dontMock('@opentelemetry/api');
  });
});
