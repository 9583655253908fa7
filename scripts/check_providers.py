"""Pre-flight before provisioning (azd's preprovision hook and the deploy workflow): every
resource provider the templates need must be registered in the subscription, or the deployment
fails half-way with MissingSubscriptionRegistration.

For each namespace it asks Azure Resource Manager for the registration state. A namespace that
is not registered is registered here when the signed-in identity may do so (the
`<namespace>/register/action` right at subscription scope: Owner or Contributor on the
subscription); otherwise the script stops before anything is created and prints the
`az provider register` commands and who may run them. TODO_REGISTER_PROVIDERS=false only checks.

Needs AZURE_SUBSCRIPTION_ID (azd sets it; the workflow passes it) and a token for Azure Resource
Manager: ARM_ACCESS_TOKEN, else `azd auth token`, else `az account get-access-token`.
Standard library only: it runs before any project virtual environment exists.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

# Namespaces of the resource types in infra/ (tests/infra/test_deployment_rules.py keeps this
# list equal to them). Microsoft.App: the Flex Consumption plan's apps run on it (creating a Flex
# app on a subscription without it registered has failed: Azure/azure-cli#33177).
# Microsoft.Authorization and Microsoft.Resources are always registered.
PROVIDERS = [
    "Microsoft.ApiManagement",
    "Microsoft.App",
    "Microsoft.Insights",
    "Microsoft.KeyVault",
    "Microsoft.ManagedIdentity",
    "Microsoft.OperationalInsights",
    "Microsoft.Storage",
    "Microsoft.Web",
]
PRIVATE_ONLY = ["Microsoft.Network"]  # virtual network, private endpoints, private DNS zones
API_VERSION = "2021-04-01"


def needed(network_isolation: str) -> list[str]:
    return sorted(PROVIDERS + (PRIVATE_ONLY if network_isolation == "private" else []))


def token() -> str:
    given = os.environ.get("ARM_ACCESS_TOKEN", "")
    if given:
        return given
    attempts = [
        ["azd", "auth", "token", "--output", "json"],  # its default scope is Azure Resource Manager
        ["az", "account", "get-access-token", "--resource", "https://management.azure.com/", "--output", "json"],
    ]
    for command in attempts:
        if shutil.which(command[0]) is None:
            continue
        run = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
        if run.returncode == 0:
            answer = json.loads(run.stdout)
            return str(answer.get("token") or answer.get("accessToken") or "")
    return ""


def call(method: str, url: str, bearer: str) -> tuple[int, dict[str, object]]:
    if not url.startswith(("https://", "http://127.0.0.1")):
        raise RuntimeError(f"refusing to call {url}: Azure Resource Manager is https")
    headers = {"Authorization": f"Bearer {bearer}"}
    data = b"" if method == "POST" else None
    request = urllib.request.Request(url, method=method, headers=headers, data=data)  # noqa: S310 (scheme checked)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (scheme checked)
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body or b"{}")
        except ValueError:
            return error.code, {}


def main() -> int:
    subscription = os.environ.get("AZURE_SUBSCRIPTION_ID", "")
    if not subscription:
        print("resource providers: AZURE_SUBSCRIPTION_ID is not set (`azd env new <name> --subscription <id>"
              " --location <region>` sets it; the workflow passes its repository variable)", file=sys.stderr)
        return 1
    bearer = token()
    if not bearer:
        print("resource providers: no token for Azure Resource Manager: run `azd auth login` (or `az login`)",
              file=sys.stderr)
        return 1
    endpoint = os.environ.get("ARM_ENDPOINT", "https://management.azure.com").rstrip("/")
    register = os.environ.get("TODO_REGISTER_PROVIDERS", "true").lower() != "false"
    wait = float(os.environ.get("TODO_PROVIDER_WAIT_SECONDS", "600"))
    base = f"{endpoint}/subscriptions/{subscription}/providers"

    def state(namespace: str) -> str:
        status, body = call("GET", f"{base}/{namespace}?api-version={API_VERSION}", bearer)
        if status != 200:
            raise RuntimeError(f"reading {namespace} answered {status}: {body.get('error', body)}")
        return str(body.get("registrationState", "Unknown"))

    try:
        missing = [ns for ns in needed(os.environ.get("TODO_NETWORK_ISOLATION", "public")) if state(ns) != "Registered"]
        refused: list[str] = []
        if missing and register:
            for namespace in missing:
                status, body = call("POST", f"{base}/{namespace}/register?api-version={API_VERSION}", bearer)
                if status in {401, 403}:
                    refused.append(namespace)
                elif status != 200:
                    raise RuntimeError(f"registering {namespace} answered {status}: {body.get('error', body)}")
                else:
                    print(f"resource providers: registering {namespace}")
            deadline = time.monotonic() + wait
            pending = [ns for ns in missing if ns not in refused]
            while pending and time.monotonic() < deadline:
                pending = [ns for ns in pending if state(ns) != "Registered"]
                if pending:
                    time.sleep(float(os.environ.get("TODO_PROVIDER_POLL_SECONDS", "10")))
            if pending:
                raise RuntimeError(f"still registering after {wait:.0f} s: {', '.join(pending)}; run again later")
            missing = refused
    except (RuntimeError, urllib.error.URLError, TimeoutError) as error:
        print(f"resource providers: {error}", file=sys.stderr)
        return 1
    if missing:
        print("resource providers: not registered in subscription " + subscription + ": " + ", ".join(missing)
              + "\nThe deployment would fail with MissingSubscriptionRegistration. Someone with the"
              " '<namespace>/register/action' right on the subscription (Owner or Contributor at subscription"
              " scope; resource-group roles do not include it) must run once:", file=sys.stderr)
        for namespace in missing:
            print(f"  az provider register --subscription {subscription} --namespace {namespace} --wait",
                  file=sys.stderr)
        return 1
    print(f"resource providers: all {len(needed(os.environ.get('TODO_NETWORK_ISOLATION', 'public')))} registered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
