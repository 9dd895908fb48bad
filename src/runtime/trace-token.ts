import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Link } from '@opentelemetry/api';
import { annotate } from './annotations';
import { currentTraceContext, warn, warnOnce } from './current-context';
import { failSpan, openTelemetryApi } from './otel';
import { isValidContext, TraceContext } from './trace-context';

/**
 * The first byte of every token. Layout, then base64url without padding:
 * `version(1) trace-id(16) span-id(8) flags(1) [key-length(1) key(UTF-8)] [tag(16)]`, flags bit 0 sampled,
 * bit 1 a business key follows, bit 2 a tag ends the token; the tag is the first 16 bytes of
 * HMAC-SHA256(secret, DOMAIN + everything before it).
 */
export const TRACE_TOKEN_VERSION = 1;
/** The longest business key a token carries, in UTF-8 bytes. */
export const MAX_BUSINESS_KEY_BYTES = 128;
/** The longest token: version, ids, flags, the longest key and a tag, in base64url. */
export const MAX_TRACE_TOKEN_LENGTH = Math.ceil((26 + 1 + MAX_BUSINESS_KEY_BYTES + 16) * 4 / 3);

const HEADER = 26;
const TAG = 16;
const SAMPLED = 1;
const KEYED = 2;
const TAGGED = 4;
/** Separates this MAC from any other use of the same secret. */
const DOMAIN = 'cdk-serverless-tracing trace token\n';
const BASE64URL = /^[\w-]+$/;

/** What a token carries. */
export interface TraceTokenContents {
  /** The trace the token was created in: 32 lowercase hex characters. */
  readonly traceId: string;
  /** The span the token was created in: 16 lowercase hex characters. */
  readonly spanId: string;
  /** Whether that span was sampled. */
  readonly sampled: boolean;
  /** The business key (an order id, say) the creator put in, if any. */
  readonly businessKey?: string;
}

/** Why `readTraceToken` refused a token. */
export type TraceTokenRefusal = 'malformed' | 'oversized' | 'version' | 'unsigned' | 'forged' | 'secret';

/** A token secret: a non-empty string (UTF-8) or bytes. */
export type TraceTokenSecret = string | Uint8Array;

/** Options of `createTraceToken`. */
export interface TraceTokenOptions {
  /**
   * The HMAC secret: the token then ends with a 16-byte HMAC-SHA256 tag the reader checks.
   * @default - no tag: anyone can forge a token, which only ever creates a misleading span link
   */
  readonly secret?: TraceTokenSecret;
  /**
   * A business key to carry (at most 128 UTF-8 bytes, well-formed): the webhook side annotates it. Readable
   * by whoever holds the token: never a secret. An unusable key is left out, with a warning.
   */
  readonly businessKey?: string;
}

/** Options of `readTraceToken`. */
export interface ReadTraceTokenOptions {
  /**
   * The secret the token was created with: tokens without a valid tag are then refused.
   * @default - tokens are read unauthenticated (a tag, if any, is not checked)
   */
  readonly secret?: TraceTokenSecret;
  /** Told why a token was refused. */
  readonly onRefused?: (reason: TraceTokenRefusal) => void;
}

/** Options of `startLinkedSpan`. */
export interface LinkedSpanOptions {
  /** @see ReadTraceTokenOptions.secret */
  readonly secret?: TraceTokenSecret;
  /**
   * The annotation key the token's business key is recorded under (match the producer's `annotate` key).
   * @default 'businessKey'
   */
  readonly annotateKey?: string;
  /**
   * The span kind: `consumer` (the callback is the asynchronous answer to what the producer sent) or
   * `server` (for a function no other instrumentation gives a SERVER span).
   * @default 'consumer'
   */
  readonly kind?: 'consumer' | 'server';
  /**
   * The tracer name the span is created with.
   * @default 'cdk-serverless-tracing'
   */
  readonly tracerName?: string;
}

/**
 * A compact, URL-safe token (at most 228 characters) carrying the current position in the trace, for a
 * third party's metadata or callback URL, so its webhook can link back with `startLinkedSpan`. `context`
 * defaults to the active span, else the Lambda invocation's header. Undefined when there is no context with
 * a trace id and span id. Throws a `TypeError` only for a programmer error: a `secret` that is given but
 * empty or neither a string nor bytes.
 */
export function createTraceToken(context?: TraceContext, options: TraceTokenOptions = {}): string | undefined {
  const key = options.secret === undefined ? undefined : secretBytes(options.secret);
  if (key === null) throw new TypeError('createTraceToken: secret must be a non-empty string or Uint8Array');
  const ctx = context ?? currentTraceContext();
  if (!isValidContext(ctx, true)) return undefined;
  const sampled = ctx.sampled ?? ((ctx.traceFlags ?? 0) & 1) === 1;
  const business = businessKeyBytes(options.businessKey);
  const flags = (sampled ? SAMPLED : 0) | (business ? KEYED : 0) | (key ? TAGGED : 0);
  const parts: Uint8Array[] = [Buffer.from([TRACE_TOKEN_VERSION]), Buffer.from(ctx.traceId + ctx.parentId, 'hex'), Buffer.from([flags])];
  if (business) parts.push(Buffer.from([business.length]), business);
  const body = Buffer.concat(parts);
  return (key ? Buffer.concat([body, tag(key, body)]) : body).toString('base64url');
}

/**
 * What a token carries, or undefined when it is refused: malformed (not canonical base64url, bad length,
 * unknown flags, all-zero ids, a key that is not UTF-8), oversized, another version, and with a `secret`,
 * without a tag (`unsigned`) or with a wrong one (`forged`, compared in constant time); a `secret` that is
 * given but empty refuses every token (`secret`). Never throws on the token.
 */
