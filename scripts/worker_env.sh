#!/usr/bin/env bash
# Build .venv-worker313: Python 3.13 with the real Python worker (azure-functions-runtime) and
# the app's runtime requirements, for tests/worker/test_real_worker.py. Re-runs cheaply (stamp of
# the requirement files). The interpreter: $WORKER_PYTHON, else python3.13 on PATH, else the
# newest pyenv 3.13.x (found through `pyenv root`, $PYENV_ROOT or ~/.pyenv). Without one it
# says so and exits 3, and the comparison test skips.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-worker313
python=${WORKER_PYTHON:-}
if [ -z "$python" ]; then
  if command -v python3.13 >/dev/null 2>&1 && python3.13 -c '' >/dev/null 2>&1; then
    python=$(command -v python3.13)
  else
    root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")  # pyenv may be off the PATH
    found=$(ls -d "$root"/versions/3.13* 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$found" ] && [ -x "$found/bin/python3" ]; then
      python="$found/bin/python3"
    fi
  fi
fi
if [ -z "$python" ] || ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
  echo "no Python 3.13 interpreter found (set WORKER_PYTHON, or install 3.13 with pyenv)" >&2
  exit 3
fi

if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))'; then
  rm -rf "$venv"  # built by another interpreter
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
stamp=$venv/.requirements.sha
want=$(cat requirements.txt tests/worker/requirements-worker.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  if ! "$venv/bin/python" -m pip install --disable-pip-version-check -r tests/worker/requirements-worker.txt \
      > "$venv/pip.log" 2>&1; then
    cat "$venv/pip.log" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
echo "$venv/bin/python"
