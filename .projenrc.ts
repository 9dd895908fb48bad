import { awscdk, javascript } from 'projen';

const CDK_VERSION = '2.257.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-serverless-tracing',
  description:
    'AWS CDK constructs for end-to-end distributed tracing of serverless applications: X-Ray, the AWS OpenTelemetry distro layer and trace context across SQS, SNS and EventBridge.',
  keywords: ['cdk', 'aws-cdk', 'xray', 'opentelemetry', 'tracing', 'lambda', 'sqs', 'observability'],
  author: 'cdk-serverless-tracing contributors',
  authorAddress: 'maintainers@cdk-serverless-tracing.dev',
  repositoryUrl: 'https://github.com/cdk-serverless-tracing/cdk-serverless-tracing.git',
  defaultReleaseBranch: 'main',
  license: 'Apache-2.0',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  github: false,

  // The newest @aws-cdk/integ-runner reads cloud-assembly schema <= 53; aws-cdk-lib 2.257.0 is the
  // newest release that still writes it (see shared/notes/toolchain.md).
  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',

  // jsii targets, named the way cdklabs libraries name theirs (distribution = npm name, module in
  // snake_case; Maven group from the GitHub organization, Java package without its hyphens; a -go repository).
  publishToPypi: { distName: 'cdk-serverless-tracing', module: 'cdk_serverless_tracing' },
  publishToMaven: {
    javaPackage: 'io.github.cdkserverlesstracing',
    mavenGroupId: 'io.github.cdk-serverless-tracing',
    mavenArtifactId: 'cdk-serverless-tracing',
  },
  // The Go module proxy serves github.com/aws/aws-cdk-go/awscdk/v2 at v2.257.0, the pinned aws-cdk-lib.
  publishToGo: { moduleName: 'github.com/cdk-serverless-tracing/cdk-serverless-tracing-go', packageName: 'cdkserverlesstracing' },

  devDeps: [
    // cdk-nag 3.x rewrote the engine and does not run on aws-cdk-lib 2.257; the library itself only
    // writes `cdk_nag` metadata, so users never need cdk-nag at run time.
    'cdk-nag@^2.38.2',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    '@aws-cdk/integ-runner@2.197.10',
    // The CLI for `cdk deploy` of the example; pinned because the registry's `latest` tag is a stale 3.0.0.
    'aws-cdk@2.1115.1',
    'esbuild@0.28.2',
    '@types/aws-lambda',
    '@aws-sdk/client-sqs',
    // The AWSOpenTelemetryDistroJs layer runs @opentelemetry/api 1.9.1; a bundled copy only binds to the
    // layer's tracer provider when its minor version is not newer.
    '@opentelemetry/api@~1.9.0',
    // Runtime module tests and benchmark: the real OTel SDK, the propagators we compare against, the SDK
    // clients of the moto round trip, property-based testing.
    '@opentelemetry/sdk-trace-base@^2',
    '@opentelemetry/context-async-hooks@^2',
    '@opentelemetry/core@^2',
    '@opentelemetry/propagator-aws-xray@^2',
    '@aws-sdk/client-eventbridge',
    '@aws-sdk/client-sns',
    '@aws-sdk/client-secrets-manager',
    'fast-check@^4',
    // bench:synth compares the library's monitoring with the de-facto alternative; 10.2.0 is the newest
    // release, and its peer range (aws-cdk-lib ^2.160.0) takes the pinned 2.257.0.
    'cdk-monitoring-constructs@10.2.0',
  ],

  // Published without source maps, as aws-cdk-lib is: an app run by ts-node (how CDK apps in TypeScript
  // run) has source-map-support map every frame of every resource's creation stack trace through the maps
  // the library ships; measured 6-7 % of a traced stack's synthesis (bench:synth).
  tsconfig: { compilerOptions: { inlineSourceMap: false, inlineSources: false } },

  jestOptions: {
    // Snapshot tests must be able to fail in CI; `npx projen test:update` refreshes them on purpose.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.snapshot/', '/cdk\\.out/'],
      coveragePathIgnorePatterns: ['/node_modules/', '/test/'],
      // Synthesizing stacks with bundled functions is CPU-bound; two workers match the CI machine.
      maxWorkers: 2,
      testTimeout: 120_000,
    },
  },

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'integ', 'examples', 'scripts', 'projenrc', '.projenrc.ts'],
    ignorePatterns: ['*.js', '*.d.ts', 'node_modules/', '*.generated.ts', 'coverage', 'test-reports', 'cdk.out', '*.snapshot/'],
  },

  gitignore: [
    'cdk.out/',
    '.cdk.staging/',
    // integ-runner's assertion-provider bundles: large, regenerated on every synth, not diffed.
    '*.snapshot/asset.*',
    '/bench-results/',
    // The project-local Python tools (cfn-lint, moto) that scripts/install-test-tools.sh installs.
    '/.tools/',
    // Hypothesis' example database (the Python runtime's property tests).
    '.hypothesis/',
  ],
});

