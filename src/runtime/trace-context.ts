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
/**
 * W3C Trace Context Level 2, "tracestate Limits" (https://www.w3.org/TR/trace-context-2/#tracestate-limits):
 * at most 32 list-members; vendors SHOULD propagate at least 512 characters of the combined header, commas
 * included; when truncating, whole entries go, those longer than 128 characters first, then from the end.
 */
const MAX_TRACESTATE_MEMBERS = 32;
const MAX_TRACESTATE_LENGTH = 512;
const LONG_TRACESTATE_MEMBER = 128;

/**
 * Every UTF-16 code unit to its hex value: -1 when not a hex digit, and uppercase A-F marked with bit 4
 * (26-31), so OR-ing a run's values tells invalid (negative), all zeros (0) and uppercase (bit 4) in one
 * branch-free pass. 64 KB, and a third faster than a bounds-checked 128-entry table.
 */
const HEX = new Int8Array(65536).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX[i < 10 ? 48 + i : 87 + i] = i;
  if (i > 9) HEX[55 + i] = i + 16;
}

/**
 * A context this module's parsers built, so already valid: formatting it skips validation, which on a
 * trace header is most of the work.
 */
export class ParsedContext implements TraceContext {
  // Declared, then assigned in the constructor: ES2022 class fields would compile to definitions on top of
  // the assignments, in every bundle.
  declare readonly traceId: string;
  declare readonly parentId?: string;
  declare readonly traceFlags?: number;
  declare readonly sampled?: boolean;
  declare readonly traceState?: string;
  declare readonly lineage?: string;
  declare readonly extra?: string;
  constructor(traceId: string, parentId?: string, traceFlags?: number, sampled?: boolean, traceState?: string, lineage?: string, extra?: string) {
    this.traceId = traceId;
    this.parentId = parentId;
    this.traceFlags = traceFlags;
    this.sampled = sampled;
    this.traceState = traceState;
    this.lineage = lineage;
    this.extra = extra;
  }
}
/** A tracestate list member (Level 2 key grammar, printable value not ending in a space). */
const MEMBER = /^[a-z0-9][a-z0-9_\-*/@]{0,255}=[ -+\--<>-~]{0,255}[!-+\--<>-~]$/;

/** For s[from, to): negative when not all hex, 0 when all zeros, bit 4 set when a letter is uppercase. */
export function hexRun(s: string, from: number, to: number): number {
  let acc = 0;
  for (let i = from; i < to; i++) acc |= HEX[s.charCodeAt(i)];
  return acc;
}

/** Lowercase hex, not all zeros: what W3C ids are. */
function isLowerHexId(run: number): boolean {
  return run > 0 && (run & 16) === 0;
}

/** Whether `id` is `length` lowercase hex characters, not all zeros. */
export function isValidId(id: unknown, length: number): id is string {
  return typeof id === 'string' && id.length === length && isLowerHexId(hexRun(id, 0, length));
}

/** Whether a context has a valid trace id and, when `parentRequired` or given, a valid parent id. */
export function isValidContext(context: TraceContext | undefined, parentRequired: boolean): context is TraceContext {
  if (context instanceof ParsedContext) return !parentRequired || context.parentId !== undefined;
  return !!context && isValidId(context.traceId, 32)
    && (context.parentId === undefined ? !parentRequired : isValidId(context.parentId, 16));
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
  const version = hexRun(s, 0, 2);
  if (version < 0 || version & 16 || s.startsWith('ff')) return undefined;
  // Version 00 is exactly 55 characters; a later version may only add fields after another dash.
  if (n > 55 && (version === 0 || s.charCodeAt(55) !== DASH)) return undefined;
  const flags = hexRun(s, 53, 55);
  if (!isLowerHexId(hexRun(s, 3, 35)) || !isLowerHexId(hexRun(s, 36, 52)) || flags < 0 || flags & 16) return undefined;
  const traceFlags = HEX[s.charCodeAt(53)] * 16 + HEX[s.charCodeAt(54)];
  const traceState = tracestate === undefined ? undefined : parseTracestate(tracestate);
  return new ParsedContext(s.slice(3, 35), s.slice(36, 52), traceFlags, (traceFlags & 1) === 1, traceState);
}

/**
 * Validates a `tracestate` (several values are joined): Level 2 keys (starting with a lowercase letter or
 * digit, `@` allowed), values of printable ASCII; any invalid member discards the whole value. Optional
 * whitespace and empty members are always dropped, and the result is bounded as Level 2 says: at most 32
 * members and 512 characters, entries over 128 characters removed first, then entries from the end.
 * Duplicate keys are kept. A value that needed none of this is returned as given.
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
    const raw = s.slice(start, end);
    const member = trimOws(raw);
    if (member !== raw || !member) untouched = false;
    if (member) {
      if (!MEMBER.test(member)) return undefined;
      normalized = ++members === 1 ? member : `${normalized},${member}`;
    }
    start = end + 1;
  }
  if (members > MAX_TRACESTATE_MEMBERS || normalized.length > MAX_TRACESTATE_LENGTH) return truncateTracestate(normalized.split(','), normalized.length);
  // Nothing dropped: the value as given, with no new string.
  return untouched ? s : normalized || undefined;
}

/** Level 2 truncation of valid members: entries over 128 characters first, right to left, then the last ones. */
function truncateTracestate(members: string[], length: number): string | undefined {
  let count = members.length;
  const over = () => count > MAX_TRACESTATE_MEMBERS || length > MAX_TRACESTATE_LENGTH;
  for (let i = count; i-- && over();) {
    if (members[i].length > LONG_TRACESTATE_MEMBER) {
      length -= members[i].length + 1;
      count--;
      members[i] = '';
    }
  }
  members = members.filter(Boolean);
  for (; over(); count--) length -= members.pop()!.length + 1;
  return members.join(',') || undefined;
}

/** A context's `tracestate` as it may be sent: validated and bounded (a parsed context's already is). */
export function sendableTracestate(context: TraceContext): string | undefined {
  if (context instanceof ParsedContext) return context.traceState;
  return context.traceState ? parseTracestate(context.traceState) : undefined;
}

/** A JSON object (or any non-array object): what carriers and records are. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Formats a `traceparent`: always version `00`, flags as two hex digits with unknown bits cleared.
 * Undefined when the trace id or parent id is missing, malformed or all zeros.
 */
export function formatTraceparent(context: TraceContext | undefined): string | undefined {
  if (!isValidContext(context, true)) return undefined;
  const flags = (typeof context.traceFlags === 'number' ? context.traceFlags : context.sampled ? 1 : 0) & KNOWN_FLAGS;
  return `00-${context.traceId}-${context.parentId}-0${flags}`;
}

export function trimOws(s: string): string {
  const a = skipOws(s, 0, s.length);
  const b = backOws(s, a, s.length);
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** The first index of s[from, to) that is not optional whitespace, else `to`. */
export function skipOws(s: string, from: number, to: number): number {
  while (from < to && isOws(s.charCodeAt(from))) from++;
  return from;
}

/** The end of s[from, to) without its trailing optional whitespace. */
export function backOws(s: string, from: number, to: number): number {
  while (to > from && isOws(s.charCodeAt(to - 1))) to--;
  return to;
}
