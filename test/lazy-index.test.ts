import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { lazyIndex } from '../scripts/lazy-index';

const REPO = path.join(__dirname, '..');
const LIB_INDEX = path.join(REPO, 'lib', 'index.js');

/** What TypeScript emits for `export { A } from './a'; export { B, C } from './b';` (the shape jsii writes), with a source map comment. */
const COMPILED_INDEX = [
  '"use strict";',
  'Object.defineProperty(exports, "__esModule", { value: true });',
  'exports.C = exports.B = exports.A = void 0;',
  'var a_1 = require("./a");',
  'Object.defineProperty(exports, "A", { enumerable: true, get: function () { return a_1.A; } });',
  'var b_1 = require("./b");',
  'Object.defineProperty(exports, "B", { enumerable: true, get: function () { return b_1.B; } });',
  'Object.defineProperty(exports, "C", { enumerable: true, get: function () { return b_1.C; } });',
  '//# sourceMappingURL=data:application/json;base64,e30=',
].join('\n');

/** Evaluates an index with a `require` that records what it loads. */
function load(source: string): { exports: Record<string, unknown>; loaded: string[] } {
  const loaded: string[] = [];
  const modules: Record<string, Record<string, unknown>> = { './a': { A: 'a' }, './b': { B: 'b', C: 'c' } };
  const exports: Record<string, unknown> = {};
  new Function('exports', 'require', source)(exports, (id: string) => {
    loaded.push(id);
    return modules[id];
  });
  return { exports, loaded };
}

describe('lazyIndex', () => {
  test('keeps every export and line, and loads a module on the first use of one of its exports, once', () => {
    const lazy = lazyIndex(COMPILED_INDEX);
    expect(lazy.split('\n')).toHaveLength(COMPILED_INDEX.split('\n').length);
    const { exports, loaded } = load(lazy);
    expect(Object.keys(exports).sort()).toEqual(['A', 'B', 'C']);
    expect(loaded).toEqual([]);
    expect(exports.B).toBe('b');
    expect(loaded).toEqual(['./b']);
    expect([exports.C, exports.B, exports.A]).toEqual(['c', 'b', 'a']);
    expect(loaded).toEqual(['./b', './a']);
  });

  test('the eager original loads everything up front (what the rewrite is for)', () => {
    expect(load(COMPILED_INDEX).loaded).toEqual(['./a', './b']);
  });

  test('is idempotent', () => {
    const lazy = lazyIndex(COMPILED_INDEX);
    expect(lazyIndex(lazy)).toBe(lazy);
  });

  test('refuses an index of another shape instead of half rewriting it', () => {
    expect(() => lazyIndex('"use strict";\n__exportStar(require("./a"), exports);')).toThrow(/^lazy-index: no `var x = require\("\.\/x"\);` lines/);
    const stray = COMPILED_INDEX.replace('exports.C = exports.B = exports.A = void 0;', 'exports.C = exports.B = exports.A = void 0;\nconsole.log(b_1.B);');
    expect(() => lazyIndex(stray)).toThrow(/^lazy-index: 'b_1' is used outside a getter/);
  });
});

describe('the built package index (lib/index.js)', () => {
  beforeAll(() => {
    if (!fs.existsSync(LIB_INDEX)) throw new Error(`${LIB_INDEX} missing: run \`npx projen compile\` (the test task does) before this test`);
  });

  /** Runs `body` in a fresh Node process after an app's own use of aws-cdk-lib, and returns what it printed as JSON. */
  function inFreshProcess(body: string): any {
    const script = `
      const cdk = require('aws-cdk-lib'); require('aws-cdk-lib/aws-lambda'); require('aws-cdk-lib/aws-sqs');
      const ours = () => Object.keys(require.cache).filter((k) => k.startsWith(${JSON.stringify(path.join(REPO, 'lib') + path.sep)}));
      ${body}`;
    return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: REPO, encoding: 'utf8' }));
  }

  test('is the lazy form', () => {
    expect(fs.readFileSync(LIB_INDEX, 'utf8')).not.toMatch(/^var \w+ = require\(/m);
  });

  test('requiring the package loads no module of the library but its index', () => {
    const loaded = inFreshProcess(`require(${JSON.stringify(LIB_INDEX)}); process.stdout.write(JSON.stringify(ours()));`);
    expect(loaded).toEqual([LIB_INDEX]);
  });

  test('an app using functions and queues loads fewer modules than the library has', () => {
    const counts = inFreshProcess(`
      const lib = require(${JSON.stringify(LIB_INDEX)});
      lib.TracedFunction; lib.TracedQueue;
      const some = ours().length;
      for (const name of Object.keys(lib)) lib[name];
      process.stdout.write(JSON.stringify({ some, all: ours().length }));`);
    expect(counts.some).toBeGreaterThan(1);
    expect(counts.some).toBeLessThan(counts.all);
  });

  test('an ES module app imports the named exports (Node finds them by scanning the getters)', () => {
    const script = `import { TracedFunction, TracedQueue, TracingRegistry } from ${JSON.stringify(LIB_INDEX)};
      process.stdout.write(JSON.stringify([TracedFunction, TracedQueue, TracingRegistry].map((x) => typeof x)));`;
    const types = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, encoding: 'utf8' }));
    expect(types).toEqual(['function', 'function', 'function']);
  });

  test('every export loads and is defined when it is the first one an app touches (no load-order dependence)', () => {
    const failures = inFreshProcess(`
      const index = ${JSON.stringify(LIB_INDEX)};
      const names = Object.keys(require(index)).filter((n) => n !== '__esModule');
      const failures = [];
      for (const name of names) {
        for (const key of ours()) delete require.cache[key];
        try {
          if (require(index)[name] === undefined) failures.push(name + ': undefined');
        } catch (e) {
          failures.push(name + ': ' + e.message);
        }
      }
      process.stdout.write(JSON.stringify({ names: names.length, failures }));`);
    expect(failures.names).toBeGreaterThan(30);
    expect(failures.failures).toEqual([]);
  });
});
