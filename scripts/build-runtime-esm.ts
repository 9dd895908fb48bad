/**
 * The ES module build of `cdk-serverless-tracing/runtime`, behind the `import` condition of the package
 * exports: `src/runtime` compiled a second time (tsconfig.runtime-esm.json), one module per file, into
 * `lib/runtime/esm`, whose package.json marks the files as ES modules free of side effects. Bundlers then
 * drop the modules a handler does not use, which they cannot do with the CommonJS build jsii writes.
 *
 * Two rewrites make the output load in Node's ES module loader as well as in bundlers, whatever the
 * runtime's sources contain:
 * - relative specifiers get the `.js` extension the ES module loader requires (`./sqs` -> `./sqs.js`);
 * - a call of Node's free `require` (the optional, lazy `@opentelemetry/api`) becomes
 *   `(typeof require !== 'undefined' ? require(id) : createRequire(import.meta.url)(id))`. The literal
 *   `require(id)` stays where the source has it, so bundlers bundle the module (or keep it external) and,
 *   the source calling it inside a try block, leave a missing one to run time without a word; where nothing
 *   defines `require` (Node's ES module loader) the module is resolved from the file itself.
 *   Not covered: an ES module bundle that keeps the module external (esbuild's `require` shim throws).
 *
 * Run by `npx projen compile` after jsii; fails on any compiler diagnostic.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');
const CONFIG = path.join(ROOT, 'tsconfig.runtime-esm.json');

function fail(message: string): never {
  process.stderr.write(`build-runtime-esm: ${message}\n`);
  process.exit(1);
}

function report(diagnostics: readonly ts.Diagnostic[]): void {
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    fail(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' }));
  }
}

const config = ts.getParsedCommandLineOfConfigFile(CONFIG, {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => report([d]),
});
if (!config) fail(`cannot read ${CONFIG}`);
report(config.errors);
const { outDir, rootDir } = config.options;
if (!outDir || !rootDir) fail(`${CONFIG} must set rootDir and outDir`);

const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
const checker = program.getTypeChecker();

/** `./x` -> `./x.js`, `./dir` -> `./dir/index.js`: the ES module loader does not search for files. */
function esmSpecifier(specifier: string, fromFile: string): string {
  if (!/^\.\.?(\/|$)/.test(specifier) || /\.[cm]?js$/.test(specifier)) return specifier;
  const target = path.resolve(path.dirname(fromFile), specifier);
  if (ts.sys.fileExists(`${target}.ts`)) return `${specifier}.js`;
  if (ts.sys.fileExists(path.join(target, 'index.ts'))) return `${specifier.replace(/\/$/, '')}/index.js`;
  return fail(`${fromFile}: cannot resolve ${specifier}`);
}

/** `require` as Node defines it (declared only in ambient type declarations), not a local binding. */
function isFreeRequire(node: ts.Node): node is ts.CallExpression {
  if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression) || node.expression.text !== 'require') return false;
  const original = ts.getOriginalNode(node.expression);
  const symbol = original.getSourceFile() ? checker.getSymbolAtLocation(original) : undefined;
  return !symbol?.declarations?.some((d) => !d.getSourceFile().isDeclarationFile);
}

function toEsm(context: ts.TransformationContext, file: ts.SourceFile, createRequire?: () => ts.Identifier): ts.SourceFile {
  const { factory } = context;
  const literal = (node: ts.Expression | undefined) => (node && ts.isStringLiteral(node) ? node : undefined);
  const rewrite = (node: ts.StringLiteral) => factory.createStringLiteral(esmSpecifier(node.text, file.fileName));
  const visit = (node: ts.Node): ts.Node => {
    const specifier = (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) ? literal(node.moduleSpecifier) : undefined;
    if (ts.isImportDeclaration(node) && specifier) {
      return factory.updateImportDeclaration(node, node.modifiers, node.importClause, rewrite(specifier), node.attributes);
    }
    if (ts.isExportDeclaration(node) && specifier) {
      return factory.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, rewrite(specifier), node.attributes);
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      const argument = factory.updateLiteralTypeNode(node.argument, rewrite(node.argument.literal));
      return factory.updateImportTypeNode(node, argument, node.attributes, node.qualifier, node.typeArguments, node.isTypeOf);
    }
    const imported = ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword ? literal(node.arguments[0]) : undefined;
    if (ts.isCallExpression(node) && imported) {
      return factory.updateCallExpression(node, node.expression, node.typeArguments, [rewrite(imported), ...node.arguments.slice(1)]);
    }
    if (createRequire && isFreeRequire(node)) {
      const id = literal(node.arguments[0]);
      if (!id || node.arguments.length !== 1 || /^\.\.?(\/|$)/.test(id.text)) {
        fail(`${file.fileName}: only require('<package>') is supported in the runtime module`);
      }
      const defined = factory.createStrictInequality(factory.createTypeOfExpression(factory.createIdentifier('require')), factory.createStringLiteral('undefined'));
      const importMetaUrl = factory.createPropertyAccessExpression(factory.createMetaProperty(ts.SyntaxKind.ImportKeyword, factory.createIdentifier('meta')), 'url');
      const requireHere = factory.createCallExpression(createRequire(), undefined, [importMetaUrl]);
      const fromHere = factory.createCallExpression(requireHere, undefined, [factory.createStringLiteral(id.text)]);
      return factory.createParenthesizedExpression(factory.createConditionalExpression(defined, undefined, node, undefined, fromHere));
    }
    return ts.visitEachChild(node, visit, context);
  };
  return ts.visitEachChild(file, visit, context);
}

// After tsc's own transforms, so that the added import is not elided as unused.
const afterJs: ts.TransformerFactory<ts.SourceFile> = (context) => (file) => {
  const { factory } = context;
  // A name no binding of the file's own can clash with (createRequire_1).
  let local: ts.Identifier | undefined;
  const result = toEsm(context, file, () => (local ??= factory.createUniqueName('createRequire')));
  if (!local) return result;
  const importCreateRequire = factory.createImportDeclaration(undefined,
    factory.createImportClause(undefined, undefined, factory.createNamedImports([
      factory.createImportSpecifier(false, factory.createIdentifier('createRequire'), local),
    ])),
    factory.createStringLiteral('module'));
  return factory.updateSourceFile(result, [importCreateRequire, ...result.statements]);
};
const afterDeclarations: ts.TransformerFactory<ts.SourceFile | ts.Bundle> = (context) => (node) =>
  (ts.isSourceFile(node) ? toEsm(context, node) : node);

fs.rmSync(outDir, { recursive: true, force: true });
report(ts.getPreEmitDiagnostics(program));
const emitted = program.emit(undefined, undefined, undefined, false, { after: [afterJs], afterDeclarations: [afterDeclarations] });
report(emitted.diagnostics);
if (emitted.emitSkipped) fail('tsc skipped the emit');
// The nearest package.json decides both: Node and esbuild read these files as ES modules, and bundlers may
// drop any of them whose exports a handler does not use (the rest of the package keeps its side effects).
fs.writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify({ type: 'module', sideEffects: false }, null, 2)}\n`);
process.stdout.write(`build-runtime-esm: ${config.fileNames.length} modules -> ${path.relative(ROOT, outDir)}\n`);
