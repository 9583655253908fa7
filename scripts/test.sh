#!/usr/bin/env bash
# The whole test suite: lint, types, unit, integration (Azurite), HTTP end to end (local host),
# browser (Debian Chromium), infra checks. Exits non-zero on any failure, including a pytest
# run that collected no tests (exit code 5).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/ensure_debian_tools.sh
echo "== real-worker environment (Python 3.13)"
set +e
bash scripts/worker_env.sh > /dev/null
worker_status=$?
set -e
if [ "$worker_status" -eq 3 ]; then
  echo "!! NO PYTHON 3.13: tests/worker (the real-worker comparison) will be SKIPPED" >&2
elif [ "$worker_status" -ne 0 ]; then
  exit "$worker_status"
fi

echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy
echo "== import contracts (lint-imports; pyproject.toml [tool.importlinter])"
.venv/bin/lint-imports --no-cache

echo "== the committed contract is the served document (openapi/openapi.json; make openapi)"
.venv/bin/python -m apicontract.document --check
echo "== breaking-change gate (make contract: against the last release tag, or the first commit of the contract)"
.venv/bin/python -m apicontract.gate
echo "== the generated clients are those of the contract (clients/python, static/app; make clients)"
.venv/bin/python -m apicontract.clients --check
echo "== the web page's script type-checks against the contract (tsc --noEmit)"
node_modules/.bin/tsc --noEmit -p tsconfig.json

echo "== pytest"
set +e
# tests/infra runs in scripts/check_infra.sh below, with the other infra checks.
.venv/bin/python -m pytest --ignore=tests/infra "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: treating as a failure" >&2
  exit 1
fi
[ "$status" -eq 0 ] || exit "$status"

echo "== infra checks (make check-infra)"
bash scripts/check_infra.sh
