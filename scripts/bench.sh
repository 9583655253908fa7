#!/usr/bin/env bash
# Benchmarks (19 to 26 minutes on 2 cores): starts Azurite and the local host (our app and the FastAPI
# peer with its default client and with ours, served at once and taking turns), loads data and writes benchmarks/results/latest.{json,md}
# and throughput.png; progress on stderr. Then the daily backup's cost (benchmarks/backup.py: 10,000 and 100,000
# rows, about two minutes more) into backup.{json,md}. `--quick` for a smoke run (about a minute and a half).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/ensure_debian_tools.sh
.venv/bin/python -m benchmarks "$@"
.venv/bin/python -m benchmarks.backup "$@"
