/**
 * Makes the package index load a module on the first use of one of its exports, not up front.
 *
 * `src/index.ts` only re-exports, and TypeScript compiles each re-exported module into an eager
 * `var x_1 = require("./x");` followed by getters that read `x_1`. Requiring the package thus loaded every
 * module of the library (and the aws-cdk-lib modules they import) whatever the app used. This rewrite keeps
 * the getters, the export names and the line count, and turns each `require` into one made by the first
 * getter that needs it: an app that uses `TracedFunction` and `TracedQueue` loads their modules only. jsii's
 * runtime (Python, Java) reads exports through the same getters.
 *
 * Run by `npx projen compile` after jsii, on `lib/index.js`; refuses output of another shape rather than
 * leaving an index half rewritten.
 */
import * as fs from 'fs';
import * as path from 'path';

const EAGER_REQUIRE = /^var (\w+) = require\("(\.\/[^"]+)"\);$/;
const GETTER = /get: function \(\) \{ return (\w+)\.(\w+); \}/g;
const LAZY_MARKER = '/* cdk-serverless-tracing: lazy index */';

/** The lazy form of a TypeScript-compiled index of named re-exports. */
export function lazyIndex(source: string): string {
  if (source.includes(LAZY_MARKER)) return source;
  const modules = new Map<string, string>();
  const lines = source.split('\n').map((line) => {
    const match = EAGER_REQUIRE.exec(line);
    if (!match) return line;
    const [, binding, specifier] = match;
    modules.set(binding, specifier);
    return `var ${binding}; function ${binding}$() { return ${binding} || (${binding} = require("${specifier}")); }`;
  });
  if (modules.size === 0) throw new Error('lazy-index: no `var x = require("./x");` lines: is this a TypeScript-compiled index of re-exports?');
  const rewritten = lines.map((line) => line.replace(GETTER, (getter, binding: string, name: string) =>
    modules.has(binding) ? `get: function () { return ${binding}$().${name}; }` : getter));
  for (const binding of modules.keys()) {
    const eagerUse = new RegExp(`\\b${binding}\\.`);
    const stray = rewritten.find((line) => eagerUse.test(line) && !line.startsWith('//#'));
    if (stray !== undefined) throw new Error(`lazy-index: '${binding}' is used outside a getter, which would load it eagerly or not at all: ${stray.slice(0, 200)}`);
  }
  // On the first line, so every line keeps its number and the inline source map still points at the right one.
  rewritten[0] = `${rewritten[0]} ${LAZY_MARKER}`;
  return rewritten.join('\n');
}

if (require.main === module) {
  const index = path.join(__dirname, '..', 'lib', 'index.js');
  fs.writeFileSync(index, lazyIndex(fs.readFileSync(index, 'utf8')));
}
