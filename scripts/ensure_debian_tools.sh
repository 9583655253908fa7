#!/usr/bin/env bash
# Debian packages the tests use: chromium (browser tests; test tools must not download their
# own browser) and wrk (the benchmark's load generator). Installed when missing and root.
set -euo pipefail
# CHROMIUM may name another system Chromium or Chrome (a CI image's own); it is never downloaded.
missing=()
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)  # passwordless sudo, as on hosted CI runners
else
  echo "missing ${missing[*]} and cannot install without root: install these Debian packages" >&2
  exit 1
fi
command -v apt-get >/dev/null 2>&1 || { echo "missing ${missing[*]} and no apt-get" >&2; exit 1; }
echo "Installing Debian packages: ${missing[*]}"
"${as_root[@]}" apt-get update -qq >/dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
