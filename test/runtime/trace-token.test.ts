import * as fs from 'fs';
import { context, diag, DiagLogLevel, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import * as fc from 'fast-check';
import { registerTestSdk } from './otel-sdk';
import { XRAY_ANNOTATIONS_ATTRIBUTE } from '../../src/runtime/annotations';
import { warnedOnce } from '../../src/runtime/current-context';
import { TraceContext } from '../../src/runtime/trace-context';
import {
  createTraceToken, MAX_BUSINESS_KEY_BYTES, MAX_TRACE_TOKEN_LENGTH, readTraceToken, startLinkedSpan, TraceTokenContents,
  TraceTokenRefusal,
} from '../../src/runtime/trace-token';
import {
  buildTraceTokenVectors, evaluateTraceToken, serializeTraceTokenVectors, TRACE_TOKEN_FILE, TraceTokenCase,
} from '../vectors/generate-trace-token';

type TraceTokenModule = typeof import('../../src/runtime/trace-token');

const TRACE = '5759e988bd862e3fe1be46a994272793';
const SPAN = '53995c3f42cd8ad8';
const CONTEXT: TraceContext = { traceId: TRACE, parentId: SPAN, sampled: true };
const SECRET = 'webhook-signing-secret';
const RUNS = { numRuns: 1000 };

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((s) => /[1-9a-f]/.test(s));
const businessKey = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((s) => Buffer.byteLength(s) <= MAX_BUSINESS_KEY_BYTES);
const secret = fc.oneof(fc.string({ minLength: 1 }).filter((s) => Buffer.from(s).toString() === s), fc.uint8Array({ minLength: 1, maxLength: 64 }));

/**
 * The runtime's warnings, whichever way it reports them (OpenTelemetry's `diag`, or `console.warn`, which
 * Lambda logs at level WARN): set up after the test SDK, whose own `diag` logger it replaces.
 */
function captureWarnings(): string[] {
  const captured: string[] = [];
  const push = (message: unknown) => { captured.push(String(message)); };
  jest.spyOn(console, 'warn').mockImplementation(push);
  const ignore = () => undefined;
  const logger = { warn: push, error: ignore, info: ignore, debug: ignore, verbose: ignore };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return captured;
}

let warnings: string[];
beforeEach(() => {
  warnedOnce.clear();
  warnings = captureWarnings();
});
afterEach(() => {
  jest.restoreAllMocks();
  diag.disable();
});

function refusal(token: unknown, options: { secret?: string | Uint8Array } = {}): TraceTokenRefusal | undefined {
  let reason: TraceTokenRefusal | undefined;
  expect(readTraceToken(token, { ...options, onRefused: (r) => { reason = r; } })).toBeUndefined();
  return reason;
}

describe('trace-token.json, the vectors the Python twin is held to', () => {
  const cases: TraceTokenCase[] = JSON.parse(fs.readFileSync(TRACE_TOKEN_FILE, 'utf8'));

  test('has tokens created and refused, read and refused, for every reason', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    const reads = cases.filter((c) => c.input.op === 'read').map((c) => c.expected as { refusal: string | null });
    expect(new Set(reads.map((r) => r.refusal))).toEqual(new Set([null, 'malformed', 'oversized', 'version', 'unsigned', 'forged', 'secret']));
    expect(cases.some((c) => c.input.op === 'create' && c.expected === null)).toBe(true);
  });

  test.each(cases.map((c) => [c.name, c]))('%s', (_name, c) => {
    expect(evaluateTraceToken(c.input)).toEqual(c.expected);
  });

  test('the file is what the generator writes (else run `npx ts-node --transpile-only test/vectors/generate-trace-token.ts`)', () => {
    expect(fs.readFileSync(TRACE_TOKEN_FILE, 'utf8')).toBe(serializeTraceTokenVectors(buildTraceTokenVectors()));
  });
});

