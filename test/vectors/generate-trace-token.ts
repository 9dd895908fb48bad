/**
 * Writes test/vectors/trace-token.json from the Node runtime, the reference implementation:
 *
 *   npx ts-node --transpile-only test/vectors/generate-trace-token.ts
 *
 * An array of `{ name, input, expected }` cases. `input.op` is `create` (`context`, camelCase as in the
 * other vector files, and optional `secret`, `secretHex` for a bytes secret, `businessKey`; `expected` is the
 * token or null) or `read` (`token`, optional `secret`/`secretHex`; `expected` is `{ contents, refusal }`).
 * test/runtime/trace-token.test.ts checks the Node runtime still gives every case and that this script would
 * write the file unchanged; runtime/python/tests/test_trace_token.py checks the Python twin against it.
 * Deterministic: HMAC is, and mutations come from a fixed seed.
 */
import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { TraceContext } from '../../src/runtime/trace-context';
import { createTraceToken, readTraceToken, TraceTokenRefusal, TraceTokenSecret } from '../../src/runtime/trace-token';

export interface TraceTokenCase {
  readonly name: string;
  readonly input: Record<string, unknown>;
  readonly expected: unknown;
}

export const TRACE_TOKEN_FILE = path.join(__dirname, 'trace-token.json');

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const CONTEXT = { traceId: TRACE, parentId: SPAN, traceFlags: 1, sampled: true };
const SECRET = 'webhook-signing-secret';
const SEED = 0x70c3e2;
const MUTATIONS = 120;
const ALPHABET = ['A', 'Q', 'g', 'z', '0', '9', '-', '_', '+', '/', '=', ' ', '.', 'é', '\u{1F600}', '\ud800'];

/** What the runtime gives for a case's input (read back through JSON, as the file holds it). */
export function evaluateTraceToken(input: Record<string, unknown>): unknown {
  const secret: TraceTokenSecret | undefined = typeof input.secretHex === 'string'
    ? Uint8Array.from(Buffer.from(input.secretHex, 'hex')) : input.secret as string | undefined;
  if (input.op === 'create') {
    return createTraceToken(input.context as TraceContext, { secret, businessKey: input.businessKey as string | undefined }) ?? null;
  }
  let refusal: TraceTokenRefusal | null = null;
  const contents = readTraceToken(input.token, { secret, onRefused: (reason) => { refusal = reason; } });
  return { contents: contents ?? null, refusal };
}

/** A token from raw bytes: for layouts the creator never writes. */
function raw(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64url');
}

/** A signed token from raw bytes, so checks after the tag's are reached. */
function signedRaw(hex: string, secret = SECRET): string {
  const body = Buffer.from(hex, 'hex');
  const tag = createHmac('sha256', secret).update('cdk-serverless-tracing trace token\n').update(body).digest().subarray(0, 16);
  return Buffer.concat([body, tag]).toString('base64url');
}

