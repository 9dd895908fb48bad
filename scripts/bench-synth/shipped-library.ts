/**
 * The library as it ships: `src/` transpiled the way jsii emits `lib/` (CommonJS, ES2022, source maps as the
 * tree's tsconfig.json sets them), with the index made lazy as compile makes it. The figures follow the
 * sources without a jsii build, and a benchmark loads what users load: an app run by ts-node has
 * source-map-support map stack frames through whatever maps the library carries, which sources run through
 * ts-node would always have.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { lazyIndex } from '../lazy-index';

/** Transpiles `root`'s `src/` into `outDir` as lib/ would be, and returns the path of its index. */
export function transpileLibrary(root: string, outDir: string): string {
  const src = path.join(root, 'src');
  const shipped = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8')).compilerOptions ?? {};
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.join(dir, e.name)] : []));
  for (const file of walk(src)) {
    const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        experimentalDecorators: true,
        inlineSourceMap: shipped.inlineSourceMap === true,
        inlineSources: shipped.inlineSources === true,
      },
    });
    const out = path.join(outDir, path.relative(src, file)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    // The index as `npx projen compile` leaves it; a tree from before the lazy index has no rewrite to apply.
    const isIndex = path.relative(src, file) === 'index.ts';
    fs.writeFileSync(out, isIndex && fs.existsSync(path.join(root, 'scripts', 'lazy-index.ts')) ? lazyIndex(outputText) : outputText);
  }
  return path.join(outDir, 'index.js');
}