describe('createTraceToken and readTraceToken', () => {
  test('a compact, URL-safe token that round-trips', () => {
    const token = createTraceToken(CONTEXT, { secret: SECRET, businessKey: 'order-1234' })!;
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).toHaveLength(71);
    expect(encodeURIComponent(token)).toBe(token);
    expect(readTraceToken(token, { secret: SECRET })).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true, businessKey: 'order-1234' });
    expect(createTraceToken(CONTEXT)).toHaveLength(35);
    expect(MAX_TRACE_TOKEN_LENGTH).toBe(228);
  });

  test('property: any context, secret and business key round-trip', () => {
    fc.assert(fc.property(hex(32), hex(16), fc.boolean(), fc.option(secret, { nil: undefined }), fc.option(businessKey, { nil: undefined }),
      (traceId, parentId, sampled, key, business) => {
        const token = createTraceToken({ traceId, parentId, sampled }, { secret: key, businessKey: business })!;
        expect(token.length).toBeLessThanOrEqual(MAX_TRACE_TOKEN_LENGTH);
        const expected: TraceTokenContents = { traceId, spanId: parentId, sampled, ...(business === undefined ? {} : { businessKey: business }) };
        expect(readTraceToken(token, { secret: key })).toEqual(expected);
        expect(readTraceToken(token)).toEqual(expected);
      }), RUNS);
  });

  test('property: readTraceToken never throws, whatever it is given', () => {
    const signed = createTraceToken(CONTEXT, { secret: SECRET, businessKey: 'order-1234' })!;
    const tokenish = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,240}$/),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('base64url')),
      fc.uint8Array({ maxLength: 190 }).map((b) => Buffer.concat([Buffer.from([1]), b]).toString('base64url')),
      fc.tuple(fc.nat(signed.length), fc.string({ maxLength: 3 })).map(([at, s]) => signed.slice(0, at) + s + signed.slice(at + 1)),
      fc.anything(),
    );
    fc.assert(fc.property(tokenish, fc.option(fc.oneof(fc.string(), fc.uint8Array()), { nil: undefined }), (token, key) => {
      expect(() => readTraceToken(token, { secret: key })).not.toThrow();
      expect(() => readTraceToken(token, { secret: key, onRefused: () => undefined })).not.toThrow();
    }), { numRuns: 3000 });
  });

  test('property: changing any byte of a signed token refuses it', () => {
    const token = createTraceToken(CONTEXT, { secret: SECRET, businessKey: 'order-1234' })!;
    const bytes = Buffer.from(token, 'base64url');
    fc.assert(fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
      const forged = Buffer.from(bytes);
      forged[at] ^= xor;
      expect(readTraceToken(forged.toString('base64url'), { secret: SECRET })).toBeUndefined();
    }), RUNS);
  });

  test('forged, truncated, garbage and oversized tokens are refused with a reason, never thrown', () => {
    const signed = createTraceToken(CONTEXT, { secret: SECRET })!;
    expect(refusal(signed, { secret: 'another' })).toBe('forged');
    expect(refusal(createTraceToken(CONTEXT), { secret: SECRET })).toBe('unsigned');
    expect(refusal(signed.slice(0, -1))).toBe('malformed');
    expect(refusal('not a token at all!')).toBe('malformed');
    expect(refusal('A'.repeat(MAX_TRACE_TOKEN_LENGTH + 1))).toBe('oversized');
    expect(refusal(`Ag${signed.slice(2)}`)).toBe('version');
    expect(refusal(signed, { secret: '' })).toBe('secret');
    expect(readTraceToken(signed.slice(0, -1))).toBeUndefined();
  });

  test('defaults to the active span, else the Lambda invocation header; undefined without a usable context', async () => {
    const saved = process.env._X_AMZN_TRACE_ID;
    try {
      delete process.env._X_AMZN_TRACE_ID;
      expect(createTraceToken()).toBeUndefined();
      process.env._X_AMZN_TRACE_ID = `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${SPAN};Sampled=1`;
      expect(readTraceToken(createTraceToken())).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
      process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
      expect(createTraceToken()).toBeUndefined();
      const sdk = registerTestSdk();
      try {
        const span = sdk.tracer.startActiveSpan('call third party', (s) => {
          const contents = readTraceToken(createTraceToken());
          s.end();
          return { contents, context: s.spanContext() };
        });
        expect(span.contents).toEqual({ traceId: span.context.traceId, spanId: span.context.spanId, sampled: true });
      } finally {
        await sdk.shutdown();
      }
    } finally {
      if (saved === undefined) delete process.env._X_AMZN_TRACE_ID;
      else process.env._X_AMZN_TRACE_ID = saved;
    }
  });

  test('an unusable business key is left out with a warning; an unusable secret is a programmer error', () => {
    const token = createTraceToken(CONTEXT, { businessKey: 'x'.repeat(MAX_BUSINESS_KEY_BYTES + 1) });
    expect(readTraceToken(token)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(readTraceToken(createTraceToken(CONTEXT, { businessKey: 'x'.repeat(MAX_BUSINESS_KEY_BYTES) }))?.businessKey).toHaveLength(MAX_BUSINESS_KEY_BYTES);
    expect(warnings).toEqual([`cdk-serverless-tracing: trace token business key left out: not a well-formed string of at most ${MAX_BUSINESS_KEY_BYTES} UTF-8 bytes`]);
    for (const bad of ['', new Uint8Array(0), 42, '\ud800']) {
      expect(() => createTraceToken(CONTEXT, { secret: bad as string })).toThrow(new TypeError('createTraceToken: secret must be a non-empty string or Uint8Array'));
    }
  });
});