export function readTraceToken(token: unknown, options: ReadTraceTokenOptions = {}): TraceTokenContents | undefined {
  const result = decode(token, options.secret);
  if (typeof result === 'string') {
    options.onRefused?.(result);
    return undefined;
  }
  return result;
}

/**
 * Runs `fn` in a new span (CONSUMER by default) linked to the span the token was created in: a span link,
 * not a parent, so the webhook's work stays in its own trace (the current invocation's, if any). The token's
 * business key is annotated under `annotateKey` so both traces can be found by it. A missing or refused token
 * (a warning says why) just means no link. `fn` gets what the token carried; when it returns a promise the
 * span ends once it settles; a throw or rejection marks the span as an error and is passed on. Without
 * `@opentelemetry/api`, `fn` runs without a span.
 */
export function startLinkedSpan<T>(
  name: string,
  token: string | undefined | null,
  options: LinkedSpanOptions,
  fn: (linked: TraceTokenContents | undefined) => T,
): T {
  const linked = token ? readTraceToken(token, { secret: options.secret, onRefused: warnRefused }) : undefined;
  const otel = openTelemetryApi();
  if (!otel) return fn(linked);
  const links: Link[] = linked
    ? [{ context: { traceId: linked.traceId, spanId: linked.spanId, traceFlags: linked.sampled ? 1 : 0, isRemote: true } }]
    : [];
  const parent = otel.context.active();
  const kind = options.kind === 'server' ? otel.SpanKind.SERVER : otel.SpanKind.CONSUMER;
  const span = otel.trace.getTracer(options.tracerName ?? 'cdk-serverless-tracing').startSpan(name, { kind, links }, parent);
  if (linked?.businessKey !== undefined) annotate({ [options.annotateKey ?? 'businessKey']: linked.businessKey }, span);
  let result: T;
  try {
    result = otel.context.with(otel.trace.setSpan(parent, span), fn, undefined, linked);
  } catch (error) {
    failSpan(span, error);
    span.end();
    throw error;
  }
  if (!isThenable(result)) {
    span.end();
    return result;
  }
  return result.then((value) => {
    span.end();
    return value;
  }, (error: unknown) => {
    failSpan(span, error);
    span.end();
    throw error;
  }) as T;
}

function decode(token: unknown, secret: TraceTokenSecret | undefined): TraceTokenContents | TraceTokenRefusal {
  const key = secret === undefined ? undefined : secretBytes(secret);
  if (key === null) return 'secret';
  if (typeof token !== 'string') return 'malformed';
  if (token.length > MAX_TRACE_TOKEN_LENGTH) return 'oversized';
  if (!BASE64URL.test(token) || token.length % 4 === 1) return 'malformed';
  const bytes = Buffer.from(token, 'base64url');
  // Decoding ignores stray bits in the last character: only the one spelling of the bytes is accepted.
  if (bytes.toString('base64url') !== token) return 'malformed';
  if (bytes[0] !== TRACE_TOKEN_VERSION) return 'version';
  if (bytes.length < HEADER) return 'malformed';
  const flags = bytes[HEADER - 1];
  const keyLength = flags & KEYED ? bytes[HEADER] ?? 0 : 0;
  const end = flags & KEYED ? HEADER + 1 + keyLength : HEADER;
  if (flags > 7 || (flags & KEYED && (keyLength === 0 || keyLength > MAX_BUSINESS_KEY_BYTES))
    || bytes.length !== end + (flags & TAGGED ? TAG : 0)) return 'malformed';
  const traceId = bytes.toString('hex', 1, 17);
  const spanId = bytes.toString('hex', 17, HEADER - 1);
  if (!isValidContext({ traceId, parentId: spanId }, true)) return 'malformed';
  if (key) {
    if (!(flags & TAGGED)) return 'unsigned';
    if (!timingSafeEqual(tag(key, bytes.subarray(0, end)), bytes.subarray(end))) return 'forged';
  }
  let businessKey: string | undefined;
  if (flags & KEYED) {
    try {
      businessKey = UTF8.decode(bytes.subarray(HEADER + 1, end));
    } catch {
      return 'malformed';
    }
  }
  return { traceId, spanId, sampled: (flags & SAMPLED) === 1, ...(businessKey === undefined ? {} : { businessKey }) };
}

/** Stateless between whole-buffer decodes, so one serves every token. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function warnRefused(reason: TraceTokenRefusal): void {
  warn(`trace token refused (${reason}): no link`);
}

function tag(key: Buffer, body: Buffer): Buffer {
  return createHmac('sha256', key).update(DOMAIN).update(body).digest().subarray(0, TAG);
}

/** The secret's bytes; null when it is unusable (empty, not a string or bytes, not well-formed UTF-16). */
function secretBytes(secret: unknown): Buffer | null {
  const bytes = typeof secret === 'string' ? wellFormedUtf8(secret) : secret instanceof Uint8Array ? Buffer.from(secret) : undefined;
  return bytes?.length ? bytes : null;
}

function businessKeyBytes(businessKey: unknown): Buffer | undefined {
  if (businessKey === undefined || businessKey === '') return undefined;
  const bytes = typeof businessKey === 'string' ? wellFormedUtf8(businessKey) : undefined;
  if (bytes && bytes.length <= MAX_BUSINESS_KEY_BYTES) return bytes;
  warnOnce(`trace token business key left out: not a well-formed string of at most ${MAX_BUSINESS_KEY_BYTES} UTF-8 bytes`);
  return undefined;
}

/** UTF-8, or undefined for a string with lone surrogates (which Python cannot encode either). */
function wellFormedUtf8(s: string): Buffer | undefined {
  const bytes = Buffer.from(s, 'utf8');
  return bytes.toString('utf8') === s ? bytes : undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
