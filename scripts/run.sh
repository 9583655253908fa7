#!/usr/bin/env bash
# Run the API locally on http://127.0.0.1:7071/api against Azurite (started here, data kept in
# .azurite/). Uses Azure Functions Core Tools (`func start`) when installed, else the
# project's own local host (python -m devhost), which serves the same FunctionApp.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json

mkdir -p .azurite
node_modules/.bin/azurite-table --location .azurite --tableHost 127.0.0.1 --tablePort 10002 \
  --skipApiVersionCheck --loose --disableTelemetry --silent &
azurite_pid=$!
trap 'kill $azurite_pid 2>/dev/null || true' EXIT INT TERM
echo "Azurite (tables) on http://127.0.0.1:10002"

if command -v func >/dev/null 2>&1; then
  # Core Tools picks up the venv's packages when it is active.
  # shellcheck disable=SC1091
  source .venv/bin/activate
  func start --port 7071
else
  .venv/bin/python -m devhost --port 7071
fi