describe('startLinkedSpan on the real OpenTelemetry SDK', () => {
  let sdk: ReturnType<typeof registerTestSdk>;
  beforeEach(() => {
    sdk = registerTestSdk();
    warnings = captureWarnings();
  });
  afterEach(async () => { await sdk.shutdown(); });

  const token = () => createTraceToken(CONTEXT, { secret: SECRET, businessKey: 'order-1234' })!;

  test('a CONSUMER span linked to (not parented on) the token\'s span, annotated with the business key', () => {
    let active: string | undefined;
    const result = startLinkedSpan('payment webhook', token(), { secret: SECRET, annotateKey: 'orderId' }, (linked) => {
      active = trace.getActiveSpan()?.spanContext().spanId;
      return linked;
    });
    expect(result).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true, businessKey: 'order-1234' });
    const [span] = sdk.exporter.getFinishedSpans();
    expect(span.name).toBe('payment webhook');
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.spanContext().spanId).toBe(active);
    expect(span.spanContext().traceId).not.toBe(TRACE);
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.links).toEqual([{ context: { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true } }]);
    expect(span.attributes).toEqual({ orderId: 'order-1234', [XRAY_ANNOTATIONS_ATTRIBUTE]: ['orderId'] });
    expect(span.instrumentationScope.name).toBe('cdk-serverless-tracing');
    expect(warnings).toEqual([]);
  });

  test('joins the trace of the span already active (the invocation\'s), as a child; SERVER kind on request', () => {
    sdk.tracer.startActiveSpan('invocation', (invocation) => {
      startLinkedSpan('webhook', token(), { secret: SECRET, kind: 'server', tracerName: 'webhooks' }, () => undefined);
      invocation.end();
    });
    const [span, invocation] = sdk.exporter.getFinishedSpans();
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe(invocation.spanContext().traceId);
    expect(span.parentSpanContext?.spanId).toBe(invocation.spanContext().spanId);
    expect(span.attributes).toEqual({ businessKey: 'order-1234', [XRAY_ANNOTATIONS_ATTRIBUTE]: ['businessKey'] });
    expect(span.instrumentationScope.name).toBe('webhooks');
  });

  test('a refused token, or none, only means no link; a refusal is reported', () => {
    const forged = startLinkedSpan('webhook', token(), { secret: 'another' }, (linked) => linked);
    const missing = startLinkedSpan('webhook', undefined, {}, (linked) => linked);
    const unsigned = startLinkedSpan('webhook', createTraceToken(CONTEXT), { secret: SECRET }, (linked) => linked);
    expect([forged, missing, unsigned]).toEqual([undefined, undefined, undefined]);
    for (const span of sdk.exporter.getFinishedSpans()) {
      expect(span.links).toEqual([]);
      expect(span.attributes).toEqual({});
    }
    expect(warnings).toEqual([
      'cdk-serverless-tracing: trace token refused (forged): no link',
      'cdk-serverless-tracing: trace token refused (unsigned): no link',
    ]);
  });

  test('an async fn: the span ends when its promise settles, and stays active inside it', async () => {
    const value = await startLinkedSpan('webhook', token(), { secret: SECRET }, async (linked) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(sdk.exporter.getFinishedSpans()).toHaveLength(0);
      return `${linked?.businessKey}:${trace.getActiveSpan()?.spanContext().spanId}`;
    });
    const [span] = sdk.exporter.getFinishedSpans();
    expect(value).toBe(`order-1234:${span.spanContext().spanId}`);
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  test('a throw or a rejection marks the span as an error and is passed on', async () => {
    expect(() => startLinkedSpan('webhook', token(), {}, () => { throw new Error('bad signature'); })).toThrow('bad signature');
    await expect(startLinkedSpan('webhook', token(), {}, async () => { throw new Error('payment unknown'); })).rejects.toThrow('payment unknown');
    const [thrown, rejected] = sdk.exporter.getFinishedSpans();
    expect(thrown.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad signature' });
    expect(rejected.status).toEqual({ code: SpanStatusCode.ERROR, message: 'payment unknown' });
    expect(thrown.events.map((e) => e.name)).toEqual(['exception']);
    expect(context.active()).toBe(context.active());
  });

  test('a thrown value without a usable toString is passed on as it is, and its span still ends as an error', async () => {
    const bare = Object.create(null);
    let caught: unknown;
    try {
      startLinkedSpan('webhook', token(), {}, () => { throw bare; });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(bare);
    await expect(startLinkedSpan('webhook', token(), {}, async () => { throw bare; })).rejects.toBe(bare);
    const spans = sdk.exporter.getFinishedSpans();
    expect(spans.map((s) => s.status)).toEqual([{ code: SpanStatusCode.ERROR, message: 'object' }, { code: SpanStatusCode.ERROR, message: 'object' }]);
  });

  test('an Error the SDK cannot record (a code without toString) is passed on as it is, and its span still ends as an error', () => {
    const odd = Object.assign(new Error('odd'), { code: Object.create(null) });
    expect(() => startLinkedSpan('webhook', token(), {}, () => { throw odd; })).toThrow(odd);
    expect(sdk.exporter.getFinishedSpans().map((s) => s.status)).toEqual([{ code: SpanStatusCode.ERROR, message: 'odd' }]);
  });
});

describe('without @opentelemetry/api', () => {
  test('startLinkedSpan runs fn without a span; tokens still work', () => {
    jest.isolateModules(() => {
      jest.doMock('@opentelemetry/api', () => { throw new Error("Cannot find module '@opentelemetry/api'"); });
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the mock, inside isolateModules
      const fresh: TraceTokenModule = require('../../src/runtime/trace-token');
      const made = fresh.createTraceToken(CONTEXT, { secret: SECRET, businessKey: 'order-1234' });
      expect(fresh.startLinkedSpan('webhook', made, { secret: SECRET }, (linked) => linked?.businessKey)).toBe('order-1234');
      expect(fresh.startLinkedSpan('webhook', 'forged', { secret: SECRET }, (linked) => linked)).toBeUndefined();
    });
    jest.dontMock('@opentelemetry/api');
  });
});
