#!/usr/bin/env bash
# Installs the Python tools the test suite runs (cfn-lint, moto_server) into a project-local virtual
# environment, .tools/venv, pinned by tools/python-requirements.txt. Idempotent: when the venv already
# holds exactly those pins for this Python, it returns at once, so `npx projen test` can call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=tools/python-requirements.txt
venv=.tools/venv
stamp="$venv/.installed"
python=${PYTHON:-python3}

command -v "$python" >/dev/null || { echo "install-test-tools: $python not found; the tests need Python 3.9+ for cfn-lint and moto" >&2; exit 1; }
want="$("$python" -c 'import sys; print(sys.version.split()[0])') $(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/cfn-lint" ] && [ -x "$venv/bin/moto_server" ]; then
  exit 0
fi

echo "install-test-tools: installing $(grep -c '==' "$requirements") pinned packages into $venv (one time, about a minute)"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --require-virtualenv -r "$requirements"
"$venv/bin/cfn-lint" --version
"$venv/bin/moto_server" --help >/dev/null
echo "$want" > "$stamp"
