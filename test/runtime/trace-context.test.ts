import { formatTraceparent, parseTraceparent, parseTracestate } from '../../src/runtime';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${SPAN}-01`;
const members = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join(',');

describe('parseTraceparent (W3C Trace Context Level 2)', () => {
  test('parses a valid header', () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: TRACE, parentId: SPAN, traceFlags: 1, sampled: true });
  });

  test.each([
    ['optional whitespace around the value', `  \t${VALID} \t`],
    ['a single value given as an array', [VALID]],
    ['a future version with trailing fields after a dash', `cc-${TRACE}-${SPAN}-01-what-the-future-holds`],
    ['a future version of exactly 55 characters', `01-${TRACE}-${SPAN}-01`],
  ])('accepts %s', (_name, header) => {
    expect(parseTraceparent(header)).toMatchObject({ traceId: TRACE, parentId: SPAN, sampled: true });
  });

  test.each([
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['version 00 with trailing data', `${VALID}-extra`],
    ['version 00 with trailing data not after a dash', `${VALID}x`],
    ['a future version with trailing data not after a dash', `cc-${TRACE}-${SPAN}-01x`],
    ['a version that is not hex', `0x-${TRACE}-${SPAN}-01`],
    ['an uppercase version', `0A-${TRACE}-${SPAN}-01`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['an uppercase trace id', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['an uppercase parent id', `00-${TRACE}-00F067AA0BA902B7-01`],
    ['uppercase flags', `00-${TRACE}-${SPAN}-0A`],
    ['a short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['a long parent id', `00-${TRACE}-${SPAN}0-01`],
    ['one-digit flags', `00-${TRACE}-${SPAN}-1`],
    ['non-hex flags', `00-${TRACE}-${SPAN}-0g`],
    ['a wrong delimiter', `00_${TRACE}_${SPAN}_01`],
    ['a non-ASCII character', `00-${TRACE.slice(0, 31)}é-${SPAN}-01`],
    ['two traceparent values', [VALID, VALID]],
    ['two values in one header', `${VALID},${VALID}`],
    ['an empty array', []],
    ['an empty value', ''],
    ['nothing', undefined],
    ['null', null],
  ])('rejects %s', (_name, header) => {
    expect(parseTraceparent(header as never)).toBeUndefined();
  });

  test('keeps every flag bit it reads; sampled is bit 0', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-09`)).toMatchObject({ traceFlags: 9, sampled: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-fe`)).toMatchObject({ traceFlags: 0xfe, sampled: false });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-1a`)).toMatchObject({ traceFlags: 0x1a, sampled: false });
  });

  test('keeps a valid tracestate, drops an invalid one alone', () => {
    expect(parseTraceparent(VALID, 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE')?.traceState).toBe('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE');
    const dropped = parseTraceparent(VALID, 'Rojo=1');
    expect(dropped).toEqual({ traceId: TRACE, parentId: SPAN, traceFlags: 1, sampled: true });
  });
});

describe('parseTracestate', () => {
  test.each([
    ['a simple list', 'rojo=1,congo=2', 'rojo=1,congo=2'],
    ['keys starting with a digit and containing @ (Level 2)', '1vendor=a,tenant@system=b', '1vendor=a,tenant@system=b'],
    ['all key characters', 'a0_-*/@=v', 'a0_-*/@=v'],
    ['optional whitespace and empty members, dropped', ' rojo=1 ,, \t,congo=2\t', 'rojo=1,congo=2'],
    ['a value with an inner and a leading space', 'rojo= a b', 'rojo= a b'],
    ['duplicate keys', 'rojo=1,rojo=2', 'rojo=1,rojo=2'],
    ['several header values, joined', ['rojo=1', 'congo=2'], 'rojo=1,congo=2'],
    ['32 members', members(32), members(32)],
    ['a 256-character key and a 255-character value (512 characters)', `${'k'.repeat(256)}=${'v'.repeat(255)}`, `${'k'.repeat(256)}=${'v'.repeat(255)}`],
    ['empty members without whitespace (dropped, always)', 'rojo=1,,congo=2,', 'rojo=1,congo=2'],
  ])('accepts %s', (_name, value, expected) => {
    expect(parseTracestate(value)).toBe(expected);
  });

  test.each([
    ['an uppercase key', 'Rojo=1'],
    ['a key starting with an underscore', '_rojo=1'],
    ['a key with a dot', 'ro.jo=1'],
    ['a member without =', 'rojo'],
    ['an empty key', '=1'],
    ['an empty value', 'rojo='],
    ['a value containing =', 'rojo=a=b'],
    ['a value with a tab', 'rojo=a\tb'],
    ['a value with a non-ASCII character', 'rojo=é'],
    ['a 257-character key', `${'k'.repeat(257)}=v`],
    ['a 257-character value', `k=${'v'.repeat(257)}`],
    ['one invalid member among valid ones', 'rojo=1,BAD=2,congo=3'],
  ])('discards the whole value for %s', (_name, value) => {
    expect(parseTracestate(value)).toBeUndefined();
  });

  test('an empty or whitespace-only header is no tracestate', () => {
    expect(parseTracestate('')).toBeUndefined();
    expect(parseTracestate(' , ,')).toBeUndefined();
    expect(parseTracestate(undefined)).toBeUndefined();
  });
});

