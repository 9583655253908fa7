#!/usr/bin/env bash
# Run the API locally on http://127.0.0.1:7071/api against Azurite (started here, data kept in
# .azurite/). Uses Azure Functions Core Tools (`func start`) when installed, else the
# project's own local host (python -m devhost), which serves the same FunctionApp.
# The host starts only once Azurite accepts connections, so the first request after the host's
# "listening" line is served, not answered 503. PORT and AZURITE_TABLE_PORT choose other ports
# and AZURITE_LOCATION another data folder (the tests run it that way beside a running copy).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json

port=${PORT:-7071}
table_port=${AZURITE_TABLE_PORT:-10002}
location=${AZURITE_LOCATION:-.azurite}
mkdir -p "$location"
if command -v func >/dev/null 2>&1; then
  # The Functions host itself also uses AzureWebJobsStorage (UseDevelopmentStorage=true):
  # blob and queue as well as tables, on their default ports.
  node_modules/.bin/azurite --location "$location" --blobHost 127.0.0.1 --queueHost 127.0.0.1 \
    --tableHost 127.0.0.1 --tablePort "$table_port" --skipApiVersionCheck --loose --disableTelemetry --silent &
else
  node_modules/.bin/azurite-table --location "$location" --tableHost 127.0.0.1 --tablePort "$table_port" \
    --skipApiVersionCheck --loose --disableTelemetry --silent &
fi
azurite_pid=$!
trap 'kill $azurite_pid 2>/dev/null || true' EXIT INT TERM

# Ready means accepting connections (bash's /dev/tcp), within 30 s, and Azurite still alive.
for _ in $(seq 300); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$table_port") 2>/dev/null; then
    break
  fi
  kill -0 "$azurite_pid" 2>/dev/null || { echo "Azurite exited (is port $table_port in use?)" >&2; exit 1; }
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$table_port") 2>/dev/null || { echo "Azurite did not start on port $table_port" >&2; exit 1; }
echo "Azurite on 127.0.0.1 (tables on port $table_port)"
if [ "$table_port" != 10002 ]; then
  # local.settings.json names port 10002; a variable already set takes precedence over it.
  TODO_STORAGE=$(.venv/bin/python - "$table_port" <<'PY'
import json
import sys

value = json.load(open("local.settings.json"))["Values"]["TODO_STORAGE"]
print(value.replace("127.0.0.1:10002/", f"127.0.0.1:{sys.argv[1]}/"))
PY
)
  export TODO_STORAGE
fi

if command -v func >/dev/null 2>&1; then
  # Core Tools picks up the venv's packages when it is active.
  # shellcheck disable=SC1091
  source .venv/bin/activate
  func start --port "$port"
else
  .venv/bin/python -m devhost --port "$port"
fi
