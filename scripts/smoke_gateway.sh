#!/usr/bin/env bash
# Smoke test after deployment, through the gateway URL (the only way callers reach the API):
# the public OpenAPI document and web page answer 200 without a token or key; a data request
# without credentials is refused by the gateway (401); and the Function App's own host name
# refuses a direct call: 401 from App Service authentication in the public network profile;
# in the private profile (NETWORK_ISOLATION=private) the app's and the data storage account's
# public host names must not answer at all from here: no address or no connection, or 403 from
# the platform because public network access is disabled (storage says AuthorizationFailure).
# Run it from outside the virtual network: inside, those names resolve to private endpoints.
# In the public profile a direct call that forges App Service's principal headers (as the
# gateway's identity, GATEWAY_PRINCIPAL_ID) and an owner, with no token, must be refused (401): by
# Easy Auth, and by the app's own token check should Easy Auth ever not run.
# Needs API_GATEWAY_URL and FUNCTION_APP_HOST, and in the private profile DATA_STORAGE_ACCOUNT
# (outputs of infra/main.bicep; azd sets them; GATEWAY_PRINCIPAL_ID too).
# Retries for a few minutes: a fresh Flex app and a new gateway take a while to answer.
set -euo pipefail

: "${API_GATEWAY_URL:?API_GATEWAY_URL (deployment output) is required}"
: "${FUNCTION_APP_HOST:?FUNCTION_APP_HOST (deployment output) is required}"
profile="${NETWORK_ISOLATION:-public}"

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

# A public host name of a private resource: curl's 000 (no DNS answer, no connection) or the
# platform's 403; for storage the 403 must carry x-ms-error-code AuthorizationFailure (an
# anonymous call to a publicly reachable account is refused with another code).
refused() {
  local url=$1 storage=${2:-} headers code error
  headers=$(curl --silent --output /dev/null --dump-header - --max-time 30 "$url" || true)
  code=$(printf '%s\n' "$headers" | awk 'toupper($1) ~ /^HTTP\// {c=$2} END {print c ? c : "000"}')
  error=$(printf '%s\n' "$headers" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-ms-error-code" {print $2}')
  if [ "$code" = 000 ] || { [ "$code" = 403 ] && { [ -z "$storage" ] || [ "$error" = AuthorizationFailure ]; }; }; then
    echo "smoke: $url refused from outside the network ($code${error:+ $error})"
    return 0
  fi
  echo "smoke: $url answered $code${error:+ $error} from outside the network: it is publicly reachable" >&2
  return 1
}

forged() {
  local url="https://$FUNCTION_APP_HOST/api/lists" got=""
  for _ in $(seq 1 30); do
    got=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time 30 \
      -H "X-MS-CLIENT-PRINCIPAL-ID: ${GATEWAY_PRINCIPAL_ID:-00000000-0000-0000-0000-000000000000}" \
      -H "X-MS-CLIENT-PRINCIPAL-IDP: aad" -H "X-Todo-Owner: smoke-forged-owner" "$url" || true)
    [ "$got" = 401 ] && { echo "smoke: $url with forged principal headers and no token -> 401"; return 0; }
    sleep 10
  done
  echo "smoke: $url with forged principal headers and no token answered $got, expected 401" >&2
  return 1
}

expect "$API_GATEWAY_URL/openapi.json" 200
expect "$API_GATEWAY_URL/app" 200
expect "$API_GATEWAY_URL/lists" 401
case "$profile" in
  public)
    expect "https://$FUNCTION_APP_HOST/api/openapi.json" 401
    forged
    ;;
  private)
    : "${DATA_STORAGE_ACCOUNT:?DATA_STORAGE_ACCOUNT (deployment output) is required in the private profile}"
    refused "https://$FUNCTION_APP_HOST/api/openapi.json"
    refused "https://$DATA_STORAGE_ACCOUNT.table.core.windows.net/todo" storage
    refused "https://$DATA_STORAGE_ACCOUNT.blob.core.windows.net/?comp=list" storage
    ;;
  *)
    echo "smoke: NETWORK_ISOLATION must be public or private, not '$profile'" >&2
    exit 1
    ;;
esac
echo "smoke: ok ($profile network profile)"
