/**
 * The shared test vectors (test/vectors/*.json) against the Node runtime, their reference: every case must
 * still come out as recorded, and the generator must still write the files unchanged, so the vectors the
 * Python twin is held to cannot drift from what this runtime does.
 * After an intended change: `npx ts-node --transpile-only test/vectors/generate.ts`, then review the diff.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildVectors, evaluate, serialize, VECTOR_FILES, VectorCase, VectorFile } from '../vectors/generate';

const DIR = path.join(__dirname, '..', 'vectors');
const REGENERATE = 'run `npx ts-node --transpile-only test/vectors/generate.ts`';

function load(file: VectorFile): VectorCase[] {
  return JSON.parse(fs.readFileSync(path.join(DIR, `${file}.json`), 'utf8'));
}

describe.each(VECTOR_FILES.map((file) => [file]))('%s.json', (file) => {
  const cases = load(file);

  test('has cases, valid and malformed', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
    if (file !== 'carriers') {
      expect(cases.some((c) => c.expected === null)).toBe(true);
      expect(cases.some((c) => c.expected !== null)).toBe(true);
    }
  });

  test.each(cases.map((c) => [c.name, c]))('%s', (_name, c) => {
    expect(evaluate(file, c.input as Record<string, unknown>)).toEqual(c.expected);
  });
});

test(`the files are what the generator writes (else ${REGENERATE})`, () => {
  const vectors = buildVectors();
  for (const file of VECTOR_FILES) {
    expect([file, fs.readFileSync(path.join(DIR, `${file}.json`), 'utf8')]).toEqual([file, serialize(vectors[file])]);
  }
});
