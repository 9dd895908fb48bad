/**
 * Writes the shared test vectors (test/vectors/*.json) from the Node runtime, the reference implementation:
 *
 *   npx ts-node --transpile-only test/vectors/generate.ts
 *
 * Each file is an array of `{ name, input, expected }` cases, `expected` being what src/runtime gives for
 * `input` (null where it gives undefined). test/runtime/vectors.test.ts checks that the Node runtime still
 * reproduces every case and that this script would write the files unchanged; runtime/python/tests checks
 * the Python twin against the same files. Deterministic: a fixed seed, a fixed case order, stable keys.
 * Inputs go through JSON before they are evaluated, so both sides read exactly what the file holds. Long
 * text is written `{"$text": [part, ...]}` (see `expand`), in inputs and in the injectors' results, so a
 * 256 KiB message takes a line of the file, not 256 KiB.
 */
import * as fs from 'fs';
import * as path from 'path';
import { diag } from '@opentelemetry/api';
import {
  eventBridgeEventContext, formatTraceparent, formatXrayHeader, injectEventBridgeEntry, injectSnsMessage, injectSqsMessage,
  parseTraceparent, parseTracestate, parseXrayHeader, snsRecordContext, sqsRecordContext, TraceContext, traceparentToXray, xrayToTraceparent,
} from '../../src/runtime';
import { warnedOnce } from '../../src/runtime/current-context';
import { captureDiagWarnings } from '../runtime/otel-sdk';

/** One vector: what went in, what came out. */
export interface VectorCase {
  readonly name: string;
  readonly input: Record<string, unknown>;
  readonly expected: unknown;
}

