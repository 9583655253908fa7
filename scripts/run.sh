#!/usr/bin/env bash
# Run the API locally on http://127.0.0.1:7071/api against Azurite (started here, data kept in
# .azurite/). Uses Azure Functions Core Tools (`func start`) when installed, else the
# project's own local host (python -m devhost), which serves the same FunctionApp.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json

mkdir -p .azurite
if command -v func >/dev/null 2>&1; then
  # The Functions host itself also uses AzureWebJobsStorage (UseDevelopmentStorage=true):
  # blob and queue as well as tables, on their default ports.
  node_modules/.bin/azurite --location .azurite --blobHost 127.0.0.1 --queueHost 127.0.0.1 \
    --tableHost 127.0.0.1 --skipApiVersionCheck --loose --disableTelemetry --silent &
else
  node_modules/.bin/azurite-table --location .azurite --tableHost 127.0.0.1 --tablePort 10002 \
    --skipApiVersionCheck --loose --disableTelemetry --silent &
fi
azurite_pid=$!
trap 'kill $azurite_pid 2>/dev/null || true' EXIT INT TERM
echo "Azurite on 127.0.0.1 (tables on port 10002)"

if command -v func >/dev/null 2>&1; then
  # Core Tools picks up the venv's packages when it is active.
  # shellcheck disable=SC1091
  source .venv/bin/activate
  func start --port 7071
else
  .venv/bin/python -m devhost --port 7071
fi