// W3C Trace Context Level 2, tracestate limits: https://www.w3.org/TR/trace-context-2/#tracestate-limits
describe('parseTracestate bounds what it returns as Level 2 says', () => {
  test.each([
    ['33 members: the last one goes', members(33), members(32)],
    ['40 members: the last 8 go', members(40), members(32)],
    ['33 members with one over 128 characters: the long one goes, not the last', `${members(16)},long=${'x'.repeat(124)},j0=v,j1=v,j2=v,j3=v,j4=v,j5=v,j6=v,j7=v,j8=v,j9=v,j10=v,j11=v,j12=v,j13=v,j14=v,j15=v`,
      `${members(16)},j0=v,j1=v,j2=v,j3=v,j4=v,j5=v,j6=v,j7=v,j8=v,j9=v,j10=v,j11=v,j12=v,j13=v,j14=v,j15=v`],
    ['513 characters, none over 128: the last member goes', `${'a'.repeat(100)}=1,${'b'.repeat(100)}=1,${'c'.repeat(100)}=1,${'d'.repeat(100)}=1,e=${'v'.repeat(99)}`,
      `${'a'.repeat(100)}=1,${'b'.repeat(100)}=1,${'c'.repeat(100)}=1,${'d'.repeat(100)}=1`],
    ['over 512 characters with a long entry in the middle: the long one goes, the last ones stay', `k=1,long=${'x'.repeat(250)},a=${'y'.repeat(100)},b=${'z'.repeat(100)},c=${'w'.repeat(120)}`,
      `k=1,a=${'y'.repeat(100)},b=${'z'.repeat(100)},c=${'w'.repeat(120)}`],
    ['two long entries: the rightmost first, and only as many as needed', `a=${'x'.repeat(253)},b=${'y'.repeat(253)},c=1`, `a=${'x'.repeat(253)},c=1`],
    ['a single 513-character member: nothing left', `${'k'.repeat(256)}=${'v'.repeat(256)}`, undefined],
    ['optional whitespace counts for nothing', ` a=${'x'.repeat(254)} ,\t b=${'y'.repeat(253)}`, `a=${'x'.repeat(254)},b=${'y'.repeat(253)}`],
  ])('%s', (_name, value, expected) => {
    expect(parseTracestate(value)).toBe(expected);
  });

  test('a 200 KB tracestate is never forwarded as is, and an invalid member anywhere in it still discards it', () => {
    const huge = `${'rojo=1,'.repeat(30_000)}congo=2`;
    expect(huge.length).toBeGreaterThan(200_000);
    expect(parseTracestate(huge)).toBe(Array(32).fill('rojo=1').join(','));
    expect(parseTraceparent(VALID, huge)?.traceState).toBe(Array(32).fill('rojo=1').join(','));
    expect(parseTracestate(`${huge},BAD=1`)).toBeUndefined();
  });

  test('exactly 32 members and 512 characters are kept as given', () => {
    const value = `a=${'x'.repeat(254)},b=${'y'.repeat(253)}`;
    expect(value.length).toBe(512);
    expect(parseTracestate(value)).toBe(value);
  });
});

describe('formatTraceparent', () => {
  test('always writes version 00 and two-digit flags, clearing unknown bits', () => {
    expect(formatTraceparent({ traceId: TRACE, parentId: SPAN, traceFlags: 0xff })).toBe(`00-${TRACE}-${SPAN}-03`);
    expect(formatTraceparent({ traceId: TRACE, parentId: SPAN, traceFlags: 0x09 })).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(formatTraceparent({ traceId: TRACE, parentId: SPAN, sampled: true })).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(formatTraceparent({ traceId: TRACE, parentId: SPAN })).toBe(`00-${TRACE}-${SPAN}-00`);
  });

  test('a future version is written back as 00', () => {
    expect(formatTraceparent(parseTraceparent(`cc-${TRACE}-${SPAN}-01-future`))).toBe(VALID);
  });

  test.each([
    ['no context', undefined],
    ['no parent id (an X-Ray root-only header)', { traceId: TRACE }],
    ['an all-zero trace id', { traceId: '0'.repeat(32), parentId: SPAN }],
    ['an all-zero parent id', { traceId: TRACE, parentId: '0'.repeat(16) }],
    ['an uppercase id', { traceId: TRACE.toUpperCase(), parentId: SPAN }],
    ['a short id', { traceId: TRACE.slice(2), parentId: SPAN }],
  ])('gives undefined for %s', (_name, context) => {
    expect(formatTraceparent(context as never)).toBeUndefined();
  });
});
