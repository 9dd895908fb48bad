import { formatTraceparent, HeaderValue, HEX_ANY_CASE, hexRun, isOws, isValidId, parseTraceparent, singleValue, TraceContext } from './trace-context';


/**
 * Parses an X-Ray trace header (`X-Amzn-Trace-Id`, SQS `AWSTraceHeader`, `_X_AMZN_TRACE_ID`). Keys are
 * case-insensitive and in any order, parts are trimmed, a short epoch is left-padded and uppercase hex is
 * lowercased. `Lineage` and unknown fields are kept verbatim. A root-only header (Lambda PassThrough)
 * gives a trace id without a parent. Undefined, never an exception, when the header is unusable: no
 * `Root`, a root version other than 1, an id that is not hex or has the wrong length, a `Sampled` other
 * than `0`, `1` or `?`, an empty key, or a key given twice.
 */
export function parseXrayHeader(header: HeaderValue): TraceContext | undefined {
  const s = singleValue(header);
  if (s === undefined) return undefined;
  let traceId: string | undefined;
  let parentId: string | undefined;
  let sampled: boolean | undefined;
  let lineage: string | undefined;
  let extra: string | undefined;
  let seen = 0;
  for (let start = 0; start < s.length;) {
    let end = s.indexOf(';', start);
    if (end < 0) end = s.length;
    let a = start;
    let b = end;
    while (a < b && isOws(s.charCodeAt(a))) a++;
    while (b > a && isOws(s.charCodeAt(b - 1))) b--;
    start = end + 1;
    if (a === b) continue;
    const eq = s.indexOf('=', a);
    if (eq < 0 || eq >= b) return undefined;
    let keyEnd = eq;
    while (keyEnd > a && isOws(s.charCodeAt(keyEnd - 1))) keyEnd--;
    let v = eq + 1;
    while (v < b && isOws(s.charCodeAt(v))) v++;
    if (keyEnd === a) return undefined;
    const field = knownField(s, a, keyEnd);
    if (field !== 0) {
      if (seen & field) return undefined;
      seen |= field;
    }
    switch (field) {
      case ROOT:
        traceId = parseRoot(s, v, b);
        if (traceId === undefined) return undefined;
        break;
      case PARENT:
        if (b - v !== 16 || hexRun(s, v, b, HEX_ANY_CASE) !== 1) return undefined;
        parentId = s.slice(v, b).toLowerCase();
        break;
      case SAMPLED:
        if (b - v !== 1) return undefined;
        switch (s.charCodeAt(v)) {
          case 49: sampled = true; break;
          case 48: sampled = false; break;
          case 63: sampled = undefined; break;
          default: return undefined;
        }
        break;
      case LINEAGE:
        lineage = s.slice(v, b);
        break;
      default:
        extra = extra === undefined ? s.slice(a, b) : `${extra};${s.slice(a, b)}`;
    }
  }
  if (traceId === undefined) return undefined;
  const context: { -readonly [K in keyof TraceContext]: TraceContext[K] } = { traceId };
  if (parentId !== undefined) context.parentId = parentId;
  if (sampled !== undefined) context.sampled = sampled;
  if (lineage !== undefined) context.lineage = lineage;
  if (extra !== undefined) context.extra = extra;
  return context;
}

/**
 * Formats an X-Ray trace header from a parsed one or a W3C context (`sampled` from the flags when not
 * given). `Lineage` and the other fields are re-emitted verbatim. Undefined when the trace id, or a
 * given parent id, is malformed or all zeros.
 */
export function formatXrayHeader(context: TraceContext | undefined): string | undefined {
  if (!context || !isValidId(context.traceId, 32)) return undefined;
  const { traceId, parentId } = context;
  if (parentId !== undefined && !isValidId(parentId, 16)) return undefined;
  let header = `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
  if (parentId !== undefined) header += `;Parent=${parentId}`;
  const sampled = context.sampled ?? (typeof context.traceFlags === 'number' ? (context.traceFlags & 1) === 1 : undefined);
  if (sampled !== undefined) header += sampled ? ';Sampled=1' : ';Sampled=0';
  if (context.lineage) header += `;Lineage=${context.lineage}`;
  if (context.extra) header += `;${context.extra}`;
  return header;
}

/** The `traceparent` for an X-Ray header; undefined when it has no parent (W3C needs one). */
export function xrayToTraceparent(header: HeaderValue): string | undefined {
  return formatTraceparent(parseXrayHeader(header));
}

/** The X-Ray header for a `traceparent`. */
export function traceparentToXray(traceparent: HeaderValue): string | undefined {
  return formatXrayHeader(parseTraceparent(traceparent));
}

/**
 * The trace header of the current Lambda invocation: from the runtime's InvokeStore (which keeps one
 * per concurrent invocation), else `_X_AMZN_TRACE_ID`.
 */
export function lambdaTraceHeader(): string | undefined {
  const store = (globalThis as { awslambda?: { InvokeStore?: { getXRayTraceId?: () => unknown } } }).awslambda?.InvokeStore;
  const fromStore = typeof store?.getXRayTraceId === 'function' ? store.getXRayTraceId() : undefined;
  return typeof fromStore === 'string' ? fromStore : process.env._X_AMZN_TRACE_ID;
}

const ROOT = 1;
const PARENT = 2;
const SAMPLED = 4;
const LINEAGE = 8;

/** Which known field s[from, to) names, case-insensitively; 0 for any other key. */
function knownField(s: string, from: number, to: number): number {
  switch (to - from) {
    case 4: return equalsIgnoreCase(s, from, 'root') ? ROOT : 0;
    case 6: return equalsIgnoreCase(s, from, 'parent') ? PARENT : 0;
    case 7: return equalsIgnoreCase(s, from, 'sampled') ? SAMPLED : equalsIgnoreCase(s, from, 'lineage') ? LINEAGE : 0;
    default: return 0;
  }
}

function equalsIgnoreCase(s: string, from: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    if ((s.charCodeAt(from + i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** `1-<epoch, up to 8 hex>-<24 hex>` to a 32-character lowercase trace id. */
function parseRoot(s: string, from: number, to: number): string | undefined {
  if (to - from < 28 || s.charCodeAt(from) !== 49 || s.charCodeAt(from + 1) !== 45) return undefined;
  const dash = to - 25;
  const epochLength = dash - from - 2;
  if (epochLength < 1 || epochLength > 8 || s.charCodeAt(dash) !== 45) return undefined;
  if (hexRun(s, from + 2, dash, HEX_ANY_CASE) < 0 || hexRun(s, dash + 1, to, HEX_ANY_CASE) < 0) return undefined;
  const traceId = ('00000000' + s.slice(from + 2, dash)).slice(-8) + s.slice(dash + 1, to);
  const lower = traceId.toLowerCase();
  return hexRun(lower, 0, 32) === 1 ? lower : undefined;
}

