import { formatXrayHeader, lambdaTraceHeader, parseXrayHeader, traceparentToXray, xrayToTraceparent } from '../../src/runtime';

const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const TRACE = '5759e988bd862e3fe1be46a994272793';
const PARENT = '53995c3f42cd8ad8';

describe('parseXrayHeader', () => {
  test('parses a full header', () => {
    expect(parseXrayHeader(`Root=${ROOT};Parent=${PARENT};Sampled=1`)).toEqual({ traceId: TRACE, parentId: PARENT, sampled: true });
  });

  test('keys are case-insensitive, in any order, parts trimmed', () => {
    expect(parseXrayHeader(` sampled = 0 ; PARENT=${PARENT};  root=${ROOT} ;`)).toEqual({ traceId: TRACE, parentId: PARENT, sampled: false });
  });

  test('a short epoch is left-padded and uppercase hex lowercased', () => {
    expect(parseXrayHeader('Root=1-759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8'))
      .toEqual({ traceId: '0759e988bd862e3fe1be46a994272793', parentId: PARENT });
  });

  test('a root-only header (Lambda PassThrough) has no parent and no sampling decision', () => {
    expect(parseXrayHeader(`Root=${ROOT}`)).toEqual({ traceId: TRACE });
  });

  test('Sampled=? leaves the decision open', () => {
    expect(parseXrayHeader(`Root=${ROOT};Parent=${PARENT};Sampled=?`)).toEqual({ traceId: TRACE, parentId: PARENT });
  });

  test('an unknown field may repeat: it is kept as given', () => {
    expect(parseXrayHeader(`Root=${ROOT};X=1;X=2`)).toEqual({ traceId: TRACE, extra: 'X=1;X=2' });
  });

  test('Lineage and unknown fields are kept verbatim and re-emitted', () => {
    const header = `Root=${ROOT};Parent=${PARENT};Sampled=1;Lineage=a87bd80c:1|68fd508a:5;Self=1-67891234-12456789abcdef012345678;CalledFrom=Foo`;
    const context = parseXrayHeader(header);
    expect(context).toEqual({
      traceId: TRACE,
      parentId: PARENT,
      sampled: true,
      lineage: 'a87bd80c:1|68fd508a:5',
      extra: 'Self=1-67891234-12456789abcdef012345678;CalledFrom=Foo',
    });
    expect(formatXrayHeader(context)).toBe(header);
  });

  test('an empty Lineage is no Lineage, so format(parse(header)) parses back the same', () => {
    for (const header of [`Root=${ROOT};Lineage=`, `Root=${ROOT};Parent=${PARENT};Sampled=1;Lineage= ;Foo=1`]) {
      const context = parseXrayHeader(header);
      expect(context?.lineage).toBeUndefined();
      expect(parseXrayHeader(formatXrayHeader(context))).toEqual(context);
    }
    expect(formatXrayHeader(parseXrayHeader(`Root=${ROOT};Lineage=`))).toBe(`Root=${ROOT}`);
    // Still a Lineage given: twice is unusable.
    expect(parseXrayHeader(`Root=${ROOT};Lineage=;Lineage=a`)).toBeUndefined();
  });

  test.each([
    ['no Root', `Parent=${PARENT};Sampled=1`],
    ['root version 2', 'Root=2-5759e988-bd862e3fe1be46a994272793'],
    ['a root with a non-hex character', 'Root=1-5759e988-bd862e3fe1be46a99427279z'],
    ['a root with a short random part', 'Root=1-5759e988-bd862e3fe1be46a99427279'],
    ['a root with a 9-digit epoch', 'Root=1-15759e988-bd862e3fe1be46a994272793'],
    ['an all-zero root', 'Root=1-00000000-000000000000000000000000'],
    ['a non-hex parent', `Root=${ROOT};Parent=53995c3f42cd8adx`],
    ['a parent of the wrong length', `Root=${ROOT};Parent=53995c3f42cd8a`],
    ['an all-zero parent', `Root=${ROOT};Parent=0000000000000000`],
    ['Sampled=2', `Root=${ROOT};Sampled=2`],
    ['an empty Sampled', `Root=${ROOT};Sampled=`],
    ['an empty key', `Root=${ROOT};=x`],
    ['a part without =', `Root=${ROOT};junk`],
    ['Root twice', `Root=${ROOT};Root=${ROOT}`],
    ['Parent twice, in different case', `Root=${ROOT};Parent=${'1'.repeat(16)};parent=${'2'.repeat(16)}`],
    ['two header values', [`Root=${ROOT}`, `Root=${ROOT}`]],
    ['an empty header', ''],
    ['nothing', undefined],
  ])('is unusable with %s', (_name, header) => {
    expect(parseXrayHeader(header as never)).toBeUndefined();
  });
});

describe('formatXrayHeader', () => {
  test('writes Root, Parent and Sampled, the decision taken from W3C flags when not given', () => {
    expect(formatXrayHeader({ traceId: TRACE, parentId: PARENT, traceFlags: 1 })).toBe(`Root=${ROOT};Parent=${PARENT};Sampled=1`);
    expect(formatXrayHeader({ traceId: TRACE, parentId: PARENT, traceFlags: 0 })).toBe(`Root=${ROOT};Parent=${PARENT};Sampled=0`);
    expect(formatXrayHeader({ traceId: TRACE })).toBe(`Root=${ROOT}`);
  });

  test.each([
    ['an all-zero trace id', { traceId: '0'.repeat(32) }],
    ['a malformed parent id', { traceId: TRACE, parentId: 'xyz' }],
    ['an all-zero parent id', { traceId: TRACE, parentId: '0'.repeat(16) }],
    ['no context', undefined],
  ])('gives undefined for %s', (_name, context) => {
    expect(formatXrayHeader(context as never)).toBeUndefined();
  });
});

describe('W3C <-> X-Ray', () => {
  test('converts both ways', () => {
    expect(xrayToTraceparent(`Root=${ROOT};Parent=${PARENT};Sampled=1`)).toBe(`00-${TRACE}-${PARENT}-01`);
    expect(traceparentToXray(`00-${TRACE}-${PARENT}-00`)).toBe(`Root=${ROOT};Parent=${PARENT};Sampled=0`);
    expect(xrayToTraceparent(`Root=${ROOT}`)).toBeUndefined();
    expect(traceparentToXray('garbage')).toBeUndefined();
  });
});

describe('lambdaTraceHeader', () => {
  const saved = process.env._X_AMZN_TRACE_ID;
  afterEach(() => {
    process.env._X_AMZN_TRACE_ID = saved;
    delete (globalThis as any).awslambda;
  });

  test('reads _X_AMZN_TRACE_ID', () => {
    process.env._X_AMZN_TRACE_ID = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
    expect(lambdaTraceHeader()).toBe(`Root=${ROOT};Parent=${PARENT};Sampled=1`);
  });

  test('prefers the runtime InvokeStore, which is per invocation under concurrency', () => {
    process.env._X_AMZN_TRACE_ID = 'Root=1-00000001-000000000000000000000001';
    (globalThis as any).awslambda = { InvokeStore: { getXRayTraceId: () => `Root=${ROOT}` } };
    expect(lambdaTraceHeader()).toBe(`Root=${ROOT}`);
  });

  test('falls back to the environment when the store has no invocation', () => {
    process.env._X_AMZN_TRACE_ID = `Root=${ROOT}`;
    (globalThis as any).awslambda = { InvokeStore: { getXRayTraceId: () => undefined } };
    expect(lambdaTraceHeader()).toBe(`Root=${ROOT}`);
  });
});
