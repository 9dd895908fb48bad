import * as fs from 'fs';
import * as path from 'path';

const VENV_BIN = path.join(__dirname, '..', '.tools', 'venv', 'bin');

/**
 * The pinned Python tool `name` (cfn-lint, moto_server, or the venv's python with boto3 and the OpenTelemetry SDK) from the project's own virtual environment, which
 * `npx projen test` installs first (scripts/install-test-tools.sh). Tools on the machine's PATH are never
 * used, so every run lints and emulates with the versions tools/python-requirements.txt pins.
 */
export function pinnedTool(name: 'cfn-lint' | 'moto_server' | 'python'): string {
  const file = path.join(VENV_BIN, name);
  if (!fs.existsSync(file)) {
    throw new Error(`${name} is not installed in .tools/venv: run 'bash scripts/install-test-tools.sh' (npx projen test runs it first)`);
  }
  return file;
}
