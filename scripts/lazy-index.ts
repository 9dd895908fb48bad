/**
 * Makes the package index load a module on the first use of one of its exports, not up front.
 *
 * `src/index.ts` only re-exports, and TypeScript compiles each re-exported module into an eager
 * `var x_1 = require("./x");` followed by getters that read `x_1`. Requiring the package thus loaded every
 * module of the library (and the aws-cdk-lib modules they import) whatever the app used. This rewrite turns
 * each such binding into a proxy that requires its module on the first property read, which only the getters
 * do: an app that uses `TracedFunction` and `TracedQueue` loads their modules only.
 *
 * The getters stay exactly as TypeScript wrote them (`return x_1.Name;`): Node finds the export names an ES
 * module may import from a CommonJS file by scanning for that very shape (cjs-module-lexer), so
 * `import { TracedFunction } from 'cdk-serverless-tracing'` keeps working. jsii's runtime (Python, Java) reads
 * exports through the same getters. Line numbers are kept, so a source map of the index (lib/ ships none) would still point right.
 *
 * Run by `npx projen compile` after jsii, on `lib/index.js`; refuses output of another shape rather than
 * leaving an index half rewritten.
 */
import * as fs from 'fs';
import * as path from 'path';

const EAGER_REQUIRE = /^var (\w+) = require\("(\.\/[^"]+)"\);$/;
const LAZY_MARKER = '/* cdk-serverless-tracing: lazy index */';

/** The lazy form of a TypeScript-compiled index of named re-exports. */
export function lazyIndex(source: string): string {
  if (source.includes(LAZY_MARKER)) return source;
  const bindings: string[] = [];
  const lines = source.split('\n').map((line) => {
    const match = EAGER_REQUIRE.exec(line);
    if (!match) return line;
    const [, binding, specifier] = match;
    bindings.push(binding);
    return `var ${binding}$; var ${binding} = new Proxy({}, { get: function (_, name) { return (${binding}$ || (${binding}$ = require("${specifier}")))[name]; } });`;
  });
  if (bindings.length === 0) throw new Error('lazy-index: no `var x = require("./x");` lines: is this a TypeScript-compiled index of re-exports?');
  for (const binding of bindings) {
    const use = new RegExp(`\\b${binding}\\b(?!\\$)`);
    const getter = new RegExp(`get: function \\(\\) \\{ return ${binding}\\.\\w+; \\}`, 'g');
    const stray = lines.find((line) => !line.startsWith(`var ${binding}$;`) && !line.startsWith('//#') && use.test(line.replace(getter, '')));
    if (stray !== undefined) throw new Error(`lazy-index: '${binding}' is used outside a getter, which would load it eagerly or not at all: ${stray.slice(0, 200)}`);
  }
  // On the first line, so every line keeps its number.
  lines[0] = `${lines[0]} ${LAZY_MARKER}`;
  return lines.join('\n');
}

if (require.main === module) {
  const index = path.join(__dirname, '..', 'lib', 'index.js');
  fs.writeFileSync(index, lazyIndex(fs.readFileSync(index, 'utf8')));
}
