/**
 * A position in a trace, as the W3C `traceparent`/`tracestate` and the X-Ray `X-Amzn-Trace-Id` headers
 * carry it. The parse functions return this shape and the format functions accept it, so
 * `format(parse(header))` round-trips.
 */
export interface TraceContext {
  /** The trace id: 32 lowercase hex characters (an X-Ray `Root=1-<8>-<24>` without its dashes). */
  readonly traceId: string;
  /** The id of the caller's span (W3C `parent-id`, X-Ray `Parent`): 16 lowercase hex characters. */
  readonly parentId?: string;
  /** W3C trace flags: bit 0 is `sampled`, bit 1 `random-trace-id`. */
  readonly traceFlags?: number;
  /** Whether the caller recorded the trace; undefined when it left the decision open (X-Ray `Sampled=?`). */
  readonly sampled?: boolean;
  /** The W3C `tracestate`, members joined by commas. */
  readonly traceState?: string;
  /** The X-Ray `Lineage` field, verbatim: Lambda's recursive-loop detection reads it. */
  readonly lineage?: string;
  /** Other X-Ray fields, verbatim (`Key=value;Key=value`). */
  readonly extra?: string;
}

/** A header as carriers deliver it: one value, several values, or none. */
export type HeaderValue = string | readonly string[] | undefined | null;

/** Flags Level 2 defines (sampled, random-trace-id); others are cleared when formatting. */
const KNOWN_FLAGS = 0x03;
const DASH = 45;
const MAX_TRACESTATE_MEMBERS = 32;

/** Hex digit values by char code: -1 for anything else. Lowercase only (W3C); `HEX_ANY_CASE` adds A-F. */
export const HEX = new Int8Array(128).fill(-1);
export const HEX_ANY_CASE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  const lower = i < 10 ? 48 + i : 87 + i;
  HEX[lower] = i;
  HEX_ANY_CASE[lower] = i;
  if (i >= 10) HEX_ANY_CASE[55 + i] = i;
}

/** 1 when s[from, to) is hex and not all zeros, 0 when all zeros, -1 when not hex. */
export function hexRun(s: string, from: number, to: number, table: Int8Array = HEX): number {
  let nonZero = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || table[c] < 0) return -1;
    nonZero |= c ^ 48;
  }
  return nonZero === 0 ? 0 : 1;
}

/** Whether `id` is `length` lowercase hex characters, not all zeros. */
export function isValidId(id: unknown, length: number): id is string {
  return typeof id === 'string' && id.length === length && hexRun(id, 0, length) === 1;
}

export function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

/** The one value of a header; undefined when there is none or more than one. */
export function singleValue(value: HeaderValue): string | undefined {
  if (typeof value === 'string') return value;
  return Array.isArray(value) && value.length === 1 && typeof value[0] === 'string' ? value[0] : undefined;
}

/**
 * Parses a W3C Trace Context Level 2 `traceparent` (and its `tracestate`). Returns undefined, so the
 * caller starts a new trace, for anything the specification rejects: version `ff`, trailing data on
 * version `00`, uppercase or non-hex characters, all-zero ids, more than one `traceparent` value.
 * An invalid `tracestate` is dropped alone: the `traceparent` stays valid.
 */
export function parseTraceparent(traceparent: HeaderValue, tracestate?: HeaderValue): TraceContext | undefined {
  const raw = singleValue(traceparent);
  if (raw === undefined) return undefined;
  const s = trimOws(raw);
  const n = s.length;
  if (n < 55 || s.charCodeAt(2) !== DASH || s.charCodeAt(35) !== DASH || s.charCodeAt(52) !== DASH) return undefined;
  if (hexRun(s, 0, 2) < 0 || (s.charCodeAt(0) === 102 && s.charCodeAt(1) === 102)) return undefined;
  // Version 00 is exactly 55 characters; a later version may only add fields after another dash.
  if (n > 55 && ((s.charCodeAt(0) === 48 && s.charCodeAt(1) === 48) || s.charCodeAt(55) !== DASH)) return undefined;
  if (hexRun(s, 3, 35) !== 1 || hexRun(s, 36, 52) !== 1 || hexRun(s, 53, 55) < 0) return undefined;
  const traceFlags = HEX[s.charCodeAt(53)] * 16 + HEX[s.charCodeAt(54)];
  const context: { -readonly [K in keyof TraceContext]: TraceContext[K] } = {
    traceId: s.slice(3, 35),
    parentId: s.slice(36, 52),
    traceFlags,
    sampled: (traceFlags & 1) === 1,
  };
  const traceState = tracestate === undefined ? undefined : parseTracestate(tracestate);
  if (traceState !== undefined) context.traceState = traceState;
  return context;
}

/**
 * Validates a `tracestate` (several values are joined): at most 32 members, Level 2 keys (starting with
 * a lowercase letter or digit, `@` allowed), values of printable ASCII. Empty members and optional
 * whitespace are dropped; any invalid member discards the whole value. Duplicate keys are kept.
 */
export function parseTracestate(value: HeaderValue): string | undefined {
  const s = typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : undefined;
  if (s === undefined) return undefined;
  let members = 0;
  let normalized = '';
  let untouched = true;
  for (let start = 0; start <= s.length;) {
    let end = s.indexOf(',', start);
    if (end < 0) end = s.length;
    let a = start;
    let b = end;
    while (a < b && isOws(s.charCodeAt(a))) a++;
    while (b > a && isOws(s.charCodeAt(b - 1))) b--;
    if (a === b) {
      untouched = false;
    } else {
      if (++members > MAX_TRACESTATE_MEMBERS || !isValidMember(s, a, b)) return undefined;
      if (a !== start || b !== end) untouched = false;
      normalized = members === 1 ? s.slice(a, b) : `${normalized},${s.slice(a, b)}`;
    }
    start = end + 1;
  }
  if (members === 0) return undefined;
  return untouched ? s : normalized;
}

function isValidMember(s: string, from: number, to: number): boolean {
  const eq = s.indexOf('=', from);
  if (eq <= from || eq >= to - 1 || eq - from > 256 || to - eq - 1 > 256) return false;
  const first = s.charCodeAt(from);
  if (!((first >= 97 && first <= 122) || (first >= 48 && first <= 57))) return false;
  for (let i = from + 1; i < eq; i++) {
    const c = s.charCodeAt(i);
    // a-z 0-9 _ - * / @
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45 || c === 42 || c === 47 || c === 64)) return false;
  }
  for (let i = eq + 1; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x2c || c === 0x3d) return false;
  }
  return true;
}

/**
 * Formats a `traceparent`: always version `00`, flags as two hex digits with unknown bits cleared.
 * Undefined when the trace id or parent id is missing, malformed or all zeros.
 */
export function formatTraceparent(context: TraceContext | undefined): string | undefined {
  if (!context || !isValidId(context.traceId, 32) || !isValidId(context.parentId, 16)) return undefined;
  const flags = (typeof context.traceFlags === 'number' ? context.traceFlags : context.sampled ? 1 : 0) & KNOWN_FLAGS;
  return `00-${context.traceId}-${context.parentId}-0${flags}`;
}

export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isOws(s.charCodeAt(a))) a++;
  while (b > a && isOws(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
