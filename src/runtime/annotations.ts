import type { AttributeValue, Span } from '@opentelemetry/api';
import { warnOnce } from './current-context';
import { openTelemetryApi } from './otel';
import { isRecord } from './trace-context';

/**
 * The span attribute listing which of a span's attribute keys X-Ray indexes as annotations; every other
 * attribute becomes metadata. "By default, OpenTelemetry span attributes are converted to metadata in X-Ray
 * raw data. To convert specific attributes to annotations instead, add their keys to the
 * `aws.xray.annotations` attributes list" (https://docs.aws.amazon.com/xray/latest/devguide/xray-sdk-migration.html).
 * The collector's X-Ray exporter reads the same string array (open-telemetry/opentelemetry-collector-contrib,
 * internal/aws/xray/awsxray.go `AWSXraySegmentAnnotationsAttribute`, and
 * exporter/awsxrayexporter/internal/translator/segment.go `makeXRayAttributes`). It is a list, not a key
 * prefix: `aws.xray.annotations.orderId` is an ordinary (metadata) attribute. In Lambda the AWS distro sends
 * the spans as they are (OTLP to the X-Ray endpoint, aws-otel-js-instrumentation's `OTLPUdpSpanExporter`):
 * X-Ray applies this rule itself.
 */
export const XRAY_ANNOTATIONS_ATTRIBUTE = 'aws.xray.annotations';

/** X-Ray indexes up to 50 annotations per trace (xray-api-segmentdocuments.html#api-segmentdocuments-annotations). */
export const MAX_ANNOTATIONS = 50;

/** What an X-Ray annotation holds: a string, a number or a boolean (no objects or arrays). */
export type AnnotationValue = string | number | boolean;

/**
 * Annotation keys: "alphanumeric in order to work with filters. Underscore is allowed. Other symbols and
 * whitespace are not allowed" (segment documents), "up to 500" characters (X-Ray SDK annotation
 * requirements). Newer X-Ray versions accept dots, but the collector's exporter turns them into underscores
 * unless a feature gate is on, so a dotted key could be filtered under another name: refused here.
 */
const KEY = /^\w{1,500}$/;
const MAX_VALUE_CHARS = 1000;

const declaredKeys = new WeakMap<Span, string[]>();
let firstInvocation = true;

/**
 * Sets each `key: value` on the active span (or `span`) and declares the key an X-Ray annotation in
 * `aws.xray.annotations` (merged with the keys already declared on the span), so traces can be filtered
 * with `annotation.orderId = "o-1"`. A key or value X-Ray would not index (key not `[A-Za-z0-9_]{1,500}`;
 * value not a string of at most 1,000 characters, a finite number or a boolean; a 51st annotation on the
 * span) is skipped with a warning, once per process for the same key and reason: data never throws.
 * Throws a `TypeError` only for a programmer error: `annotations` not an object. A no-op without
 * `@opentelemetry/api` or without an active recording span.
 */
export function annotate(annotations: Readonly<Record<string, AnnotationValue>>, span?: Span): void {
  if (!isRecord(annotations)) throw new TypeError('annotate: expected { key: value }');
  const target = recording(span);
  if (!target) return;
  const keys = [...declared(target)];
  const before = keys.length;
  for (const [key, value] of Object.entries(annotations)) {
    const known = keys.includes(key);
    const why = !KEY.test(key) ? 'key not [A-Za-z0-9_]{1,500}'
      : !isAnnotationValue(value) ? 'value not a string of up to 1,000 characters, finite number or boolean'
        : !known && keys.length >= MAX_ANNOTATIONS ? `over ${MAX_ANNOTATIONS} annotations` : '';
    if (why) {
      warnOnce(`annotation ${key.slice(0, 100)} skipped: ${why}`);
    } else {
      target.setAttribute(key, value);
      if (!known) keys.push(key);
    }
  }
  if (keys.length > before) {
    target.setAttribute(XRAY_ANNOTATIONS_ATTRIBUTE, keys);
    declaredKeys.set(target, keys);
  }
}

/**
 * Records `value` under `key` on the active span (or `span`) as X-Ray metadata: an attribute not listed in
 * `aws.xray.annotations`, which X-Ray stores in the segment's `default` metadata namespace without indexing
 * it. Strings, numbers and booleans are kept as they are; anything else is stored as its JSON text (span
 * attributes hold no objects). Skipped with a warning for the reserved `aws.xray.annotations` key (or an
 * empty one), a key already declared an annotation on the span, or a value JSON cannot represent. Throws a
 * `TypeError` only when `key` is not a string. A no-op without `@opentelemetry/api` or an active recording
 * span.
 */
export function addMetadata(key: string, value: unknown, span?: Span): void {
  if (typeof key !== 'string') throw new TypeError('addMetadata: key must be a string');
  const target = recording(span);
  if (!target) return;
  let why: string;
  if (!key || key === XRAY_ANNOTATIONS_ATTRIBUTE) {
    why = 'reserved key';
  } else if (declared(target).includes(key)) {
    why = 'key is an annotation';
  } else {
    // Serialized only for a key that is kept: the reasons are checked in the Python twin's order.
    const attribute = metadataValue(value);
    if (attribute !== undefined) {
      target.setAttribute(key, attribute);
      return;
    }
    why = 'value not JSON';
  }
  warnOnce(`metadata ${key.slice(0, 100)} skipped: ${why}`);
}

/** A metadata value as a span attribute: as it is, or its JSON text; undefined when JSON cannot represent it. */
function metadataValue(value: unknown): AttributeValue | undefined {
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return value as AttributeValue;
  try {
    return JSON.stringify(value);
  } catch {
    return undefined; // a BigInt or a cycle
  }
}

/**
 * The annotations Powertools' Tracer adds and the AWS distro does not: `ColdStart` (true on the process's
 * first call, unless Lambda initialized it for provisioned concurrency; false after; the distro's own
 * `faas.coldstart` span attribute wins when the span has one, but it is metadata, not indexed) and `Service`
 * (`OTEL_SERVICE_NAME`, a resource attribute the distro only turns into the segment name). Call it once
 * per invocation, inside the handler.
 */
export function annotateInvocation(span?: Span): void {
  const cold = firstInvocation && process.env.AWS_LAMBDA_INITIALIZATION_TYPE !== 'provisioned-concurrency';
  firstInvocation = false;
  const target = recording(span);
  if (!target) return;
  const distro = attributesOf(target)?.['faas.coldstart'];
  const service = process.env.OTEL_SERVICE_NAME;
  annotate({ ColdStart: typeof distro === 'boolean' ? distro : cold, ...(service ? { Service: service } : {}) }, target);
}

function recording(span: Span | undefined): Span | undefined {
  const target = span ?? openTelemetryApi()?.trace.getActiveSpan();
  return target?.isRecording() ? target : undefined;
}

/** The SDK's spans expose their attributes; other implementations may not. */
function attributesOf(span: Span): Record<string, unknown> | undefined {
  return (span as { attributes?: Record<string, unknown> }).attributes;
}

/** The keys declared on the span, by anyone when its attributes are readable, else by this module (not a copy). */
function declared(span: Span): readonly string[] {
  const listed = attributesOf(span)?.[XRAY_ANNOTATIONS_ATTRIBUTE];
  return Array.isArray(listed) ? listed as string[] : declaredKeys.get(span) ?? [];
}

function isAnnotationValue(value: unknown): value is AnnotationValue {
  return typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
    // Counted in code points, as X-Ray counts Unicode characters (and Python's len() does).
    || (typeof value === 'string' && (value.length <= MAX_VALUE_CHARS || [...value].length <= MAX_VALUE_CHARS));
}
