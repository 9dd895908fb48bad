/**
 * Writes the shared test vectors (test/vectors/*.json) from the Node runtime, the reference implementation:
 *
 *   npx ts-node --transpile-only test/vectors/generate.ts
 *
 * Each file is an array of `{ name, input, expected }` cases, `expected` being what src/runtime gives for
 * `input` (null where it gives undefined). test/runtime/vectors.test.ts checks that the Node runtime still
 * reproduces every case and that this script would write the files unchanged; runtime/python/tests checks
 * the Python twin against the same files. Deterministic: a fixed seed, a fixed case order, stable keys.
 * Inputs go through JSON before they are evaluated, so both sides read exactly what the file holds.
 */
import * as fs from 'fs';
import * as path from 'path';
import { diag } from '@opentelemetry/api';
import {
  eventBridgeEventContext, formatTraceparent, formatXrayHeader, injectEventBridgeEntry, injectSnsMessage, injectSqsMessage,
  parseTraceparent, parseTracestate, parseXrayHeader, snsRecordContext, sqsRecordContext, TraceContext, traceparentToXray, xrayToTraceparent,
} from '../../src/runtime';
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
  ['empty members without whitespace: the value is kept as given', 'rojo=1,,congo=2'],
  ['a trailing comma: kept as given', 'rojo=1,'],
  ['a leading comma: kept as given', ',rojo=1'],
  ['a value with an inner and a leading space', 'rojo= a b'],
  ['a value ending in a space: trimmed as OWS', 'rojo=a '],
  ['the printable boundaries of a value', 'k=!~ "+-<>'],
  ['duplicate keys', 'rojo=1,rojo=2'],
  ['several header values, joined', ['rojo=1', 'congo=2']],
  ['several header values, one empty: joined as given', ['rojo=1', '']],
  ['several header values, one null: joined as given', [null, 'rojo=1']],
  ['nested header values, joined', [['rojo=1', 'congo=2'], 'a=b']],
  ['32 members', members(32)],
  ['32 members and empty ones', `${members(32)},,`],
  ['a 256-character key and value', `${'k'.repeat(256)}=${'v'.repeat(256)}`],
  ['33 members', members(33)],
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
  ['an empty Lineage', `Root=${ROOT};Lineage=`],
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
  ['SQS: 8 attributes and the caller\'s tracestate: traceparent refused, two slots counted', 'injectSqsMessage',
    { message: { MessageAttributes: { ...attrs(8), tracestate: { DataType: 'String', StringValue: 'mine=1' } } }, context: { ...CTX } }],
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
  ['SQS: an unvalidated tracestate is written as given', 'injectSqsMessage', { message: {}, context: { ...W3C, traceState: 'NOT VALID' } }],
  ['SQS: an invalid context changes nothing', 'injectSqsMessage', { message: { QueueUrl: 'q' }, context: { traceId: '0'.repeat(32), parentId: SPAN } }],
  ['SQS: an empty context changes nothing', 'injectSqsMessage', { message: { QueueUrl: 'q' }, context: {} }],
  // injectSnsMessage(message, context)
  ['SNS: W3C attributes on a Publish input', 'injectSnsMessage', { message: { TopicArn: 't', Message: 'm' }, context: CTX }],
  ['SNS: 10 attributes', 'injectSnsMessage', { message: { MessageAttributes: attrs(10) }, context: CTX }],
  ['SNS: 9 attributes and a tracestate', 'injectSnsMessage', { message: { MessageAttributes: attrs(9) }, context: CTX }],
  ['SNS: the caller\'s traceparent stays', 'injectSnsMessage', { message: { MessageAttributes: { traceparent: { DataType: 'String', StringValue: 'mine' } } }, context: CTX }],
  ['SNS: a root-only context adds nothing', 'injectSnsMessage', { message: { TopicArn: 't' }, context: { traceId: XTRACE } }],
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
  ['EventBridge: a key every JavaScript object has', 'injectEventBridgeEntry', { entry: { Detail: '{"a":1}' }, context: CTX, key: 'constructor' }],
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
  ['EventBridge event: a string', 'eventBridgeEventContext', { event: 'event' }],
  ['EventBridge event: null', 'eventBridgeEventContext', { event: null }],
];

// ---------------------------------------------------------------------------------------------------------

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value));
const orNull = (value: unknown): unknown => (value === undefined ? null : json(value));

/** What the Node runtime gives for one input of one file; the vectors test calls this too. */
export function evaluate(file: VectorFile, input: Record<string, any>): unknown {
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

function evaluateCarrier(input: Record<string, any>): unknown {
  const warnings = captureDiagWarnings();
  try {
    switch (input.function) {
      case 'injectSqsMessage': {
        const message = json(input.message);
        injectSqsMessage(message, input.context);
        return { message: json(message), warnings };
      }
      case 'injectSnsMessage': {
        const message = json(input.message);
        injectSnsMessage(message, input.context);
        return { message: json(message), warnings };
      }
      case 'injectEventBridgeEntry': {
        const entry = json(input.entry);
        injectEventBridgeEntry(entry, input.context, input.key);
        return { entry: json(entry), warnings };
      }
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
