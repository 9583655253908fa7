#!/usr/bin/env bash
# Smoke test after deployment, through the gateway URL (the only way callers reach the API):
# the public OpenAPI document and web page answer 200 without a token or key; a data request
# without credentials is refused by the gateway (401); and the Function App's own host name
# refuses a direct call (401 from App Service authentication): only the gateway gets in.
# Needs API_GATEWAY_URL and FUNCTION_APP_HOST (outputs of infra/main.bicep; azd sets them).
# Retries for a few minutes: a fresh Flex app and a new gateway take a while to answer.
set -euo pipefail

: "${API_GATEWAY_URL:?API_GATEWAY_URL (deployment output) is required}"
: "${FUNCTION_APP_HOST:?FUNCTION_APP_HOST (deployment output) is required}"

status() { curl --silent --output /dev/null --write-out '%{http_code}' --max-time 30 "$1" || true; }

expect() {
  local url=$1 want=$2 got=""
  for _ in $(seq 1 30); do
    got=$(status "$url")
    [ "$got" = "$want" ] && { echo "smoke: $url -> $got"; return 0; }
    sleep 10
  done
  echo "smoke: $url answered $got, expected $want" >&2
  return 1
}

expect "$API_GATEWAY_URL/openapi.json" 200
expect "$API_GATEWAY_URL/app" 200
expect "$API_GATEWAY_URL/lists" 401
expect "https://$FUNCTION_APP_HOST/api/openapi.json" 401
echo "smoke: ok"
