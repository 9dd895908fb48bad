#!/usr/bin/env bash
# The consumer packaging test: builds the Python wheel and the Java jar with jsii-pacmak, installs each into a
# fresh environment together with the pinned aws-cdk-lib from its own registry (PyPI, Maven Central),
# synthesizes the same small app in each language (test/consumers/), and requires every template to equal
# the TypeScript app's, asset hashes aside (the apps use inline code, so there are none).
# Needs the compiled assembly (.jsii): `npx projen test` compiles first.
set -euo pipefail
cd "$(dirname "$0")/.."

CDK_VERSION=$(node -p "require('./package.json').devDependencies['aws-cdk-lib']")
CONSTRUCTS_VERSION=$(node -p "require('./package.json').devDependencies.constructs")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seconds() { echo $(( $(date +%s) - $1 )); }

start=$(date +%s)
npx ts-node --transpile-only --project test/tsconfig.json test/consumers/app.ts "$work/typescript"
echo "consumer-apps: typescript app synthesized in $(seconds "$start") s"

start=$(date +%s)
npx jsii-pacmak --target python --target java --code-only=false >/dev/null
echo "consumer-apps: jsii-pacmak built dist/python and dist/java in $(seconds "$start") s"

start=$(date +%s)
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
  "aws-cdk-lib==$CDK_VERSION" "constructs==$CONSTRUCTS_VERSION" dist/python/*.whl
"$work/venv/bin/python" test/consumers/python/app.py "$work/python"
echo "consumer-apps: python wheel installed with aws-cdk-lib $CDK_VERSION and the app synthesized in $(seconds "$start") s"

start=$(date +%s)
# Every build is version 0.0.0: Maven would keep using the jar an earlier run cached in the local repository
# instead of this build's, so that one artifact is dropped from the cache first (aws-cdk-lib stays cached).
rm -rf "${MAVEN_LOCAL_REPOSITORY:-$HOME/.m2/repository}/io/github/cdk-serverless-tracing"
mvn --quiet --batch-mode --no-transfer-progress -f test/consumers/java/pom.xml \
  "-Ddist.repo=$PWD/dist/java" "-Dcdk.version=$CDK_VERSION" "-Dconstructs.version=$CONSTRUCTS_VERSION" \
  compile exec:java "-Dexec.args=$work/java"
echo "consumer-apps: java jar built against aws-cdk-lib $CDK_VERSION and the app synthesized in $(seconds "$start") s"

node - "$work" <<'JS'
const fs = require('fs');
const path = require('path');
const dir = process.argv[2];
const read = (language) => {
  const text = fs.readFileSync(path.join(dir, language, 'ConsumerApp.template.json'), 'utf8');
  return JSON.parse(text.replace(/\b[0-9a-f]{64}\b/g, '<asset-hash>'));
};
const sorted = (value) => Array.isArray(value) ? value.map(sorted)
  : value && typeof value === 'object' ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted(value[k])])) : value;
const reference = JSON.stringify(sorted(read('typescript')));
const resources = Object.keys(JSON.parse(reference).Resources).length;
let failed = 0;
for (const language of ['python', 'java']) {
  const same = JSON.stringify(sorted(read(language))) === reference;
  console.log(`consumer-apps: ${language} template ${same ? 'equals' : 'DIFFERS FROM'} the typescript template (${resources} resources)`);
  if (!same) failed++;
}
console.log(`consumer-apps: ${2 - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
JS