for (const pattern of ['/examples/', '/integ/', '/scripts/', '/tools/', '/.tools/', '/runtime/', '/cdk.out/', '/.ci/', '/ARCHITECTURE.md', '/.cfnlintrc.yaml']) {
  project.addPackageIgnore(pattern);
}

// unrs-resolver 1.13 publishes only its linux bindings to the registry this project uses, which makes
// `npm ci` reject a lockfile generated here; 1.12.2 has them all.
project.package.addPackageResolutions('unrs-resolver@1.12.2');

// `cdk-serverless-tracing/runtime` is a Node-only subpath for Lambda handlers (not part of the jsii API).
// `@opentelemetry/api` is not declared: jsii accepts only jsii modules as peers, and a bundled copy would
// put a second API into every handler that imports its own. Handlers that want spans depend on it.
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  // `import` gets the ES module build (the compile:runtime-esm task below), which bundlers tree-shake;
  // `require` and everything else the CommonJS build jsii writes.
  './runtime': {
    import: { types: './lib/runtime/esm/index.d.ts', default: './lib/runtime/esm/index.js' },
    types: './lib/runtime/index.d.ts',
    default: './lib/runtime/index.js',
  },
  // TracingChecks as a cdk-nag NagPack, for TypeScript/JavaScript apps that use cdk-nag (a dev dependency
  // here, never a dependency: TracingChecks itself works without it, in every language).
  './nag': { types: './lib/checks/nag-pack.d.ts', default: './lib/checks/nag-pack.js' },
  './package.json': './package.json',
  './.jsii': './.jsii',
});
project.package.addField('typesVersions', { '*': { runtime: ['lib/runtime/index.d.ts'], nag: ['lib/checks/nag-pack.d.ts'] } });
// `npx cdk-serverless-tracing report [cdk.out]`: reads any synthesized cloud assembly (src/cli, plain Node).
project.package.addBin({ 'cdk-serverless-tracing': 'lib/cli/main.js' });

// Node 20 reached end of life on 2026-10-30; the banner jsii prints about it on every run is noise here.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// Trace headers are parsed char code by char code on every message: bit operations are the point there.
project.eslint?.addOverride({
  files: ['src/runtime/**/*.ts', 'test/runtime/**/*.ts', 'scripts/bench-*.ts'],
  rules: { 'no-bitwise': 'off' },
});

// Type-checked folders outside src/ and test/: eslint's project service needs a tsconfig for each.
for (const dir of ['integ', 'examples', 'scripts']) {
  new javascript.TypescriptConfig(project, {
    fileName: `${dir}/tsconfig.json`,
    extends: javascript.TypescriptConfigExtends.fromPaths(['../tsconfig.json']),
    include: ['**/*.ts'],
    exclude: ['node_modules', '**/*.snapshot/**', 'cdk.out'],
    compilerOptions: { rootDir: '..', noEmit: true },
  });
}

// --- Tasks -----------------------------------------------------------------------------------------

const tsNode = (tsconfig: string, file: string, transpileOnly = false) =>
  `ts-node --prefer-ts-exts${transpileOnly ? ' --transpile-only' : ''} --project ${tsconfig} ${file}`;

// The ES module build of the runtime module, for bundlers to drop what a handler does not use: src/runtime
// compiled again into lib/runtime/esm, one module per file, by scripts/build-runtime-esm.ts (`.js` specifiers,
// a `require` fallback for Node's ES module loader, and a package.json that declares only these files
// side-effect free). Part of compile, so that every task that packs or tests lib/ has it.
new javascript.TypescriptConfig(project, {
  fileName: 'tsconfig.runtime-esm.json',
  extends: javascript.TypescriptConfigExtends.fromPaths(['./tsconfig.json']),
  include: ['src/runtime/**/*.ts'],
  exclude: ['node_modules'],
  compilerOptions: {
    rootDir: 'src/runtime',
    outDir: 'lib/runtime/esm',
    module: 'es2020',
    moduleResolution: javascript.TypeScriptModuleResolution.BUNDLER,
    // Bundled into handlers, never loaded at synthesis: its maps let a bundle's own source map (and stack traces
    // with --enable-source-maps) point at src/runtime, at no cost to synthesis.
    inlineSourceMap: true,
    inlineSources: true,
  },
});
// The package index loads each module on the first use of one of its exports (scripts/lazy-index.ts), so
// requiring the package costs what the app uses, not every module of the library.
project.compileTask.spawn(project.addTask('compile:lazy-index', {
  description: 'Rewrite lib/index.js so that each module loads on the first use of one of its exports',
  exec: tsNode('scripts/tsconfig.json', 'scripts/lazy-index.ts', true),
}));
project.compileTask.spawn(project.addTask('compile:runtime-esm', {
  description: 'Compile src/runtime a second time, as ES modules, into lib/runtime/esm (the `import` condition of cdk-serverless-tracing/runtime)',
  exec: tsNode('scripts/tsconfig.json', 'scripts/build-runtime-esm.ts', true),
}));

