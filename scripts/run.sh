#!/usr/bin/env bash
# Run the API locally on http://127.0.0.1:7071/api against Azurite (started here, data kept in
# .azurite/). Uses Azure Functions Core Tools (`func start`) when installed, else the
# project's own local host (python -m devhost), which serves the same FunctionApp.
# Installs only what running needs (scripts/setup.sh runtime: requirements.txt and Azurite).
# A port already in use stops it at once, before installing anything, with one line naming the
# port and the variable that moves it. The host starts only once the Azurite started here (its
# pid, not whatever else may answer on that port) accepts connections, so the first request
# after the host's "listening" line is served, not answered 503. Azurite serves tables (the
# app's data) and blobs (the backup's container). PORT, AZURITE_TABLE_PORT and AZURITE_BLOB_PORT
# choose other ports and AZURITE_LOCATION another data folder (the tests run it that way beside
# a running copy).
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PORT:-7071}
table_port=${AZURITE_TABLE_PORT:-10002}
blob_port=${AZURITE_BLOB_PORT:-10000}
location=${AZURITE_LOCATION:-.azurite}

# Something accepts connections on 127.0.0.1:<port> (bash's /dev/tcp).
accepting() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
taken() {  # port, what uses it here, the variable that moves it
  echo "Port $1 ($2) is already in use: stop what listens there or choose another port, e.g. $3=$(($1 + 10)) make run" >&2
  exit 1
}
accepting "$port" && taken "$port" "the API" PORT
accepting "$table_port" && taken "$table_port" "Azurite's table service" AZURITE_TABLE_PORT
accepting "$blob_port" && taken "$blob_port" "Azurite's blob service" AZURITE_BLOB_PORT
queue_port=0  # the queue service nothing uses: a port the system picks
if command -v func >/dev/null 2>&1; then
  queue_port=10001
  for fixed in 10000 10001; do  # func start's own storage (UseDevelopmentStorage=true): fixed ports
    if [ "$fixed" != "$blob_port" ] && accepting "$fixed"; then
      echo "Port $fixed (Azurite's blob/queue service, which func start uses) is already in use: stop what listens there" >&2
      exit 1
    fi
  done
fi

# True when the socket listening on <port> belongs to process <pid>: Linux's /proc/net/tcp gives
# the listening socket's inode, /proc/<pid>/fd the process's sockets. Elsewhere, alive is all
# this can tell (the port was free before the process started).
listens_on() {  # pid port
  kill -0 "$1" 2>/dev/null || return 1
  [ -r /proc/net/tcp ] || return 0
  local inode
  inode=$(awk -v port="$(printf ':%04X' "$2")" \
    'substr($2, length($2) - 4) == port && $4 == "0A" { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
  [ -n "$inode" ] || return 1
  local fd one
  for fd in "/proc/$1"/fd/*; do
    for one in $inode; do
      [ "$(readlink "$fd" 2>/dev/null)" = "socket:[$one]" ] && return 0
    done
  done
  return 1
}

bash scripts/setup.sh runtime
[ -f local.settings.json ] || cp local.settings.sample.json local.settings.json
mkdir -p "$location"
azurite_log="$location/azurite.log"
# Tables and blobs (and, for func start's own AzureWebJobsStorage=UseDevelopmentStorage=true, the
# queue service on its default port) in one process.
node_modules/.bin/azurite --location "$location" --blobHost 127.0.0.1 --blobPort "$blob_port" \
  --queueHost 127.0.0.1 --queuePort "$queue_port" --tableHost 127.0.0.1 --tablePort "$table_port" \
  --skipApiVersionCheck --loose --disableTelemetry --silent > "$azurite_log" 2>&1 &
azurite_pid=$!
# On the way out, stop Azurite and wait until it has gone, so its port is free the moment make
# run returns (an immediate second make run would otherwise find it still taken).
stop_azurite() {
  kill "$azurite_pid" 2>/dev/null || return 0
  (sleep 10; kill -9 "$azurite_pid") </dev/null >/dev/null 2>&1 &  # holds no output pipe
  local killer=$!
  wait "$azurite_pid" 2>/dev/null || true
  kill "$killer" 2>/dev/null || true
}
trap stop_azurite EXIT INT TERM

# Ready means this Azurite (its pid) listens on each port and accepts, within 30 s. Anything
# else answering there (another process took the port after the check above) stops the run.
await_port() {  # port, what it is, the variable that moves it
  for _ in $(seq 300); do
    if ! kill -0 "$azurite_pid" 2>/dev/null; then
      # One of its ports was taken after the check above, or bound by a process that does not
      # accept (yet): Azurite's log names the address it could not listen on.
      accepting "$1" && taken "$1" "$2" "$3"
      grep -q "EADDRINUSE.*:$table_port\b" "$azurite_log" && taken "$table_port" "Azurite's table service" AZURITE_TABLE_PORT
      grep -q "EADDRINUSE.*:$blob_port\b" "$azurite_log" && taken "$blob_port" "Azurite's blob service" AZURITE_BLOB_PORT
      echo "Azurite exited at start: $(tail -n 1 "$azurite_log") (its output: $azurite_log)" >&2
      exit 1
    fi
    if accepting "$1"; then
      listens_on "$azurite_pid" "$1" && return 0
      taken "$1" "$2" "$3"
    fi
    sleep 0.1
  done
  echo "Azurite did not start listening on port $1 within 30 s (its output: $azurite_log)" >&2
  exit 1
}
await_port "$table_port" "Azurite's table service" AZURITE_TABLE_PORT
await_port "$blob_port" "Azurite's blob service" AZURITE_BLOB_PORT
echo "Azurite on 127.0.0.1 (tables on port $table_port, blobs on port $blob_port, pid $azurite_pid, data in $location)"
# local.settings.json names ports 10002 and 10000 (one made before the backup existed names no
# blob endpoint: it is added); a variable already set takes precedence over it.
TODO_STORAGE=$(.venv/bin/python - "$table_port" "$blob_port" <<'PY'
import json
import re
import sys

table, blob = sys.argv[1:]
value = json.load(open("local.settings.json"))["Values"]["TODO_STORAGE"]
value = value.replace("127.0.0.1:10002/", f"127.0.0.1:{table}/")
if "BlobEndpoint=" in value:
    value = re.sub(r"BlobEndpoint=http://127\.0\.0\.1:10000/", f"BlobEndpoint=http://127.0.0.1:{blob}/", value)
elif "TableEndpoint=http://127.0.0.1" in value:
    value = value.rstrip(";") + f";BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;"
print(value)
PY
)
export TODO_STORAGE

if command -v func >/dev/null 2>&1; then
  # Core Tools picks up the venv's packages when it is active.
  # shellcheck disable=SC1091
  source .venv/bin/activate
  func start --port "$port"
else
  .venv/bin/python -m devhost --port "$port"
fi
