#!/usr/bin/env bash
# Mutation testing of shared/ (`make mutation`, 6 to 25 minutes on 2 cores by the machine; not part of `make test`).
# mutmut (pinned in requirements-dev.txt, configured in pyproject.toml [tool.mutmut]) copies the
# project into mutants/, mutates shared/ one change at a time and runs, for each mutant, only the
# unit, integration and operations tests that called the mutated function. scripts/mutation_report.py
# then writes artifacts/mutation.md and fails when a module (one source file of shared/'s layer
# packages, such as shared/web/call.py) kills less than 90%.
# MUTATION_CHILDREN (default 2) bounds the parallel test processes; MUTATION_KEEP=1 keeps the
# previous mutants/ and its results (only changed functions are tested again).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

if [ "${MUTATION_KEEP:-0}" != "1" ]; then
  rm -rf mutants
fi
mkdir -p mutants
# The report names the commit the run started from (and whether shared/ or tests/ had local changes).
{ git rev-parse --short HEAD | tr -d '\n'
  if [ -n "$(git status --porcelain -- shared tests)" ]; then printf ' with local changes'; fi; echo; } > mutants/started-at.txt
# mutmut copies shared/ and tests/ itself; the tests also read the rest of the project (the app,
# the local host, infra and editor files), so lay every file git would commit beside them.
git ls-files -z --cached --others --exclude-standard -- . ':!shared' ':!mutants' |
  while IFS= read -r -d '' file; do
    if [ -f "$file" ]; then cp --parents -p "$file" mutants/; fi
  done
# The integration tests start Azurite from node_modules, relative to the copied project.
ln -sfn ../node_modules mutants/node_modules

# Every mutant's test run is a new pytest session: share one Azurite between them (tests isolate
# themselves by owner or by table) instead of starting one per mutant.
read -r port blob_port queue_port < <(.venv/bin/python -c 'from tests.support import free_port as f; print(f(), f(), f())')
node_modules/.bin/azurite --inMemoryPersistence --tableHost 127.0.0.1 --tablePort "$port" \
  --blobHost 127.0.0.1 --blobPort "$blob_port" --queueHost 127.0.0.1 --queuePort "$queue_port" \
  --skipApiVersionCheck --loose --disableTelemetry --silent > /dev/null 2>&1 &
azurite=$!
trap 'kill "$azurite" 2>/dev/null || true' EXIT
.venv/bin/python -c "from tests.support import wait_for_port; wait_for_port($port); wait_for_port($blob_port)"

set +e
TEST_AZURITE_PORT=$port TEST_AZURITE_BLOB_PORT=$blob_port .venv/bin/mutmut run --max-children "${MUTATION_CHILDREN:-2}" > mutants/run.log 2>&1
status=$?
set -e
tail -n 3 mutants/run.log | tr '\r' '\n' | tail -n 3
if [ "$status" -ne 0 ]; then
  echo "mutmut run failed ($status); see mutants/run.log" >&2
  exit "$status"
fi
.venv/bin/python scripts/mutation_report.py
