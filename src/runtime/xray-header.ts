import {
  backOws, formatTraceparent, HeaderValue, hexRun, isValidContext, ParsedContext, parseTraceparent, singleValue, skipOws, TraceContext,
} from './trace-context';

/**
 * Parses an X-Ray trace header (`X-Amzn-Trace-Id`, SQS `AWSTraceHeader`, `_X_AMZN_TRACE_ID`). Keys are
 * case-insensitive and in any order, parts are trimmed, a short epoch is left-padded and uppercase hex is
 * lowercased. `Lineage` (unless empty) and unknown fields are kept verbatim. A root-only header (Lambda PassThrough)
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
  const seen: string[] = [];
  for (let start = 0; start < s.length;) {
    let end = s.indexOf(';', start);
    if (end < 0) end = s.length;
    const a = skipOws(s, start, end);
    const b = backOws(s, a, end);
    start = end + 1;
    if (a === b) continue;
    const eq = s.indexOf('=', a);
    if (eq < 0 || eq >= b) return undefined;
    const keyEnd = backOws(s, a, eq);
    const v = skipOws(s, eq + 1, b);
    if (keyEnd === a) return undefined;
    const key = s.slice(a, keyEnd).toLowerCase();
    if (seen.includes(key)) return undefined;
    switch (key) {
      case 'root':
        traceId = parseRoot(s, v, b);
        if (traceId === undefined) return undefined;
        break;
      case 'parent': {
        const hex = b - v === 16 ? hexRun(s, v, b) : -1;
        if (hex <= 0) return undefined;
        parentId = hex & 16 ? s.slice(v, b).toLowerCase() : s.slice(v, b);
        break;
      }
      case 'sampled': {
        const value = b - v === 1 ? s.charCodeAt(v) : 0;
        if (value !== 48 && value !== 49 && value !== 63) return undefined;
        sampled = value === 63 ? undefined : value === 49;
        break;
      }
      case 'lineage':
        lineage = s.slice(v, b);
        break;
      default:
        extra = extra === undefined ? s.slice(a, b) : `${extra};${s.slice(a, b)}`;
        continue;
    }
    seen.push(key);
  }
  // An empty Lineage carries nothing and would not survive formatting: it is no Lineage.
  return traceId === undefined ? undefined : new ParsedContext(traceId, parentId, undefined, sampled, undefined, lineage || undefined, extra);
}

/**
 * Formats an X-Ray trace header from a parsed one or a W3C context (`sampled` from the flags when not
 * given). `Lineage` and the other fields are re-emitted verbatim. Undefined when the trace id, or a
 * given parent id, is malformed or all zeros.
 */
export function formatXrayHeader(context: TraceContext | undefined): string | undefined {
  if (!isValidContext(context, false)) return undefined;
  const { traceId, parentId } = context;
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

/** A root to a 32-character lowercase trace id: `1-<epoch, 1-8 hex digits>-<24 hex digits>`, any case. */
function parseRoot(s: string, from: number, to: number): string | undefined {
  const dash = to - 25;
  const epochLength = dash - from - 2;
  if (epochLength < 1 || epochLength > 8 || s.charCodeAt(from) !== 49 || s.charCodeAt(from + 1) !== 45 || s.charCodeAt(dash) !== 45) return undefined;
  const run = hexRun(s, from + 2, dash) | hexRun(s, dash + 1, to);
  if (run <= 0) return undefined;
  const traceId = '0'.repeat(8 - epochLength) + s.slice(from + 2, dash) + s.slice(dash + 1, to);
  return run & 16 ? traceId.toLowerCase() : traceId;
}
