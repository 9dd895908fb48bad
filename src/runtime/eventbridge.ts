import { currentTraceContext, warn } from './current-context';
import { formatTraceparent, HeaderValue, parseTraceparent, TraceContext } from './trace-context';
import { formatXrayHeader } from './xray-header';

/** The default key of the W3C carrier inside `detail`. */
export const DEFAULT_EVENTBRIDGE_KEY = '_trace';
/** PutEvents' limit on one entry's size. */
export const MAX_EVENTBRIDGE_ENTRY_BYTES = 256 * 1024;

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
 * reserved key (`{"_trace":{"traceparent":..., "tracestate":...}}`), which every target receives. The W3C
 * carrier is skipped, with a `diag` warning, when `Detail` is not a JSON object, already has the key, or
 * the entry would exceed the PutEvents size limit.
 *
 * @param context what to propagate; by default the active span, else the Lambda invocation's header
 * @param key the reserved key inside `detail`
 */
export function injectEventBridgeEntry<T extends object>(
  entry: T & EventBridgeEntryInput,
  context: TraceContext | undefined = currentTraceContext(),
  key: string = DEFAULT_EVENTBRIDGE_KEY,
): T & EventBridgeEntryInput {
  if (!context) return entry;
  const xray = formatXrayHeader(context);
  if (xray !== undefined && entry.TraceHeader === undefined) entry.TraceHeader = xray;
  const traceparent = formatTraceparent(context);
  if (traceparent === undefined) return entry;

  const detail = (entry.Detail ?? '{}').trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    warn('EventBridge Detail is not a JSON object: no W3C context');
    return entry;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    warn('EventBridge Detail is not a JSON object: no W3C context');
    return entry;
  }
  // A carrier the caller put there stays.
  if (key in parsed) return entry;
  const carrier = `${JSON.stringify(key)}:{"traceparent":"${traceparent}"${context.traceState ? `,"tracestate":${JSON.stringify(context.traceState)}` : ''}}`;
  // Spliced in rather than re-serialized, so the caller's JSON stays byte for byte.
  const withCarrier = Object.keys(parsed).length === 0 ? `{${carrier}}` : `{${carrier},${detail.slice(1)}`;
  if (entrySize(entry, withCarrier) > MAX_EVENTBRIDGE_ENTRY_BYTES) {
    warn('EventBridge entry too large for W3C context: TraceHeader only');
    return entry;
  }
  entry.Detail = withCarrier;
  return entry;
}

/**
 * The producer's W3C context of a delivered EventBridge event: a Lambda target's event, or an SQS
 * record whose body is the event; `detail` alone (a `$.detail` input path) or a template with a top-level
 * carrier work too. Undefined, never an exception, when none is usable.
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
  const carrier = detail !== null && typeof detail === 'object' ? (detail as Record<string, unknown>)[key] : (value as Record<string, unknown> | null | undefined)?.[key];
  if (carrier === null || typeof carrier !== 'object') return undefined;
  const { traceparent, tracestate } = carrier as { traceparent?: unknown; tracestate?: unknown };
  return parseTraceparent(asHeader(traceparent), asHeader(tracestate));
}

/** The size EventBridge counts for an entry: Source, DetailType, Detail, Resources, and 14 bytes for Time. */
function entrySize(entry: EventBridgeEntryInput, detail: string): number {
  let size = Buffer.byteLength(detail) + (entry.Time ? 14 : 0);
  if (entry.Source) size += Buffer.byteLength(entry.Source);
  if (entry.DetailType) size += Buffer.byteLength(entry.DetailType);
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource);
  return size;
}

function asHeader(value: unknown): HeaderValue {
  return typeof value === 'string' ? value : undefined;
}
