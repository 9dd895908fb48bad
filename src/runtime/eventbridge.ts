import { currentTraceContext, warn, warnOnce } from './current-context';
import { formatTraceparent, HeaderValue, isRecord, parseTraceparent, sendableTracestate, TraceContext } from './trace-context';
import { formatXrayHeader } from './xray-header';

/** The default key of the W3C carrier inside `detail`. */
export const DEFAULT_EVENTBRIDGE_KEY = '_trace';
/**
 * PutEvents' limit on one entry's size, counted as EventBridge documents it: Time as 14 bytes, the UTF-8
 * bytes of Source, DetailType, Detail and each of Resources; `TraceHeader` does not count
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
 */
export const MAX_EVENTBRIDGE_ENTRY_BYTES = 262_144;

/** A `PutEvents` entry (the parts this module touches or measures). */
export interface EventBridgeEntryInput {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: Date;
  TraceHeader?: string;
}

/**
 * Adds trace context to an EventBridge `PutEvents` entry, in place: `TraceHeader` (X-Ray, which
 * EventBridge passes to targets but never puts in the event) and W3C context inside `Detail` under one
 * reserved key (`{"_trace":{"traceparent":..., "tracestate":...}}`), which every target receives. The
 * caller's JSON is kept byte for byte: the carrier is spliced in front. The W3C carrier is skipped, with a
 * warning, when `Detail` is not a string holding a JSON object (an object `Detail` is left as given: the
 * SDK takes a string), already has the key, or the entry would exceed the PutEvents size limit (that
 * warning once per process).
 *
 * @param context what to propagate; by default the active span, else the Lambda invocation's header
 * @param key the reserved key inside `detail`: non-empty, without `.` (input paths could not address it),
 *   and not a name every JavaScript object has (`constructor`, `__proto__`, ...); any other throws a TypeError
 */
export function injectEventBridgeEntry<T extends object>(
  entry: T & EventBridgeEntryInput,
  context: TraceContext | undefined = currentTraceContext(),
  key: string = DEFAULT_EVENTBRIDGE_KEY,
): T & EventBridgeEntryInput {
  checkEventBridgeKey(key);
  if (!context || typeof entry !== 'object' || entry === null) return entry;
  const xray = formatXrayHeader(context);
  if (xray !== undefined && entry.TraceHeader === undefined) entry.TraceHeader = xray;
  const traceparent = formatTraceparent(context);
  if (traceparent === undefined) return entry;

  let detail = '';
  let parsed: unknown;
  try {
    // Throws for a Detail that is not a string (the SDK takes a string; an object is left as given).
    detail = (entry.Detail ?? '{}').trim();
    parsed = JSON.parse(detail);
  } catch {
    // Not a string, or not JSON: `parsed` stays undefined.
  }
  if (!isRecord(parsed)) {
    warn('EventBridge Detail is not a string holding a JSON object: no W3C context');
    return entry;
  }
  // A carrier the caller put there stays.
  if (Object.hasOwn(parsed, key)) return entry;
  const traceState = sendableTracestate(context);
  const carrier = `${JSON.stringify(key)}:{"traceparent":"${traceparent}"${traceState ? `,"tracestate":${JSON.stringify(traceState)}` : ''}}`;
  // Spliced in rather than re-serialized, so the caller's JSON stays byte for byte.
  const withCarrier = Object.keys(parsed).length === 0 ? `{${carrier}}` : `{${carrier},${detail.slice(1)}`;
  if (entrySize(entry, withCarrier) > MAX_EVENTBRIDGE_ENTRY_BYTES) {
    warnOnce('EventBridge entry too large for W3C context: TraceHeader only');
    return entry;
  }
  entry.Detail = withCarrier;
  return entry;
}

/**
 * The producer's W3C context of a delivered EventBridge event: a Lambda target's event, or an SQS
 * record whose body is the event; `detail` alone (a `$.detail` input path) or a template with a top-level
 * carrier work too. Undefined, never an exception, when none is usable; only own properties are read, so a
 * key no carrier can have (`constructor`, ...) finds nothing.
 *
 * @param key the reserved key inside `detail`
 */
export function eventBridgeEventContext(event: unknown, key: string = DEFAULT_EVENTBRIDGE_KEY): TraceContext | undefined {
  let value = event as { body?: unknown; detail?: unknown } | null | undefined;
  if (typeof value?.body === 'string') {
    try {
      value = JSON.parse(value.body);
    } catch {
      return undefined;
    }
  }
  // The whole event carries detail[key]; a target given only $.detail, or a template, carries it at the top.
  const detail = value?.detail;
  const holder = detail !== null && typeof detail === 'object' ? detail : value;
  // Own properties only: a key no carrier can have (`constructor`, ...) finds nothing.
  const carrier = holder !== null && holder !== undefined && Object.hasOwn(holder, key) ? (holder as Record<string, unknown>)[key] : undefined;
  if (carrier === null || typeof carrier !== 'object') return undefined;
  const { traceparent, tracestate } = carrier as { traceparent?: unknown; tracestate?: unknown };
  return parseTraceparent(asHeader(traceparent), asHeader(tracestate));
}

/** Throws for a carrier key that is a programming error: the carrier would be lost or unreadable. */
export function checkEventBridgeKey(key: unknown): void {
  if (typeof key !== 'string' || !key || key.includes('.') || key in Object.prototype) {
    throw new TypeError(`cdk-serverless-tracing: invalid EventBridge key ${JSON.stringify(key)}`);
  }
}

/** The size EventBridge counts for an entry: Source, DetailType, Detail, Resources, and 14 bytes for Time. */
function entrySize(entry: EventBridgeEntryInput, detail: string): number {
  let size = Buffer.byteLength(detail) + (entry.Time ? 14 : 0);
  if (entry.Source) size += Buffer.byteLength(String(entry.Source));
  if (entry.DetailType) size += Buffer.byteLength(String(entry.DetailType));
  const resources: unknown = entry.Resources;
  if (typeof resources === 'string') size += Buffer.byteLength(resources);
  else if (Array.isArray(resources)) for (const resource of resources) size += Buffer.byteLength(String(resource));
  return size;
}

/** A carrier's field as a header: a string, else nothing. */
export function asHeader(value: unknown): HeaderValue {
  return typeof value === 'string' ? value : undefined;
}
