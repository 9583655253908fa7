#!/usr/bin/env bash
# Benchmarks (about 8 minutes on 2 cores): starts Azurite and the local host, loads data and
# writes benchmarks/results/latest.{json,md} and throughput.png. `--quick` for a smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/ensure_debian_tools.sh
.venv/bin/python -m benchmarks "$@"