export const VECTOR_FILES = ['traceparent', 'tracestate', 'xray-header', 'conversions', 'carriers'] as const;
export type VectorFile = typeof VECTOR_FILES[number];

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${SPAN}-01`;
const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const XTRACE = '5759e988bd862e3fe1be46a994272793';
const PARENT = '53995c3f42cd8ad8';
const XRAY = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
const FULL_XRAY = `${XRAY};Lineage=a87bd80c:1|68fd508a:5;Self=1-67891234-12456789abcdef012345678;CalledFrom=Foo`;
const SEED = 0x5eed10;
const RANDOM_CASES = 120;

/** Characters mutations draw from: delimiters, hex in both cases, whitespace of all kinds, non-ASCII. */
const ALPHABET = ['0', '1', '9', 'a', 'f', 'F', 'g', 'X', '-', '_', ';', '=', ',', '?', '@', '*', '/', ' ', '\t', '\n', '\u00a0', 'é', '\u{1F600}', '\ud800'];

/** Park-Miller (MINSTD): a small seeded generator in exact integer arithmetic, the same on every run. */
function random(seed: number): () => number {
  let state = seed % 2147483647 || 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

/** `count` one-edit mutations of the bases: replace, insert, delete, case flip or truncation at one place. */
function mutations(bases: readonly string[], count: number, seed: number): string[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const out: string[] = [];
  while (out.length < count) {
    const base = pick(bases);
    const at = Math.floor(next() * (base.length + 1));
    const c = pick(ALPHABET);
    let mutated: string;
    switch (Math.floor(next() * 5)) {
      case 0: mutated = base.slice(0, at) + c + base.slice(at + 1); break;
      case 1: mutated = base.slice(0, at) + c + base.slice(at); break;
      case 2: mutated = base.slice(0, at) + base.slice(at + 1); break;
      case 3: mutated = base.slice(0, at) + base.slice(at, at + 1).toUpperCase() + base.slice(at + 1); break;
      default: mutated = base.slice(0, at);
    }
    if (mutated !== base && !out.includes(mutated)) out.push(mutated);
  }
  return out;
}

const members = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join(',');

// ---------------------------------------------------------------------------------------------------------
// traceparent.json: parseTraceparent(traceparent, tracestate)

const TRACEPARENT_INPUTS: [string, Record<string, unknown>][] = [
  ['valid', { traceparent: VALID }],
  ['valid, not sampled', { traceparent: `00-${TRACE}-${SPAN}-00` }],
  ['optional whitespace around the value', { traceparent: `  \t${VALID} \t` }],
  ['a single value given as an array', { traceparent: [VALID] }],
  ['a future version with trailing fields after a dash', { traceparent: `cc-${TRACE}-${SPAN}-01-what-the-future-holds` }],
  ['a future version of exactly 55 characters', { traceparent: `01-${TRACE}-${SPAN}-01` }],
  ['a future version with a bare trailing dash', { traceparent: `01-${TRACE}-${SPAN}-01-` }],
  ['a future version with non-ASCII after the dash', { traceparent: `fe-${TRACE}-${SPAN}-01-é\u{1F600}` }],
  ['flags 09: every bit kept, sampled', { traceparent: `00-${TRACE}-${SPAN}-09` }],
  ['flags fe', { traceparent: `00-${TRACE}-${SPAN}-fe` }],
  ['flags 1a', { traceparent: `00-${TRACE}-${SPAN}-1a` }],
  ['flags ff', { traceparent: `00-${TRACE}-${SPAN}-ff` }],
  ['flags 02 (random-trace-id only)', { traceparent: `00-${TRACE}-${SPAN}-02` }],
  ['flags 03', { traceparent: `00-${TRACE}-${SPAN}-03` }],
  ['with a valid tracestate', { traceparent: VALID, tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' }],
  ['with an invalid tracestate, dropped alone', { traceparent: VALID, tracestate: 'Rojo=1' }],
  ['with tracestate values as an array', { traceparent: VALID, tracestate: ['rojo=1', 'congo=2'] }],
  ['with a tracestate needing trimming', { traceparent: VALID, tracestate: ' rojo=1 ,, congo=2' }],
  ['with a null tracestate', { traceparent: VALID, tracestate: null }],
  ['with an empty tracestate', { traceparent: VALID, tracestate: '' }],
  ['with a numeric tracestate', { traceparent: VALID, tracestate: 7 }],
  ['with a 200 KB tracestate, bounded', { traceparent: VALID, tracestate: { $text: [['rojo=1,', 30_000], 'congo=2'] } }],
  ['with a tracestate of 40 members, the last 8 dropped', { traceparent: VALID, tracestate: members(40) }],
  ['version ff', { traceparent: `ff-${TRACE}-${SPAN}-01` }],
  ['version FF', { traceparent: `FF-${TRACE}-${SPAN}-01` }],
  ['version fe', { traceparent: `fe-${TRACE}-${SPAN}-01` }],
  ['version 00 with trailing data', { traceparent: `${VALID}-extra` }],
  ['version 00 with a trailing dash', { traceparent: `${VALID}-` }],
  ['version 00 with trailing data not after a dash', { traceparent: `${VALID}x` }],
  ['a future version with trailing data not after a dash', { traceparent: `cc-${TRACE}-${SPAN}-01x` }],
  ['a version that is not hex', { traceparent: `0x-${TRACE}-${SPAN}-01` }],
  ['an uppercase version', { traceparent: `0A-${TRACE}-${SPAN}-01` }],
  ['an all-zero trace id', { traceparent: `00-${'0'.repeat(32)}-${SPAN}-01` }],
  ['an all-zero parent id', { traceparent: `00-${TRACE}-${'0'.repeat(16)}-01` }],
  ['an uppercase trace id', { traceparent: `00-${TRACE.toUpperCase()}-${SPAN}-01` }],
  ['an uppercase parent id', { traceparent: `00-${TRACE}-00F067AA0BA902B7-01` }],
  ['uppercase flags', { traceparent: `00-${TRACE}-${SPAN}-0A` }],
  ['a short trace id', { traceparent: `00-${TRACE.slice(1)}-${SPAN}-01` }],
  ['a long parent id', { traceparent: `00-${TRACE}-${SPAN}0-01` }],
  ['one-digit flags', { traceparent: `00-${TRACE}-${SPAN}-1` }],
  ['non-hex flags', { traceparent: `00-${TRACE}-${SPAN}-0g` }],
  ['a wrong delimiter', { traceparent: `00_${TRACE}_${SPAN}_01` }],
  ['a non-ASCII character', { traceparent: `00-${TRACE.slice(0, 31)}é-${SPAN}-01` }],
  ['an astral character in the trace id', { traceparent: `00-${TRACE.slice(0, 30)}\u{1F600}-${SPAN}-01` }],
  ['a lone surrogate in the trace id', { traceparent: `00-${TRACE.slice(0, 31)}\ud800-${SPAN}-01` }],
  ['a newline before the value (not OWS)', { traceparent: `\n${VALID}` }],
  ['a no-break space after the value (not OWS)', { traceparent: `${VALID}\u00a0` }],
  ['two traceparent values', { traceparent: [VALID, VALID] }],
  ['two values in one header', { traceparent: `${VALID},${VALID}` }],
  ['an array holding an array', { traceparent: [[VALID]] }],
  ['an array holding a number', { traceparent: [42] }],
  ['an empty array', { traceparent: [] }],
  ['an empty value', { traceparent: '' }],
  ['a number', { traceparent: 42 }],
  ['an object', { traceparent: { value: VALID } }],
  ['nothing', {}],
  ['null', { traceparent: null }],
];

// ---------------------------------------------------------------------------------------------------------
// tracestate.json: parseTracestate(tracestate)

const TRACESTATE_INPUTS: [string, unknown][] = [
  ['a simple list', 'rojo=1,congo=2'],
  ['keys starting with a digit and containing @ (Level 2)', '1vendor=a,tenant@system=b'],
  ['all key characters', 'a0_-*/@=v'],
  ['a key with two @', 'a@b@c=1'],
  ['optional whitespace and empty members, dropped', ' rojo=1 ,, \t,congo=2\t'],
  ['empty members without whitespace, dropped too', 'rojo=1,,congo=2'],
  ['a trailing comma, dropped', 'rojo=1,'],
  ['a leading comma, dropped', ',rojo=1'],
  ['a value with an inner and a leading space', 'rojo= a b'],
  ['a value ending in a space: trimmed as OWS', 'rojo=a '],
  ['the printable boundaries of a value', 'k=!~ "+-<>'],
  ['duplicate keys', 'rojo=1,rojo=2'],
  ['several header values, joined', ['rojo=1', 'congo=2']],
  ['several header values, one empty: joined, the empty member dropped', ['rojo=1', '']],
  ['several header values, one null: joined, the empty member dropped', [null, 'rojo=1']],
  ['nested header values, joined', [['rojo=1', 'congo=2'], 'a=b']],
  ['32 members', members(32)],
  ['32 members and empty ones', `${members(32)},,`],
  // Level 2 limits (https://www.w3.org/TR/trace-context-2/#tracestate-limits): 32 members, 512 characters;
  // entries over 128 characters go first (right to left), then entries from the end.
  ['33 members: the last one dropped', members(33)],
  ['40 members: the last 8 dropped', members(40)],
  ['33 members, one over 128 characters: it goes, not the last', `${members(16)},long=${'x'.repeat(124)},${members(16).replace(/k/g, 'j')}`],
  ['exactly 128 characters is not long: the last member goes instead', `${members(16)},long=${'x'.repeat(123)},${members(16).replace(/k/g, 'j')}`],
  ['exactly 512 characters: kept as given', `a=${'x'.repeat(254)},b=${'y'.repeat(253)}`],
  ['513 characters of members none over 128: the last dropped', [100, 100, 100, 100, 109].map((n, i) => `k${i}=${'v'.repeat(n - 3)}`).join(',')],
  ['over 512 characters: a long entry goes before the last ones', `k0=1,long=${'x'.repeat(200)},${Array.from({ length: 6 }, (_, i) => `k${i + 1}=${'v'.repeat(50)}`).join(',')}`],
  ['two long entries: the rightmost goes first, and is enough', `a=${'x'.repeat(248)},b=${'y'.repeat(248)},c=${'z'.repeat(18)}`],
  ['34 members, two long: both go, right to left, and the 32 short ones stay', `a=${'x'.repeat(200)},b=${'y'.repeat(200)},${members(32)}`],
  ['41 members, one long: it goes, then the last 8', `long=${'x'.repeat(150)},${members(40)}`],
  ['whitespace counts for nothing: 512 characters once trimmed', ` a=${'x'.repeat(254)} , \t b=${'y'.repeat(253)}\t`],
  ['a 256-character key and value: 513 characters, nothing left', `${'k'.repeat(256)}=${'v'.repeat(256)}`],
  ['a 256-character key and value after a short member: the short one stays', `rojo=1,${'k'.repeat(256)}=${'v'.repeat(256)}`],
  ['200 KB of valid members: bounded, never forwarded as is', { $text: [['k=v,', 51_200], 'last=1'] }],
  ['200 KB of valid members and one invalid at the end: discarded', { $text: [['k=v,', 51_200], 'BAD=1'] }],
  ['200 KB in one member: invalid', { $text: ['k=', ['v', 204_800]] }],
  ['200 KB of commas and spaces: empty', { $text: [[' ,', 102_400]] }],
  ['an uppercase key', 'Rojo=1'],
  ['a key starting with an underscore', '_rojo=1'],
  ['a key starting with @', '@rojo=1'],
  ['a key with a dot', 'ro.jo=1'],
  ['a member without =', 'rojo'],
  ['an empty key', '=1'],
  ['an empty value', 'rojo='],
  ['a value of one space', 'rojo= '],
  ['a value containing =', 'rojo=a=b'],
  ['a value with a tab', 'rojo=a\tb'],
  ['a value ending in a newline', 'rojo=1\n'],
  ['a value with DEL', 'rojo=a\u007f'],
  ['a value with a non-ASCII character', 'rojo=é'],
  ['a key with a non-ASCII character', 'rojé=1'],
  ['a 257-character key', `${'k'.repeat(257)}=v`],
  ['a 257-character value', `k=${'v'.repeat(257)}`],
  ['one invalid member among valid ones', 'rojo=1,BAD=2,congo=3'],
  ['a whitespace-only member list', ' , ,'],
  ['an empty header', ''],
  ['an array of a number', [42]],
  ['an array of true', [true]],
  ['an empty array', []],
  ['a number', 42],
  ['an object', { rojo: 1 }],
  ['null', null],
];

// ---------------------------------------------------------------------------------------------------------
// xray-header.json: parseXrayHeader(header)

const XRAY_INPUTS: [string, unknown][] = [
  ['a full header', XRAY],
  ['keys case-insensitive, in any order, parts trimmed', ` sampled = 0 ; PARENT=${PARENT};  root=${ROOT} ;`],
  ['a short epoch, left-padded, and uppercase hex, lowercased', 'Root=1-759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8'],
  ['a one-digit epoch', 'Root=1-5-bd862e3fe1be46a994272793'],
  ['an all-zero epoch with a random part', 'Root=1-00000000-bd862e3fe1be46a994272793'],
  ['an epoch with an all-zero random part', 'Root=1-5759e988-000000000000000000000000'],
  ['root only (Lambda PassThrough)', `Root=${ROOT}`],
  ['Sampled=?', `Root=${ROOT};Parent=${PARENT};Sampled=?`],
  ['Sampled=0', `Root=${ROOT};Parent=${PARENT};Sampled=0`],
  ['an unknown field repeated', `Root=${ROOT};X=1;X=2`],
  ['Lineage and unknown fields', FULL_XRAY],
  ['an empty Lineage: no Lineage', `Root=${ROOT};Lineage=`],
  ['an empty Lineage among other fields: no Lineage', `Root=${ROOT};Parent=${PARENT};Sampled=1;Lineage= ;Foo=1`],
  ['an empty Lineage still counts as given: twice is unusable', `Root=${ROOT};Lineage=;Lineage=a`],
  ['Lineage with non-ASCII and a lone surrogate, verbatim', `Root=${ROOT};Lineage=é\u{1F600}\ud800`],
  ['an unknown key with a space inside', `Root=${ROOT};Foo Bar = baz `],
  ['an unknown field with an empty value', `Root=${ROOT};Foo=`],
  ['an unknown field with = in its value', `Root=${ROOT};Foo=a=b`],
  ['a trailing semicolon and empty parts', `;;Root=${ROOT};;`],
  ['tabs around keys and values', `\tRoot\t=\t${ROOT}\t;\tParent=${PARENT}`],
  ['a single value given as an array', [XRAY]],
  ['a key with the Kelvin sign (an unknown key)', `Root=${ROOT};\u212Aey=1`],
  ['no Root', `Parent=${PARENT};Sampled=1`],
  ['root version 2', 'Root=2-5759e988-bd862e3fe1be46a994272793'],
  ['a root without its version dash', 'Root=1x5759e988-bd862e3fe1be46a994272793'],
  ['a root with a non-hex character', 'Root=1-5759e988-bd862e3fe1be46a99427279z'],
  ['a root with a short random part', 'Root=1-5759e988-bd862e3fe1be46a99427279'],
  ['a root with a 9-digit epoch', 'Root=1-15759e988-bd862e3fe1be46a994272793'],
  ['a root with an empty epoch', 'Root=1--bd862e3fe1be46a994272793'],
  ['an all-zero root', 'Root=1-00000000-000000000000000000000000'],
  ['a root with a space inside', 'Root=1-5759e988 -bd862e3fe1be46a994272793'],
  ['a root followed by a newline', `Root=${ROOT}\n`],
  ['an empty root', 'Root='],
  ['a non-hex parent', `Root=${ROOT};Parent=53995c3f42cd8adx`],
  ['a parent of the wrong length', `Root=${ROOT};Parent=53995c3f42cd8a`],
  ['an all-zero parent', `Root=${ROOT};Parent=0000000000000000`],
  ['a parent with an astral character', `Root=${ROOT};Parent=53995c3f42cd8\u{1F600}`],
  ['Sampled=2', `Root=${ROOT};Sampled=2`],
  ['Sampled=01', `Root=${ROOT};Sampled=01`],
  ['an empty Sampled', `Root=${ROOT};Sampled=`],
  ['an empty key', `Root=${ROOT};=x`],
  ['a key of spaces', `Root=${ROOT}; =x`],
  ['a part without =', `Root=${ROOT};junk`],
  ['Root twice', `Root=${ROOT};Root=${ROOT}`],
  ['Parent twice, in different case', `Root=${ROOT};Parent=${'1'.repeat(16)};parent=${'2'.repeat(16)}`],
  ['Lineage twice', `Root=${ROOT};Lineage=a;LINEAGE=b`],
  ['Sampled twice', `Root=${ROOT};Sampled=1;Sampled=1`],
  ['two header values', [`Root=${ROOT}`, `Root=${ROOT}`]],
  ['an empty header', ''],
  ['only separators', ' ; ;'],
  ['a number', 42],
  ['null', null],
];

// ---------------------------------------------------------------------------------------------------------
// conversions.json: formatTraceparent, formatXrayHeader (any context shape), xrayToTraceparent, traceparentToXray

const W3C = { traceId: TRACE, parentId: SPAN };
const CONTEXTS: [string, unknown][] = [
  ['flags ff, unknown bits cleared', { ...W3C, traceFlags: 0xff }],
  ['flags 09', { ...W3C, traceFlags: 0x09 }],
  ['flags 02', { ...W3C, traceFlags: 2 }],
  ['sampled without flags', { ...W3C, sampled: true }],
  ['not sampled without flags', { ...W3C, sampled: false }],
  ['flags win over sampled', { ...W3C, traceFlags: 0, sampled: true }],
  ['sampled wins over flags (X-Ray)', { ...W3C, traceFlags: 1, sampled: false }],
  ['neither flags nor sampled', W3C],
  ['fractional flags', { ...W3C, traceFlags: 1.5 }],
  ['negative flags', { ...W3C, traceFlags: -1 }],
  ['flags past 32 bits', { ...W3C, traceFlags: 4294967297 }],
  ['huge flags', { ...W3C, traceFlags: 1e300 }],
  ['flags as a string', { ...W3C, traceFlags: '1' }],
  ['flags as a boolean', { ...W3C, traceFlags: true }],
  ['flags null', { ...W3C, traceFlags: null }],
  ['sampled as a string', { ...W3C, sampled: 'no' }],
  ['sampled 0', { ...W3C, sampled: 0 }],
  ['sampled as an empty array (truthy in JavaScript)', { ...W3C, sampled: [] }],
  ['sampled as an empty object (truthy in JavaScript)', { ...W3C, sampled: {} }],
  ['sampled null, flags 1', { ...W3C, sampled: null, traceFlags: 1 }],
  ['lineage and extra', { traceId: XTRACE, parentId: PARENT, sampled: true, lineage: 'a87bd80c:1', extra: 'Self=x;CalledFrom=y' }],
  ['an empty lineage', { traceId: XTRACE, lineage: '' }],
  ['a numeric lineage', { traceId: XTRACE, lineage: 42 }],
  ['a fractional lineage', { traceId: XTRACE, lineage: 1e-7 }],
  ['an array extra', { traceId: XTRACE, extra: ['A=1', 'B=2'] }],
  ['an object extra', { traceId: XTRACE, extra: { a: 1 } }],
  ['a tracestate (not formatted)', { ...W3C, traceFlags: 1, traceState: 'rojo=1' }],
  ['no parent id (an X-Ray root-only header)', { traceId: TRACE }],
  ['an all-zero trace id', { traceId: '0'.repeat(32), parentId: SPAN }],
  ['an all-zero parent id', { traceId: TRACE, parentId: '0'.repeat(16) }],
  ['an uppercase trace id', { traceId: TRACE.toUpperCase(), parentId: SPAN }],
  ['an uppercase parent id', { traceId: TRACE, parentId: SPAN.toUpperCase() }],
  ['a short trace id', { traceId: TRACE.slice(2), parentId: SPAN }],
  ['a malformed parent id', { traceId: TRACE, parentId: 'xyz' }],
  ['an empty parent id', { traceId: TRACE, parentId: '' }],
  ['a numeric trace id', { traceId: 42, parentId: SPAN }],
  ['a trace id with a non-ASCII character', { traceId: `${TRACE.slice(0, 31)}é`, parentId: SPAN }],
  ['no trace id', { parentId: SPAN }],
  ['an empty object', {}],
  ['a string', VALID],
  ['null', null],
];

// ---------------------------------------------------------------------------------------------------------
// carriers.json: SQS, SNS and EventBridge, both ways

const CTX = { traceId: XTRACE, parentId: PARENT, sampled: true, lineage: 'a87bd80c:1', traceState: 'rojo=1' };
const CTX_W3C = `00-${XTRACE}-${PARENT}-01`;
const attrs = (n: number, prefix = 'a') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, { DataType: 'String', StringValue: `${i}` }]));
const snsEnvelope = (attributes: unknown) => JSON.stringify({ Type: 'Notification', MessageId: 'm', Message: '{}', MessageAttributes: attributes });
const ebEvent = (detail: unknown) => JSON.stringify({ 'version': '0', 'detail-type': 'PaymentCompleted', 'source': 'payments', detail });

const CARRIERS: [string, string, Record<string, unknown>][] = [
  // injectSqsMessage(message, context)
  ['SQS: X-Ray system attribute with Lineage, W3C attributes beside the caller\'s', 'injectSqsMessage',
    { message: { QueueUrl: 'q', MessageBody: 'b', MessageAttributes: { tenant: { DataType: 'String', StringValue: 't1' } } }, context: CTX }],
  ['SQS: a SendMessageBatch entry', 'injectSqsMessage', { message: { Id: '1', MessageBody: 'b' }, context: CTX }],
  ['SQS: 9 attributes leave no room for traceparent and tracestate', 'injectSqsMessage', { message: { MessageAttributes: attrs(9) }, context: CTX }],
  ['SQS: 9 attributes leave room for traceparent alone', 'injectSqsMessage', { message: { MessageAttributes: attrs(9) }, context: { traceId: XTRACE, parentId: PARENT, sampled: true } }],
  ['SQS: 10 attributes', 'injectSqsMessage', { message: { MessageAttributes: attrs(10) }, context: { traceId: XTRACE, parentId: PARENT } }],
  ['SQS: 7 attributes and the caller\'s tracestate: room for traceparent', 'injectSqsMessage',
    { message: { MessageAttributes: { ...attrs(7), tracestate: { DataType: 'String', StringValue: 'mine=1' } } }, context: CTX }],
  ['SQS: 8 attributes and the caller\'s tracestate: traceparent alone fits, one slot counted', 'injectSqsMessage',
    { message: { MessageAttributes: { ...attrs(8), tracestate: { DataType: 'String', StringValue: 'mine=1' } } }, context: { ...CTX } }],
  ['SQS: 9 attributes and the caller\'s tracestate: no room', 'injectSqsMessage',
    { message: { MessageAttributes: { ...attrs(9), tracestate: { DataType: 'String', StringValue: 'mine=1' } } }, context: CTX }],
  ['SQS: 9 attributes and an invalid tracestate in the context: traceparent alone fits', 'injectSqsMessage',
    { message: { MessageAttributes: attrs(9) }, context: { ...CTX, traceState: 'NOT VALID' } }],
  ['SQS: the caller\'s traceparent and AWSTraceHeader stay', 'injectSqsMessage', {
    message: {
      MessageAttributes: { traceparent: { DataType: 'String', StringValue: 'mine' } },
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-00000001-000000000000000000000001' } },
    },
    context: CTX,
  }],
  ['SQS: a null traceparent attribute counts as set', 'injectSqsMessage', { message: { MessageAttributes: { traceparent: null } }, context: CTX }],
  ['SQS: a null AWSTraceHeader counts as set', 'injectSqsMessage', { message: { MessageSystemAttributes: { AWSTraceHeader: null } }, context: CTX }],
  ['SQS: null MessageAttributes and MessageSystemAttributes are replaced', 'injectSqsMessage',
    { message: { MessageAttributes: null, MessageSystemAttributes: null }, context: CTX }],
  ['SQS: other system attributes are kept', 'injectSqsMessage', { message: { MessageSystemAttributes: { Other: { DataType: 'String', StringValue: 'x' } } }, context: CTX }],
  ['SQS: a root-only context propagates X-Ray only', 'injectSqsMessage', { message: { QueueUrl: 'q' }, context: { traceId: XTRACE } }],
  ['SQS: a W3C context with flags 3', 'injectSqsMessage', { message: {}, context: { traceId: TRACE, parentId: SPAN, traceFlags: 3 } }],
  ['SQS: an invalid tracestate in the context is not sent', 'injectSqsMessage', { message: {}, context: { ...W3C, traceState: 'NOT VALID' } }],
  ['SQS: a tracestate needing trimming is sent normalized', 'injectSqsMessage', { message: {}, context: { ...W3C, traceState: ' rojo=1 ,, congo=2' } }],
  ['SQS: a tracestate of 40 members is sent bounded to 32', 'injectSqsMessage', { message: {}, context: { ...W3C, traceState: members(40) } }],
  ['SQS: a 200 KB tracestate is never sent as is', 'injectSqsMessage', { message: {}, context: { ...W3C, traceState: { $text: [['rojo=1,', 30_000], 'congo=2'] } } }],
  ['SQS: a tracestate that is not a string is not sent', 'injectSqsMessage', { message: {}, context: { ...W3C, traceState: 7 } }],
  // 256 KiB = 262,144 bytes, body and attributes counted (UTF-8); AWSTraceHeader does not count. CTX's
  // traceparent and tracestate attributes take 11 + 6 + 55 and 10 + 6 + 6 bytes: 94.
  ['SQS: a message reaching 262,144 bytes exactly with W3C context (UTF-8 counted)', 'injectSqsMessage',
    { message: { MessageBody: { $text: [['é', 131_000], ['x', 36]] }, MessageAttributes: { tenant: { DataType: 'String', StringValue: 't1' } } }, context: CTX }],
  ['SQS: one byte more: sent as built, with AWSTraceHeader only, and a warning', 'injectSqsMessage',
    { message: { MessageBody: { $text: [['é', 131_000], ['x', 37]] }, MessageAttributes: { tenant: { DataType: 'String', StringValue: 't1' } } }, context: CTX }],
  ['SQS: a body already over the limit: sent as built', 'injectSqsMessage', { message: { MessageBody: { $text: [['x', 262_145]] } }, context: CTX }],
  ['SQS: astral characters count 4 bytes: one byte over', 'injectSqsMessage',
    { message: { MessageBody: { $text: [['\u{1F600}', 65_512], ['x', 25]] } }, context: { traceId: XTRACE, parentId: PARENT } }],
  ['SQS: astral characters count 4 bytes: at the limit', 'injectSqsMessage',
    { message: { MessageBody: { $text: [['\u{1F600}', 65_512], ['x', 24]] } }, context: { traceId: XTRACE, parentId: PARENT } }],
  ['SQS: a non-string body counts nothing', 'injectSqsMessage', { message: { MessageBody: 42 }, context: CTX }],
  ['SQS: MessageSystemAttributes that is not an object is left alone', 'injectSqsMessage', { message: { MessageSystemAttributes: 'junk' }, context: CTX }],
  ['SQS: MessageAttributes that is an array is left alone', 'injectSqsMessage', { message: { MessageAttributes: ['junk'] }, context: CTX }],
  ['SQS: a message that is not an object is returned as is', 'injectSqsMessage', { message: null, context: CTX }],
  ['SQS: an invalid context changes nothing', 'injectSqsMessage', { message: { QueueUrl: 'q' }, context: { traceId: '0'.repeat(32), parentId: SPAN } }],
  ['SQS: an empty context changes nothing', 'injectSqsMessage', { message: { QueueUrl: 'q' }, context: {} }],
  // injectSnsMessage(message, context)
  ['SNS: W3C attributes on a Publish input', 'injectSnsMessage', { message: { TopicArn: 't', Message: 'm' }, context: CTX }],
  ['SNS: 10 attributes', 'injectSnsMessage', { message: { MessageAttributes: attrs(10) }, context: CTX }],
  ['SNS: 9 attributes and a tracestate', 'injectSnsMessage', { message: { MessageAttributes: attrs(9) }, context: CTX }],
  ['SNS: the caller\'s traceparent stays', 'injectSnsMessage', { message: { MessageAttributes: { traceparent: { DataType: 'String', StringValue: 'mine' } } }, context: CTX }],
  ['SNS: a root-only context adds nothing', 'injectSnsMessage', { message: { TopicArn: 't' }, context: { traceId: XTRACE } }],
  ['SNS: the caller\'s tracestate stays and takes no second slot', 'injectSnsMessage',
    { message: { MessageAttributes: { ...attrs(8), tracestate: { DataType: 'String', StringValue: 'mine=1' } } }, context: CTX }],
  ['SNS: an invalid tracestate in the context is not sent', 'injectSnsMessage', { message: {}, context: { ...CTX, traceState: 'a=1,=' } }],
  ['SNS: a message reaching 262,144 bytes exactly with W3C context', 'injectSnsMessage',
    { message: { Message: { $text: [['x', 262_050]] } }, context: CTX }],
  ['SNS: one byte more: sent as built, and a warning', 'injectSnsMessage', { message: { Message: { $text: [['x', 262_051]] } }, context: CTX }],
  ['SNS: a message that is not an object is returned as is', 'injectSnsMessage', { message: 'm', context: CTX }],
  // injectEventBridgeEntry(entry, context, key)
  ['EventBridge: TraceHeader, and the carrier spliced into Detail', 'injectEventBridgeEntry',
    { entry: { Source: 'payments', DetailType: 'PaymentCompleted', Detail: '{"orderId":"1","amount":  12}' }, context: CTX }],
  ['EventBridge: an empty Detail and a custom key', 'injectEventBridgeEntry', { entry: { Detail: ' { } ' }, context: CTX, key: 'ctx' }],
  ['EventBridge: no Detail', 'injectEventBridgeEntry', { entry: {}, context: { traceId: XTRACE, parentId: PARENT } }],
  ['EventBridge: a null Detail', 'injectEventBridgeEntry', { entry: { Detail: null }, context: { traceId: XTRACE, parentId: PARENT } }],
  ['EventBridge: Detail with surrounding whitespace of every kind', 'injectEventBridgeEntry',
    { entry: { Detail: '\ufeff\u00a0\u2028 \n{"a":[1,{"b":null}]}\r\n\u3000' }, context: CTX }],
  ['EventBridge: Detail led by a control character (not whitespace in JavaScript)', 'injectEventBridgeEntry', { entry: { Detail: '\u001c{"a":1}' }, context: CTX }],
  ['EventBridge: a Detail array', 'injectEventBridgeEntry', { entry: { Detail: '[1,2]' }, context: CTX }],
  ['EventBridge: a Detail that is not JSON', 'injectEventBridgeEntry', { entry: { Detail: 'not json' }, context: CTX }],
  ['EventBridge: a Detail with NaN', 'injectEventBridgeEntry', { entry: { Detail: '{"a":NaN}' }, context: CTX }],
  ['EventBridge: a Detail with a trailing comma', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1,}' }, context: CTX }],
  ['EventBridge: a null Detail text', 'injectEventBridgeEntry', { entry: { Detail: 'null' }, context: CTX }],
  ['EventBridge: a string Detail', 'injectEventBridgeEntry', { entry: { Detail: '"{}"' }, context: CTX }],
  ['EventBridge: the caller\'s own carrier stays', 'injectEventBridgeEntry', { entry: { Detail: '{"_trace":{"traceparent":"mine"}}' }, context: CTX }],
  ['EventBridge: a key every JavaScript object has is an error', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1}' }, context: CTX, key: 'constructor' }],
  ['EventBridge: key __proto__ is an error', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1}' }, context: CTX, key: '__proto__' }],
  ['EventBridge: key toString is an error', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1}' }, context: CTX, key: 'toString' }],
  ['EventBridge: an empty key is an error', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1}' }, context: CTX, key: '' }],
  ['EventBridge: a key with a dot is an error', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1}' }, context: CTX, key: 'trace.ctx' }],
  ['EventBridge: a key that is not a string is an error', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1}' }, context: CTX, key: 42 }],
  ['EventBridge: an invalid key is an error even without a context', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1}' }, context: { traceId: 'nope' }, key: '' }],
  ['EventBridge: key "0" is valid', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1}' }, context: CTX, key: '0' }],
  ['EventBridge: an own hasOwnProperty key in Detail does not fool the check', 'injectEventBridgeEntry',
    { entry: { Detail: '{"hasOwnProperty":1,"_trace":{"traceparent":"mine"}}' }, context: CTX }],
  ['EventBridge: an object Detail is left as given, with a warning', 'injectEventBridgeEntry', { entry: { Detail: { a: 1 } }, context: CTX }],
  ['EventBridge: a numeric Detail is left as given, with a warning', 'injectEventBridgeEntry', { entry: { Detail: 42 }, context: CTX }],
  ['EventBridge: an invalid tracestate in the context is not sent', 'injectEventBridgeEntry', { entry: { Detail: '{}' }, context: { ...W3C, traceState: 'NOT VALID' } }],
  ['EventBridge: a tracestate of 40 members is sent bounded to 32', 'injectEventBridgeEntry', { entry: { Detail: '{}' }, context: { ...W3C, traceState: members(40) } }],
  ['EventBridge: Resources, Source and DetailType that are not strings are counted as text', 'injectEventBridgeEntry',
    { entry: { Source: 5, DetailType: true, Resources: [1, null, ['a', 'b']], Detail: '{}' }, context: CTX }],
  ['EventBridge: Resources that is a number counts nothing', 'injectEventBridgeEntry', { entry: { Resources: 42, Detail: '{}' }, context: CTX }],
  ['EventBridge: Resources that is a string counts as text', 'injectEventBridgeEntry', { entry: { Resources: 'arn:é', Detail: '{}' }, context: CTX }],
  // PutEvents counts Source, DetailType, Detail and Resources (UTF-8) and Time as 14; TraceHeader does not count.
  ['EventBridge: an entry reaching 262,144 bytes exactly with the carrier', 'injectEventBridgeEntry',
    { entry: { Source: 's', DetailType: 'd', Time: '2024-01-01T00:00:00Z', Detail: { $text: ['{"p":"', ['é', 131_000], ['x', 15], '"}'] } }, context: CTX }],
  ['EventBridge: one byte more: Detail as built, TraceHeader only, and a warning', 'injectEventBridgeEntry',
    { entry: { Source: 's', DetailType: 'd', Time: '2024-01-01T00:00:00Z', Detail: { $text: ['{"p":"', ['é', 131_000], ['x', 16], '"}'] } }, context: CTX }],
  ['EventBridge: a key needing JSON escapes', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1}' }, context: CTX, key: 'k"\\\n\u0001é\ud800' }],
  ['EventBridge: a tracestate needing JSON escapes', 'injectEventBridgeEntry', { entry: { Detail: '{}' }, context: { ...W3C, traceState: 'a="b"\\\t\u2028' } }],
  ['EventBridge: the caller\'s TraceHeader stays', 'injectEventBridgeEntry', { entry: { TraceHeader: 'mine', Detail: '{}' }, context: CTX }],
  ['EventBridge: a null TraceHeader counts as set', 'injectEventBridgeEntry', { entry: { TraceHeader: null }, context: CTX }],
  ['EventBridge: a root-only context sets TraceHeader only', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1}' }, context: { traceId: XTRACE } }],
  ['EventBridge: an invalid context changes nothing', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1}' }, context: { traceId: 'nope' } }],
  ['EventBridge: duplicate keys in Detail', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1,"a":2}' }, context: CTX }],
  ['EventBridge: Time, Resources and multibyte text within the limit', 'injectEventBridgeEntry',
    { entry: { Time: '2024-01-01T00:00:00Z', Source: 'sourcé', DetailType: 'typé', Resources: ['arn:é', 'arn:\u{1F600}'], Detail: '{"a":"é"}' }, context: CTX }],
  // sqsRecordContext(record, eventBridgeKey)
  ['SQS record: W3C attributes first', 'sqsRecordContext', {
    record: {
      messageAttributes: { traceparent: { stringValue: CTX_W3C }, tracestate: { stringValue: 'rojo=1' } },
      attributes: { AWSTraceHeader: 'Root=1-00000001-000000000000000000000001' },
    },
  }],
  ['SQS record: an invalid tracestate attribute is dropped alone', 'sqsRecordContext',
    { record: { messageAttributes: { traceparent: { stringValue: CTX_W3C }, tracestate: { stringValue: 'BAD' } } } }],
  ['SQS record: a garbage traceparent falls back to AWSTraceHeader', 'sqsRecordContext',
    { record: { messageAttributes: { traceparent: { stringValue: 'garbage' } }, attributes: { AWSTraceHeader: FULL_XRAY } } }],
  ['SQS record: a null stringValue falls back to AWSTraceHeader', 'sqsRecordContext',
    { record: { messageAttributes: { traceparent: { stringValue: null } }, attributes: { AWSTraceHeader: XRAY } } }],
  ['SQS record: a stringValue given as a one-element array', 'sqsRecordContext', { record: { messageAttributes: { traceparent: { stringValue: [CTX_W3C] } } } }],
  ['SQS record: a root-only AWSTraceHeader', 'sqsRecordContext', { record: { attributes: { AWSTraceHeader: `Root=${ROOT}` } } }],
  ['SQS record: an SNS envelope in the body', 'sqsRecordContext',
    { record: { body: snsEnvelope({ traceparent: { Type: 'String', Value: CTX_W3C }, tracestate: { Type: 'String', Value: 'rojo=1' } }) } }],
  ['SQS record: an SNS envelope without attributes', 'sqsRecordContext', { record: { body: JSON.stringify({ Type: 'Notification', Message: 'traceparent' }) } }],
  ['SQS record: an SNS envelope with a non-string Value', 'sqsRecordContext', { record: { body: snsEnvelope({ traceparent: { Type: 'String', Value: [CTX_W3C] } }) } }],
  ['SQS record: an SNS envelope wins over an EventBridge carrier', 'sqsRecordContext',
    { record: { body: JSON.stringify({ Type: 'Notification', MessageAttributes: {}, detail: { _trace: { traceparent: CTX_W3C } } }) } }],
  ['SQS record: an EventBridge event in the body', 'sqsRecordContext', { record: { body: ebEvent({ _trace: { traceparent: `00-${XTRACE}-${PARENT}-00` }, orderId: '1' }) } }],
  ['SQS record: an EventBridge event with a custom key', 'sqsRecordContext',
    { record: { body: ebEvent({ ctx: { traceparent: CTX_W3C, tracestate: 'a=1' } }) }, eventBridgeKey: 'ctx' }],
  ['SQS record: AWSTraceHeader wins over the body', 'sqsRecordContext',
    { record: { attributes: { AWSTraceHeader: XRAY }, body: ebEvent({ _trace: { traceparent: CTX_W3C } }) } }],
  ['SQS record: a body that is not JSON', 'sqsRecordContext', { record: { body: '{"traceparent": oops' } }],
  ['SQS record: plain text mentioning traceparent', 'sqsRecordContext', { record: { body: 'plain text mentioning traceparent' } }],
  ['SQS record: a JSON body with NaN', 'sqsRecordContext', { record: { body: `{"detail":{"_trace":{"traceparent":"${CTX_W3C}"}},"n":NaN}` } }],
  ['SQS record: a JSON body with Infinity', 'sqsRecordContext', { record: { body: `{"detail":{"_trace":{"traceparent":"${CTX_W3C}"}},"n":-Infinity}` } }],
  ['SQS record: a JSON body with a huge number', 'sqsRecordContext', { record: { body: `{"detail":{"_trace":{"traceparent":"${CTX_W3C}"}},"n":1e400}` } }],
  ['SQS record: a JSON string body', 'sqsRecordContext', { record: { body: '"traceparent"' } }],
  ['SQS record: a JSON array body', 'sqsRecordContext', { record: { body: `[{"_trace":{"traceparent":"${CTX_W3C}"}}]` } }],
  ['SQS record: a JSON array body, read at index 0 with key "0"', 'sqsRecordContext', { record: { body: `[{"traceparent":"${CTX_W3C}"}]` }, eventBridgeKey: '0' }],
  ['SQS record: a body with a BOM', 'sqsRecordContext', { record: { body: `\ufeff{"_trace":{"traceparent":"${CTX_W3C}"}}` } }],
  ['SQS record: a non-string body', 'sqsRecordContext', { record: { body: { _trace: { traceparent: CTX_W3C } } } }],
  ['SQS record: a numeric AWSTraceHeader', 'sqsRecordContext', { record: { attributes: { AWSTraceHeader: 42 } } }],
  ['SQS record: a malformed AWSTraceHeader and a null traceparent attribute', 'sqsRecordContext',
    { record: { messageAttributes: { traceparent: null }, attributes: { AWSTraceHeader: 'Root=garbage' } } }],
  ['SQS record: messageAttributes as a string', 'sqsRecordContext', { record: { messageAttributes: 'traceparent' } }],
  ['SQS record: a string', 'sqsRecordContext', { record: 'record' }],
  ['SQS record: an array', 'sqsRecordContext', { record: [1] }],
  ['SQS record: an empty object', 'sqsRecordContext', { record: {} }],
  ['SQS record: null', 'sqsRecordContext', { record: null }],
  ['SQS record: an EventBridge event read with key constructor finds nothing', 'sqsRecordContext',
    { record: { body: ebEvent({ _trace: { traceparent: CTX_W3C } }) }, eventBridgeKey: 'constructor' }],
  ['SQS record: a 200 KB tracestate attribute is bounded', 'sqsRecordContext',
    { record: { messageAttributes: { traceparent: { stringValue: CTX_W3C }, tracestate: { stringValue: { $text: [['rojo=1,', 30_000], 'congo=2'] } } } } }],
  ['SQS record: an empty Lineage in AWSTraceHeader is no Lineage', 'sqsRecordContext', { record: { attributes: { AWSTraceHeader: `${XRAY};Lineage=` } } }],
  // snsRecordContext(record)
  ['SNS record: traceparent and tracestate', 'snsRecordContext',
    { record: { Sns: { MessageAttributes: { traceparent: { Type: 'String', Value: CTX_W3C }, tracestate: { Type: 'String', Value: 'rojo=1' } } } } }],
  ['SNS record: a Value given as a one-element array', 'snsRecordContext', { record: { Sns: { MessageAttributes: { traceparent: { Value: [CTX_W3C] } } } } }],
  ['SNS record: an invalid tracestate', 'snsRecordContext', { record: { Sns: { MessageAttributes: { traceparent: { Value: CTX_W3C }, tracestate: { Value: 'X' } } } } }],
  ['SNS record: no attributes', 'snsRecordContext', { record: { Sns: {} } }],
  ['SNS record: an empty attribute map', 'snsRecordContext', { record: { Sns: { MessageAttributes: {} } } }],
  ['SNS record: a malformed traceparent', 'snsRecordContext', { record: { Sns: { MessageAttributes: { traceparent: { Value: 'garbage' } } } } }],
  ['SNS record: Sns as a string', 'snsRecordContext', { record: { Sns: 'x' } }],
  ['SNS record: null', 'snsRecordContext', { record: null }],
  // eventBridgeEventContext(event, key)
  ['EventBridge event: a Lambda target\'s event', 'eventBridgeEventContext', { event: JSON.parse(ebEvent({ _trace: { traceparent: CTX_W3C, tracestate: 'rojo=1' } })) }],
  ['EventBridge event: an SQS record carrying the event', 'eventBridgeEventContext', { event: { eventSource: 'aws:sqs', body: ebEvent({ _trace: { traceparent: CTX_W3C } }) } }],
  ['EventBridge event: detail alone ($.detail input path)', 'eventBridgeEventContext', { event: { orderId: '1', _trace: { traceparent: CTX_W3C } } }],
  ['EventBridge event: a null detail with a top-level carrier', 'eventBridgeEventContext', { event: { detail: null, _trace: { traceparent: CTX_W3C } } }],
  ['EventBridge event: a string detail with a top-level carrier', 'eventBridgeEventContext', { event: { detail: 'x', _trace: { traceparent: CTX_W3C } } }],
  ['EventBridge event: an object detail hides a top-level carrier', 'eventBridgeEventContext', { event: { detail: {}, _trace: { traceparent: CTX_W3C } } }],
  ['EventBridge event: an array detail', 'eventBridgeEventContext', { event: { detail: [{ _trace: { traceparent: CTX_W3C } }] } }],
  ['EventBridge event: a custom key', 'eventBridgeEventContext', { event: { detail: { ctx: { traceparent: CTX_W3C } } }, key: 'ctx' }],
  ['EventBridge event: a carrier that is a string', 'eventBridgeEventContext', { event: { detail: { _trace: 'x' } } }],
  ['EventBridge event: a carrier that is an array', 'eventBridgeEventContext', { event: { detail: { _trace: [CTX_W3C] } } }],
  ['EventBridge event: a non-string traceparent', 'eventBridgeEventContext', { event: { detail: { _trace: { traceparent: [CTX_W3C] } } } }],
  ['EventBridge event: a non-string tracestate', 'eventBridgeEventContext', { event: { detail: { _trace: { traceparent: CTX_W3C, tracestate: ['rojo=1'] } } } }],
  ['EventBridge event: a body that is not JSON', 'eventBridgeEventContext', { event: { body: '{' } }],
  ['EventBridge event: a body of null', 'eventBridgeEventContext', { event: { body: 'null', _trace: { traceparent: CTX_W3C } } }],
  ['EventBridge event: a non-string body is not parsed', 'eventBridgeEventContext', { event: { body: 1, _trace: { traceparent: CTX_W3C } } }],
  ['EventBridge event: a key every JavaScript object has', 'eventBridgeEventContext', { event: { detail: { a: 1 } }, key: 'constructor' }],
  ['EventBridge event: key toString finds nothing on a detail without it', 'eventBridgeEventContext', { event: { detail: { a: 1 } }, key: 'toString' }],
  ['EventBridge event: key __proto__ finds nothing on a detail without it', 'eventBridgeEventContext', { event: { detail: { a: 1 } }, key: '__proto__' }],
  ['EventBridge event: an own __proto__ member is a carrier like any other', 'eventBridgeEventContext',
    { event: { body: `{"detail":{"__proto__":{"traceparent":"${CTX_W3C}"}}}` }, key: '__proto__' }],
  ['EventBridge event: an own hasOwnProperty member does not fool the reader', 'eventBridgeEventContext',
    { event: { detail: { hasOwnProperty: 1, _trace: { traceparent: CTX_W3C } } } }],
  ['EventBridge event: a key with a dot is read as a plain key', 'eventBridgeEventContext', { event: { detail: { 'a.b': { traceparent: CTX_W3C } } }, key: 'a.b' }],
  ['EventBridge event: a 200 KB tracestate is bounded', 'eventBridgeEventContext',
    { event: { detail: { _trace: { traceparent: CTX_W3C, tracestate: { $text: [['rojo=1,', 30_000], 'congo=2'] } } } } }],
  ['EventBridge event: a string', 'eventBridgeEventContext', { event: 'event' }],
  ['EventBridge event: null', 'eventBridgeEventContext', { event: null }],
];

// ---------------------------------------------------------------------------------------------------------

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const orNull = (value: unknown): unknown => (value === undefined ? null : json(value));

/**
 * A vector input with its long text expanded: `{"$text": [part, ...]}` is the parts joined, each a string or
 * `[unit, count]`, the unit repeated. The Python harness expands it the same way.
 */
export function expand(value: unknown): any {
  if (Array.isArray(value)) return value.map(expand);
  if (value === null || typeof value !== 'object') return value;
  const parts = (value as { $text?: unknown }).$text;
  if (Array.isArray(parts)) return parts.map((p) => (typeof p === 'string' ? p : String(p[0]).repeat(p[1]))).join('');
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v)]));
}

/** Text this long in an injector's result is written as `{"$text": [...]}` too, runs of a character as [char, count]. */
const LONG_TEXT = 1024;
const RUN = 16;

/** A JSON value with its long strings written as `$text` runs (by code point, so astral characters stay whole). */
function compress(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compress);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compress(v)]));
  if (typeof value !== 'string' || value.length <= LONG_TEXT) return value;
  const chars = Array.from(value);
  const parts: unknown[] = [];
  let literal = '';
  for (let i = 0; i < chars.length;) {
    let j = i + 1;
    while (j < chars.length && chars[j] === chars[i]) j++;
    if (j - i >= RUN) {
      if (literal) parts.push(literal);
      literal = '';
      parts.push([chars[i], j - i]);
    } else {
      literal += chars.slice(i, j).join('');
    }
    i = j;
  }
  if (literal) parts.push(literal);
  return { $text: parts };
}

/** What the Node runtime gives for one input of one file; the vectors test calls this too. */
export function evaluate(file: VectorFile, raw: Record<string, any>): unknown {
  const input = expand(raw);
  switch (file) {
    case 'traceparent': return orNull(parseTraceparent(input.traceparent, input.tracestate));
    case 'tracestate': return orNull(parseTracestate(input.tracestate));
    case 'xray-header': return orNull(parseXrayHeader(input.header));
    case 'conversions': return orNull(CONVERSIONS[input.function as string](input.argument));
    case 'carriers': return evaluateCarrier(input);
  }
}

const CONVERSIONS: Record<string, (argument: any) => string | undefined> = {
  formatTraceparent: (argument: TraceContext | undefined) => formatTraceparent(argument),
  formatXrayHeader: (argument: TraceContext | undefined) => formatXrayHeader(argument),
  xrayToTraceparent: (argument: string) => xrayToTraceparent(argument),
  traceparentToXray: (argument: string) => traceparentToXray(argument),
};

/**
 * An injector's result: the message or entry as it would be sent (long text compressed), the warnings, and
 * the error's message when it threw (a programming error: an invalid EventBridge key). Warnings said once
 * per process are cleared first, so each case stands alone.
 */
function injected(name: 'message' | 'entry', carrier: unknown, inject: () => void, warnings: string[]): unknown {
  let error: string | undefined;
  try {
    inject();
  } catch (e) {
    error = (e as Error).message;
  }
  return { [name]: compress(json(carrier) ?? null), warnings, ...(error === undefined ? {} : { error }) };
}

function evaluateCarrier(input: Record<string, any>): unknown {
  const warnings = captureDiagWarnings();
  warnedOnce.clear();
  try {
    switch (input.function) {
      case 'injectSqsMessage': return injected('message', input.message, () => injectSqsMessage(input.message, input.context), warnings);
      case 'injectSnsMessage': return injected('message', input.message, () => injectSnsMessage(input.message, input.context), warnings);
      case 'injectEventBridgeEntry': return injected('entry', input.entry, () => injectEventBridgeEntry(input.entry, input.context, input.key), warnings);
      case 'sqsRecordContext': return orNull(sqsRecordContext(input.record, input.eventBridgeKey));
      case 'snsRecordContext': return orNull(snsRecordContext(input.record));
      case 'eventBridgeEventContext': return orNull(eventBridgeEventContext(input.event, input.key));
      default: throw new Error(`unknown carrier function ${input.function}`);
    }
  } finally {
    diag.disable();
  }
}

/** Every file's inputs, in order, before evaluation. */
function inputs(): Record<VectorFile, [string, Record<string, unknown>][]> {
  const traceparentBases = [VALID, `cc-${TRACE}-${SPAN}-01-future`, `00-${TRACE}-${SPAN}-00`];
  const tracestateBases = ['rojo=00f067aa0ba902b7,congo=t61rcWkgMzE', 'a@b=1, c=2', 'k=v'];
  const xrayBases = [XRAY, FULL_XRAY, `Root=${ROOT}`, 'Root=1-759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8;Sampled=?'];
  const randomTraceparents = mutations(traceparentBases, RANDOM_CASES, SEED);
  const randomTracestates = mutations(tracestateBases, RANDOM_CASES, SEED + 1);
  const randomXrays = mutations(xrayBases, RANDOM_CASES, SEED + 2);

  const traceparent: [string, Record<string, unknown>][] = [
    ...TRACEPARENT_INPUTS,
    ...randomTraceparents.map((h, i): [string, Record<string, unknown>] => [`mutation ${i + 1}`, { traceparent: h, tracestate: randomTracestates[i] }]),
  ];
  const tracestate: [string, Record<string, unknown>][] = [
    ...TRACESTATE_INPUTS.map(([name, value]): [string, Record<string, unknown>] => [name, { tracestate: value }]),
    ...randomTracestates.map((s, i): [string, Record<string, unknown>] => [`mutation ${i + 1}`, { tracestate: s }]),
  ];
  const xray: [string, Record<string, unknown>][] = [
    ...XRAY_INPUTS.map(([name, value]): [string, Record<string, unknown>] => [name, { header: value }]),
    ...randomXrays.map((h, i): [string, Record<string, unknown>] => [`mutation ${i + 1}`, { header: h }]),
  ];
  // Conversions: every context shape through both formatters, every header through its converter, and
  // every parsed context back through the formatters (format(parse(x))).
  const conversions: [string, Record<string, unknown>][] = [];
  for (const [name, context] of CONTEXTS) {
    conversions.push([`formatTraceparent: ${name}`, { function: 'formatTraceparent', argument: context }]);
    conversions.push([`formatXrayHeader: ${name}`, { function: 'formatXrayHeader', argument: context }]);
  }
  for (const [name, { traceparent: header }] of traceparent) {
    if (header === undefined) continue;
    conversions.push([`traceparentToXray: ${name}`, { function: 'traceparentToXray', argument: header }]);
  }
  for (const [name, { header }] of xray) {
    conversions.push([`xrayToTraceparent: ${name}`, { function: 'xrayToTraceparent', argument: header }]);
    const parsed = parseXrayHeader(json(header) as string);
    if (parsed) conversions.push([`formatXrayHeader(parseXrayHeader): ${name}`, { function: 'formatXrayHeader', argument: json(parsed) }]);
  }
  const carriers = CARRIERS.map(([name, fn, args]): [string, Record<string, unknown>] => [name, { function: fn, ...args }]);
  return { 'traceparent': traceparent, 'tracestate': tracestate, 'xray-header': xray, 'conversions': conversions, 'carriers': carriers };
}

/** The vectors, evaluated by the Node runtime. */
export function buildVectors(): Record<VectorFile, VectorCase[]> {
  const all = inputs();
  const out = {} as Record<VectorFile, VectorCase[]>;
  for (const file of VECTOR_FILES) {
    out[file] = all[file].map(([name, raw]) => {
      const input = json(raw);
      return { name, input, expected: evaluate(file, input) };
    });
  }
  return out;
}

/** The text of one vector file, as written. */
export function serialize(cases: readonly VectorCase[]): string {
  return `${JSON.stringify(cases, null, 2)}\n`;
}

if (require.main === module) {
  const vectors = buildVectors();
  for (const file of VECTOR_FILES) {
    fs.writeFileSync(path.join(__dirname, `${file}.json`), serialize(vectors[file]));
    process.stdout.write(`${file}.json: ${vectors[file].length} cases\n`);
  }
}
