#!/usr/bin/env bash
# Checks the deployment inputs before anything is provisioned (azd preprovision hook and the
# GitHub workflow): Bicep has no pattern decorator, so the environment name's pattern, which
# every derived resource name relies on, is enforced here; values without a safe default must
# be set per environment.
set -euo pipefail

fail() { echo "deploy parameters: $*" >&2; exit 1; }

name="${AZURE_ENV_NAME:-}"
[[ "$name" =~ ^[a-z][a-z0-9]{1,9}$ ]] \
  || fail "AZURE_ENV_NAME '$name' must be 2-10 lower-case letters and digits starting with a letter (^[a-z][a-z0-9]{1,9}\$)"
[ -n "${AZURE_LOCATION:-}" ] || fail "AZURE_LOCATION is not set"
# API Management needs a publisher e-mail. Empty, azd's next hook step (scripts/publisher_email.py)
# sets the signed-in user's user principal name; a service principal has none, so the workflow
# must set it.
if [ -n "${TODO_PUBLISHER_EMAIL:-}" ]; then
  [[ "$TODO_PUBLISHER_EMAIL" =~ ^[^@[:space:]]+@[^@[:space:]]+$ ]] \
    || fail "TODO_PUBLISHER_EMAIL must be an e-mail address (or empty: azd then uses the signed-in user's name)"
elif [ "${GITHUB_ACTIONS:-}" = true ]; then
  fail "TODO_PUBLISHER_EMAIL must be set for a workflow deployment: a service principal has no user principal name to default to"
fi
guid='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
# Empty (the default): the deployment creates the API's app registration (infra/modules/entra.bicep).
[ -z "${TODO_API_APP_CLIENT_ID:-}" ] || [[ "$TODO_API_APP_CLIENT_ID" =~ $guid ]] \
  || fail "TODO_API_APP_CLIENT_ID must be empty (the deployment creates the API's registration) or the client id of an existing one"
[ -z "${TODO_WEB_CLIENT_ID:-}" ] || [[ "$TODO_WEB_CLIENT_ID" =~ $guid ]] \
  || fail "TODO_WEB_CLIENT_ID must be empty or the client id of the web page's SPA app registration"
case "${TODO_AUTH_MODE:-jwt}" in jwt|subscription) ;; *) fail "TODO_AUTH_MODE must be jwt or subscription" ;; esac
case "${TODO_APIM_SKU:-BasicV2}" in BasicV2|StandardV2) ;; *) fail "TODO_APIM_SKU must be BasicV2 or StandardV2" ;; esac
case "${TODO_NETWORK_ISOLATION:-public}" in public|private) ;; *) fail "TODO_NETWORK_ISOLATION must be public or private" ;; esac
case "${TODO_ENVIRONMENT_KIND:-production}" in production|development) ;; *) fail "TODO_ENVIRONMENT_KIND must be production or development (development: Key Vault without purge protection, docs/deploy.md)" ;; esac
case "${TODO_CLIENT_IP_LOGGING:-off}" in off|on) ;; *) fail "TODO_CLIENT_IP_LOGGING must be off or on" ;; esac
# The daily backup (docs/operations.md, Backup storage): whole days within the policy's limits
# (1 to 146,000), and lifecycle deletion never before the immutability period ends (a delete
# during it is refused; the template would apply the larger value instead of the one asked for).
days='^[1-9][0-9]{0,5}$'
immutability="${TODO_BACKUP_IMMUTABILITY_DAYS:-14}"
retention="${TODO_BACKUP_RETENTION_DAYS:-35}"
[[ "$immutability" =~ $days ]] && [ "$immutability" -le 146000 ] \
  || fail "TODO_BACKUP_IMMUTABILITY_DAYS must be a whole number of days from 1 to 146000"
[[ "$retention" =~ $days ]] && [ "$retention" -le 146000 ] \
  || fail "TODO_BACKUP_RETENTION_DAYS must be a whole number of days from 1 to 146000"
[ "$retention" -ge "$immutability" ] \
  || fail "TODO_BACKUP_RETENTION_DAYS ($retention) must be at least TODO_BACKUP_IMMUTABILITY_DAYS ($immutability): backups cannot be deleted while they are immutable"
case "${TODO_BACKUP_IMMUTABILITY_LOCKED:-false}" in true|false) ;; *) fail "TODO_BACKUP_IMMUTABILITY_LOCKED must be true or false (true only once the policy has been locked)" ;; esac
# The private profile needs the gateway's outbound virtual network integration, which Basic v2
# does not have (Standard v2 and Premium v2 do): without it the gateway cannot reach the app's
# private endpoint. docs/private-network.md.
if [ "${TODO_NETWORK_ISOLATION:-public}" = private ] && [ "${TODO_APIM_SKU:-BasicV2}" != StandardV2 ]; then
  fail "TODO_NETWORK_ISOLATION=private needs TODO_APIM_SKU=StandardV2: API Management ${TODO_APIM_SKU:-BasicV2} has no virtual network integration, so the gateway could not reach the app's private endpoint (azd env set TODO_APIM_SKU StandardV2)"
fi
echo "deploy parameters: ok (environment $name in $AZURE_LOCATION, ${TODO_NETWORK_ISOLATION:-public} network profile)"
