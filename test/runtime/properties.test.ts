import * as fc from 'fast-check';
import {
  eventBridgeEventContext, formatTraceparent, formatXrayHeader, injectEventBridgeEntry, injectSnsMessage, injectSqsMessage, parseTraceparent,
  parseTracestate, parseXrayHeader, processSqsBatch, snsRecordContext, sqsRecordContext, TraceContext,
} from '../../src/runtime';

const RUNS = { numRuns: 2000 };
const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((s) => /[1-9a-f]/.test(s));
const tracestateMember = fc.tuple(
  fc.stringMatching(/^[a-z0-9][a-z0-9_\-*/@]{0,20}$/),
  fc.stringMatching(/^[ !-+\--<>-~]{0,20}[!-+\--<>-~]$/),
).map(([k, v]) => `${k}=${v}`);
const w3cContext: fc.Arbitrary<TraceContext> = fc.record({
  traceId: hex(32),
  parentId: hex(16),
  traceFlags: fc.integer({ min: 0, max: 3 }),
  // Within Level 2's 512 characters: a longer one is truncated (tested below), not returned as given.
  traceState: fc.option(fc.array(tracestateMember, { minLength: 1, maxLength: 32 }).map((m) => m.join(',')).filter((s) => s.length <= 512), { nil: undefined }),
}).map((c) => {
  const context: Record<string, unknown> = {
    traceId: c.traceId, parentId: c.parentId, traceFlags: c.traceFlags, sampled: (c.traceFlags & 1) === 1,
  };
  if (c.traceState !== undefined) context.traceState = c.traceState;
  return context as unknown as TraceContext;
});
const xrayContext: fc.Arbitrary<TraceContext> = fc.record({
  traceId: hex(32),
  parentId: fc.option(hex(16), { nil: undefined }),
  sampled: fc.option(fc.boolean(), { nil: undefined }),
  lineage: fc.option(fc.stringMatching(/^[0-9a-f]{8}:\d{1,3}(\|[0-9a-f]{8}:\d{1,3}){0,3}$/), { nil: undefined }),
  extra: fc.option(fc.array(fc.stringMatching(/^X[A-Za-z]{0,8}=[A-Za-z0-9:\-.]{1,12}$/), { minLength: 1, maxLength: 3 }).map((p) => p.join(';')), { nil: undefined }),
}).map((c) => Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)) as unknown as TraceContext);

// Strings that look like headers most of the time, so the parsers get past their first checks.
const headerish = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.array(fc.constantFrom('0', '1', 'f', 'F', 'a', '-', ';', '=', ',', ' ', '\t', 'Root', 'Parent', 'Sampled', '?', '@', 'é'), { maxLength: 80 }).map((a) => a.join('')),
  w3cContext.map((c) => formatTraceparent(c)!).chain((h) => fc.nat(h.length).map((i) => h.slice(0, i) + h.slice(i + 1))),
);

describe('random input never throws', () => {
  test('codecs', () => {
    fc.assert(fc.property(headerish, headerish, (a, b) => {
      parseTraceparent(a, b);
      parseTraceparent([a, b]);
      parseTracestate(a);
      parseXrayHeader(a);
    }), RUNS);
  });

  test('record readers, on any shape at all', () => {
    fc.assert(fc.property(fc.anything(), headerish, (value, header) => {
      sqsRecordContext(value as never);
      sqsRecordContext({
        messageAttributes: { traceparent: { stringValue: header }, tracestate: value as never },
        attributes: { AWSTraceHeader: header },
        body: header,
      });
      sqsRecordContext({ body: JSON.stringify({ Type: 'Notification', MessageAttributes: { traceparent: { Value: value } } }) + header });
      snsRecordContext(value as never);
      eventBridgeEventContext(value);
      eventBridgeEventContext({ detail: { _trace: { traceparent: value, tracestate: header } } });
    }), RUNS);
  });
});

describe('data never makes a runtime function throw', () => {
  const context: fc.Arbitrary<unknown> = fc.oneof(
    w3cContext, xrayContext, fc.anything(), fc.record({ traceId: hex(32), parentId: hex(16), traceState: fc.anything() }),
  );
  const message = fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom('MessageBody', 'Message', 'MessageAttributes', 'MessageSystemAttributes', 'Detail', 'Source',
    'DetailType', 'Resources', 'Time', 'TraceHeader'), fc.anything()));

  test('injectors, on any message and any context', () => {
    fc.assert(fc.property(message, context, (m, c) => {
      const copy = () => (m !== null && typeof m === 'object' ? structuredClone(m) : m) as never;
      injectSqsMessage(copy(), c as TraceContext);
      injectSnsMessage(copy(), c as TraceContext);
      injectEventBridgeEntry(copy(), c as TraceContext);
    }), RUNS);
  });

  test('processSqsBatch, on any event, with handlers throwing anything', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const events = fc.oneof(fc.anything(), fc.record({ Records: fc.array(fc.oneof(fc.anything(), fc.record({ messageId: fc.string() }))) }));
      await fc.assert(fc.asyncProperty(events, fc.anything(),
        async (event, thrown) => {
          const result = await processSqsBatch(event as never, () => { throw thrown; });
          expect(Object.keys(result)).toEqual(['batchItemFailures']);
        }), { numRuns: 500 });
    } finally {
      warn.mockRestore();
    }
  });
});

describe('tracestate is bounded whatever comes in', () => {
  const members = fc.array(fc.oneof(tracestateMember, fc.constantFrom('', ' ', '\t')), { maxLength: 80 });
  const long = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,30}$/), fc.stringMatching(/^[!-+\--<>-~]{100,256}$/)).map(([k, v]) => `${k}=${v}`);

  test('at most 32 members and 512 characters, no empty member, idempotent, members kept in order', () => {
    fc.assert(fc.property(fc.array(fc.oneof(members.map((m) => m.join(',')), long), { minLength: 1, maxLength: 6 }).map((p) => p.join(',')), (value) => {
      const bounded = parseTracestate(value);
      if (bounded === undefined) return;
      const kept = bounded.split(',');
      expect(kept.length).toBeLessThanOrEqual(32);
      expect(bounded.length).toBeLessThanOrEqual(512);
      expect(kept).not.toContain('');
      expect(parseTracestate(bounded)).toBe(bounded);
      // A subsequence of the input's members, in their order.
      const given = value.split(',').map((m) => m.trim()).filter(Boolean);
      let at = 0;
      for (const member of kept) {
        at = given.indexOf(member, at) + 1;
        expect(at).toBeGreaterThan(0);
      }
    }), { numRuns: 500 });
  });
});

describe('parse(format(context)) is the identity on valid contexts', () => {
  test('W3C', () => {
    fc.assert(fc.property(w3cContext, (context) => {
      expect(parseTraceparent(formatTraceparent(context), context.traceState)).toEqual(context);
    }), RUNS);
  });

  test('X-Ray', () => {
    fc.assert(fc.property(xrayContext, (context) => {
      expect(parseXrayHeader(formatXrayHeader(context))).toEqual(context);
    }), RUNS);
  });

  test('format(parse(header)) is stable for any header that parses', () => {
    fc.assert(fc.property(headerish, (header) => {
      const once = parseXrayHeader(header);
      if (once) expect(parseXrayHeader(formatXrayHeader(once))).toEqual(once);
      const w3c = parseTraceparent(header);
      if (w3c) expect(parseTraceparent(formatTraceparent(w3c))).toEqual({ ...w3c, traceFlags: w3c.traceFlags! & 3 });
    }), RUNS);
  });
});
