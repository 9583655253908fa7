#!/usr/bin/env bash
# Mutation testing of shared/ (`make mutation`, about N minutes on 2 cores; not part of `make test`).
# mutmut (pinned in requirements-dev.txt, configured in pyproject.toml [tool.mutmut]) copies the
# project into mutants/, mutates shared/ one change at a time and runs, for each mutant, only the
# unit and integration tests that called the mutated function. scripts/mutation_report.py then
# writes artifacts/mutation.md and fails when a module of shared/ kills less than 90%.
# MUTATION_CHILDREN (default 2) bounds the parallel test processes; MUTATION_KEEP=1 keeps the
# previous mutants/ and its results (only changed functions are tested again).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

if [ "${MUTATION_KEEP:-0}" != "1" ]; then
  rm -rf mutants
fi
mkdir -p mutants
# mutmut copies shared/ and tests/ itself; the tests also read the rest of the project (the app,
# the local host, infra and editor files), so lay every file git would commit beside them.
git ls-files -z --cached --others --exclude-standard -- . ':!shared' ':!mutants' |
  while IFS= read -r -d '' file; do
    if [ -f "$file" ]; then cp --parents -p "$file" mutants/; fi
  done
# The integration tests start Azurite from node_modules, relative to the copied project.
ln -sfn ../node_modules mutants/node_modules

set +e
.venv/bin/mutmut run --max-children "${MUTATION_CHILDREN:-2}" > mutants/run.log 2>&1
status=$?
set -e
tail -n 3 mutants/run.log | tr '\r' '\n' | tail -n 3
if [ "$status" -ne 0 ]; then
  echo "mutmut run failed ($status); see mutants/run.log" >&2
  exit "$status"
fi
.venv/bin/python scripts/mutation_report.py