/** Park-Miller (MINSTD), as in generate.ts: a small seeded generator, the same on every run. */
function random(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

export function buildTraceTokenVectors(): TraceTokenCase[] {
  const cases: TraceTokenCase[] = [];
  const create = (name: string, input: Record<string, unknown>) => {
    const full = { op: 'create', ...input };
    cases.push({ name: `create: ${name}`, input: full, expected: evaluateTraceToken(JSON.parse(JSON.stringify(full))) });
  };
  const read = (name: string, input: Record<string, unknown>) => {
    const full = { op: 'read', ...input };
    cases.push({ name: `read: ${name}`, input: full, expected: evaluateTraceToken(JSON.parse(JSON.stringify(full))) });
  };

  create('sampled, unsigned', { context: CONTEXT });
  create('not sampled', { context: { ...CONTEXT, traceFlags: 0, sampled: false } });
  create('sampled from traceFlags only', { context: { traceId: TRACE, parentId: SPAN, traceFlags: 3 } });
  create('no sampling decision', { context: { traceId: TRACE, parentId: SPAN } });
  create('sampled wins over traceFlags', { context: { traceId: TRACE, parentId: SPAN, traceFlags: 1, sampled: false } });
  create('tracestate and lineage are not carried', { context: { ...CONTEXT, traceState: 'rojo=00f067aa0ba902b7', lineage: 'a87bd80c:1' } });
  create('signed', { context: CONTEXT, secret: SECRET });
  create('signed, bytes secret', { context: CONTEXT, secretHex: '00ff10203040506070' });
  create('signed, non-ASCII secret', { context: CONTEXT, secret: 'clé-\u{1F511}' });
  create('business key', { context: CONTEXT, businessKey: 'order-1234' });
  create('signed, business key', { context: CONTEXT, secret: SECRET, businessKey: 'order-1234' });
  create('non-ASCII business key', { context: CONTEXT, secret: SECRET, businessKey: 'commande-é-\u{1F600}' });
  create('business key of 128 bytes', { context: CONTEXT, secret: SECRET, businessKey: 'é'.repeat(64) });
  create('business key of 129 bytes is left out', { context: CONTEXT, secret: SECRET, businessKey: `x${'é'.repeat(64)}` });
  create('business key with a lone surrogate is left out', { context: CONTEXT, businessKey: 'order-\ud800' });
  create('empty business key is left out', { context: CONTEXT, businessKey: '' });
  create('business key with spaces, slashes and a BOM', { context: CONTEXT, businessKey: '\ufeffa b/c?d=e&f' });
  create('other ids', { context: { traceId: '5759e988bd862e3fe1be46a994272793', parentId: '53995c3f42cd8ad8', sampled: true }, secret: SECRET });
  create('no parent id', { context: { traceId: TRACE, sampled: true } });
  create('uppercase trace id', { context: { ...CONTEXT, traceId: TRACE.toUpperCase() } });
  create('all-zero trace id', { context: { ...CONTEXT, traceId: '0'.repeat(32) } });
  create('all-zero span id', { context: { ...CONTEXT, parentId: '0'.repeat(16) } });
  create('short span id', { context: { ...CONTEXT, parentId: SPAN.slice(1) } });

  const plain = createTraceToken(CONTEXT)!;
  const signed = createTraceToken(CONTEXT, { secret: SECRET })!;
  const keyed = createTraceToken(CONTEXT, { secret: SECRET, businessKey: 'order-1234' })!;
  const longest = createTraceToken(CONTEXT, { secret: SECRET, businessKey: 'é'.repeat(64) })!;
  const header = `01${TRACE}${SPAN}`;

  read('unsigned, no secret', { token: plain });
  read('unsigned, with a secret', { token: plain, secret: SECRET });
  read('signed, right secret', { token: signed, secret: SECRET });
  read('signed, no secret: read unauthenticated', { token: signed });
  read('signed, wrong secret', { token: signed, secret: 'another-secret' });
  read('signed, empty secret', { token: signed, secret: '' });
  read('signed, empty bytes secret', { token: signed, secretHex: '' });
  read('keyed, right secret', { token: keyed, secret: SECRET });
  read('keyed, no secret', { token: keyed });
  read('longest', { token: longest, secret: SECRET });
  read('one character over the longest', { token: `${longest}A` });
  read('oversized', { token: 'A'.repeat(1000) });
  read('empty', { token: '' });
  read('null', { token: null });
  read('a number', { token: 42 });
  read('an object', { token: { token: plain } });
  read('padded', { token: `${plain}=` });
  read('standard base64 alphabet', { token: signed.replace(/-/g, '+').replace(/_/g, '/').replace(/^(.)/, '+') });
  read('surrounding whitespace', { token: ` ${plain} ` });
  read('non-canonical last character', { token: `${plain.slice(0, -1)}F` });
  read('length 1 mod 4', { token: `${plain}AA` });
  read('version 0', { token: raw(`00${TRACE}${SPAN}01`) });
  read('version 2', { token: raw(`02${TRACE}${SPAN}01`) });
  read('version byte only', { token: raw('01') });
  read('no flags byte', { token: raw(`01${TRACE}${SPAN}`) });
  read('unknown flag', { token: raw(`${header}09`) });
  read('keyed flag, no key', { token: raw(`${header}03`) });
  read('key length 0', { token: raw(`${header}0300`) });
  read('key length past the end', { token: raw(`${header}030561`) });
  read('key length 129', { token: raw(`${header}0381${'61'.repeat(129)}`) });
  read('trailing byte', { token: raw(`${header}0100`) });
  read('tagged flag, tag cut short', { token: signed.slice(0, -4) });
  read('tag flag cleared', { token: raw(`${header}01`), secret: SECRET });
  read('all-zero trace id', { token: raw(`01${'0'.repeat(32)}${SPAN}01`) });
  read('all-zero span id', { token: raw(`01${TRACE}${'0'.repeat(16)}01`) });
  read('key not UTF-8, unsigned', { token: raw(`${header}0302c328`) });
  read('key not UTF-8, signed', { token: signedRaw(`${header}0702c328`), secret: SECRET });
  read('key a UTF-8 surrogate', { token: raw(`${header}0303eda080`) });
  read('key an overlong encoding', { token: raw(`${header}0302c0af`) });
  read('signed by hand', { token: signedRaw(`${header}0703616263`), secret: SECRET });
  read('tag of another token', { token: raw(`${header}05${Buffer.from(keyed, 'base64url').subarray(-16).toString('hex')}`), secret: SECRET });
  for (const cut of [1, 2, 10, 34, 35]) read(`signed token cut to ${cut}`, { token: signed.slice(0, cut), secret: SECRET });

  const next = random(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const bases = [plain, signed, keyed];
  for (let i = 0; i < MUTATIONS; i++) {
    const base = pick(bases);
    const at = Math.floor(next() * base.length);
    const op = pick(['replace', 'insert', 'delete', 'truncate'] as const);
    const token = op === 'replace' ? base.slice(0, at) + pick(ALPHABET) + base.slice(at + 1)
      : op === 'insert' ? base.slice(0, at) + pick(ALPHABET) + base.slice(at)
        : op === 'delete' ? base.slice(0, at) + base.slice(at + 1) : base.slice(0, at);
    read(`mutation ${i + 1} (${op} at ${at})`, base === plain ? { token } : { token, secret: SECRET });
  }
  return cases;
}

export function serializeTraceTokenVectors(cases: readonly TraceTokenCase[]): string {
  return `${JSON.stringify(cases, null, 2)}\n`;
}

if (require.main === module) {
  const cases = buildTraceTokenVectors();
  fs.writeFileSync(TRACE_TOKEN_FILE, serializeTraceTokenVectors(cases));
  process.stdout.write(`trace-token.json: ${cases.length} cases\n`);
}