// jest (ts-jest, isolated modules) and ts-node in transpile-only mode do not type-check: one tsc run does.
new javascript.TypescriptConfig(project, {
  fileName: 'tsconfig.typecheck.json',
  extends: javascript.TypescriptConfigExtends.fromPaths(['./tsconfig.json']),
  include: ['src/**/*.ts', 'test/**/*.ts', 'integ/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.ts'],
  exclude: ['node_modules', '**/*.snapshot/**', 'cdk.out'],
  compilerOptions: { rootDir: '.', noEmit: true },
});
const typecheck = project.addTask('typecheck', {
  description: 'Type-check sources, tests, integ tests, examples and scripts',
  exec: 'tsc --noEmit -p tsconfig.typecheck.json',
});

project.addTask('example', {
  description: 'Synthesize the order-pipeline example into cdk.out/ (no AWS account needed) and print what was traced',
  steps: [
    { exec: tsNode('examples/tsconfig.json', 'examples/order-pipeline/main.ts') },
    // Then what `npx cdk-serverless-tracing report` reads from the synthesized assembly alone.
    { exec: `${tsNode('scripts/tsconfig.json', 'src/cli/main.ts')} report cdk.out --preview cdk.out/dashboards` },
  ],
});

project.addTask('bench', {
  description: 'Benchmark the runtime module against OpenTelemetry propagators: ns/op, bundle size, require() time',
  exec: tsNode('scripts/tsconfig.json', 'scripts/bench-runtime.ts'),
});

project.addTask('bench:observability', {
  description: 'Scale benchmark of TracingDashboard and TracingAlarms: synth time, peak memory, resources and template bytes per stack',
  exec: tsNode('scripts/tsconfig.json', 'scripts/bench-observability.ts'),
});

project.addTask('bench:synth', {
  description: 'Synthesis cost of the library against bare aws-cdk-lib and cdk-monitoring-constructs at 100, 300 and 1,000 functions (--reps N, --sizes 100,300)',
  exec: tsNode('scripts/tsconfig.json', 'scripts/bench-synth.ts'),
  receiveArgs: true,
});

const integApp = `"${tsNode('integ/tsconfig.json', '{filePath}', true)}"`;
project.addTask('integ:update', {
  description: 'Re-create the integ snapshots without deploying (do this on purpose and say why in the commit)',
  exec: `integ-runner --directory integ --app ${integApp} --language typescript --update-on-failed --dry-run --parallel-regions us-east-1`,
});
const integSnapshot = project.addTask('integ:snapshot', {
  description: 'Verify the committed integ snapshots offline (synth + diff, never deploys)',
  exec: `integ-runner --directory integ --app ${integApp} --language typescript`,
});

// The suite runs cfn-lint and moto_server, which machines no longer come with: a project-local venv holds
// them, pinned, and installing is a no-op when it is already there, so the test command needs nothing else.
const installTestTools = project.addTask('install:tools', {
  description: 'Install the pinned Python tools the tests run (cfn-lint, moto_server) into .tools/venv; a no-op when present',
  exec: 'bash scripts/install-test-tools.sh',
});

// The jsii packages, proven by real consumers: a Python and a Java app built on the wheel and the jar must
// synthesize the TypeScript app's template (scripts/consumer-apps.sh, about 4 minutes, most of it jsii-pacmak).
const testConsumers = project.addTask('test:consumers', {
  description: 'Build the Python wheel and Java jar, synthesize the same app in TypeScript, Python and Java, compare the templates',
  exec: 'bash scripts/consumer-apps.sh',
});

// The Python twin of the runtime module (runtime/python), tested from source with the pinned tools' Python:
// codecs and carriers against the shared vectors in test/vectors (which jest checks the Node runtime against),
// process_sqs_batch, spans with the real OpenTelemetry SDK, and Hypothesis properties.
const testPython = project.addTask('test:python', {
  description: 'Test the Python runtime twin (runtime/python) and the example\'s Python handler with pytest',
  exec: '.tools/venv/bin/python -m pytest -q -p no:cacheprovider runtime/python/tests examples/order-pipeline/tests',
  env: { PYTHONPATH: 'runtime/python/src:examples/order-pipeline/handlers', PYTHONDONTWRITEBYTECODE: '1' },
});

// After the jest component's `!/test/`, which would otherwise take the Java consumer app's build output back in.
project.gitignore.exclude('/test/consumers/java/target/');

// API.md is the TypeScript reference; API.python.md shows the same API as Python users write it.
project.tasks.tryFind('docgen')?.exec('jsii-docgen -l python -o API.python.md');

// cfn-lint runs inside jest (test/cfn-lint.test.ts) so that a finding fails the same command as any test.
const testTask = project.testTask;
testTask.prependSpawn(installTestTools);
testTask.prependSpawn(typecheck);
testTask.prependSpawn(project.compileTask);
testTask.spawn(testPython);
testTask.spawn(integSnapshot);
testTask.spawn(testConsumers);

project.synth();
