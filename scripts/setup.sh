#!/usr/bin/env bash
# Install what the project needs into the project itself: .venv (Python packages) and
# node_modules (Azurite). Re-runs cheaply: each step is skipped while its inputs are unchanged.
#
#   setup.sh          everything: requirements-dev.txt (the test, lint, benchmark and mutation
#                     tools, with the runtime requirements), then Azurite and the web page's
#                     TypeScript tools, then the contract gate's diff tool (openapi/, npm ci).
#                     make test, check-infra, bench, mutation, openapi, contract and clients use this.
#   setup.sh runtime  only what running needs: requirements.txt, then Azurite (make run).
#
# Each mode keeps its own stamp in .venv: a runtime install does not mark the dev tools as
# installed, so `make test` after `make run` still installs them; a full install covers both.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
case "$mode" in
  all | runtime) ;;
  *) echo "usage: $0 [runtime]" >&2; exit 2 ;;
esac

digest() { cat "$@" | sha256sum | cut -d' ' -f1; }
runtime_stamp=.venv/.requirements-runtime.sha
dev_stamp=.venv/.requirements.sha
runtime_want=$(digest requirements.txt)
dev_want=$(digest requirements.txt requirements-dev.txt)
stamped() { [ "$(cat "$1" 2>/dev/null || true)" = "$2" ]; }

ensure_venv() {
  if [ ! -x .venv/bin/python ]; then
    local python=${PYTHON:-python3.11}
    command -v "$python" >/dev/null 2>&1 || python=python3
    "$python" -m venv .venv
  fi
}

# pip's output goes to .venv/pip.log and is shown only when it fails.
pip_install() {
  if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip &&
         .venv/bin/python -m pip install --disable-pip-version-check -r "$1"; } > .venv/pip.log 2>&1; then
    cat .venv/pip.log >&2
    exit 1
  fi
}

if [ "$mode" = all ]; then
  if ! stamped "$dev_stamp" "$dev_want"; then
    ensure_venv
    echo "Installing the runtime and development requirements into .venv (first run: a few minutes)"
    pip_install requirements-dev.txt
    echo "$dev_want" > "$dev_stamp"
    echo "$runtime_want" > "$runtime_stamp"  # requirements-dev.txt includes requirements.txt
  fi
elif ! stamped "$runtime_stamp" "$runtime_want" && ! stamped "$dev_stamp" "$dev_want"; then
  ensure_venv
  echo "Installing the runtime requirements into .venv (first run: under a minute)"
  pip_install requirements.txt
  echo "$runtime_want" > "$runtime_stamp"
fi

npm_stamp=node_modules/.package-lock.sha
npm_want=$(digest package.json package-lock.json 2>/dev/null)
if [ ! -x node_modules/.bin/azurite ] || ! stamped "$npm_stamp" "$npm_want"; then
  echo "Installing Azurite (the local Table Storage emulator) into node_modules with npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$npm_want" > "$npm_stamp"
fi

# The breaking-change gate's OpenAPI diff tool (make contract), a package of its own so that
# make run does not install it.
if [ "$mode" = all ]; then
  gate_stamp=openapi/node_modules/.package-lock.sha
  gate_want=$(digest openapi/package.json openapi/package-lock.json)
  if [ ! -x openapi/node_modules/.bin/optic ] || ! stamped "$gate_stamp" "$gate_want"; then
    echo "Installing the contract gate's diff tool (Optic) into openapi/node_modules with npm ci"
    npm ci --prefix openapi --no-audit --no-fund --loglevel=error
    echo "$gate_want" > "$gate_stamp"
  fi
fi
