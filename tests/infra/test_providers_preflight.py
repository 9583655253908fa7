"""scripts/check_providers.py against a local stand-in for Azure Resource Manager: every provider
registered passes; an unregistered one is registered when the identity may, and waited for; one
the identity may not register stops the deployment with the command to run and who may run it.
Its list of namespaces is the templates' own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_providers.py"
SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
ALWAYS_REGISTERED = {"Microsoft.Authorization", "Microsoft.Resources", "Microsoft.Graph"}


class FakeArm:
    def __init__(self) -> None:
        self.states: dict[str, str] = {}
        self.may_register = True
        self.calls: list[str] = []
        self.polls_until_registered = 1


@pytest.fixture
def arm() -> Iterator[tuple[FakeArm, str]]:
    fake = FakeArm()
    pending: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            fake.calls.append(f"GET {self.path}")
            assert self.headers["Authorization"] == "Bearer test-token"
            namespace = self.path.split("?")[0].rsplit("/", 1)[1]
            if namespace in pending:
                pending[namespace] -= 1
                if pending[namespace] <= 0:
                    fake.states[namespace] = "Registered"
                    del pending[namespace]
            self.answer(200, {"namespace": namespace, "registrationState": fake.states.get(namespace, "Registered")})

        def do_POST(self) -> None:
            fake.calls.append(f"POST {self.path}")
            namespace = self.path.split("?")[0].split("/")[-2]
            if not fake.may_register:
                self.answer(403, {"error": {"code": "AuthorizationFailed"}})
                return
            fake.states[namespace] = "Registering"
            pending[namespace] = fake.polls_until_registered
            self.answer(200, {"namespace": namespace, "registrationState": "Registering"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run(endpoint: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ["PATH"], "ARM_ACCESS_TOKEN": "test-token", "ARM_ENDPOINT": endpoint,
        "AZURE_SUBSCRIPTION_ID": SUBSCRIPTION, "TODO_PROVIDER_POLL_SECONDS": "0", **env,
    }
    return subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=environment,
                          check=False, timeout=60)


def test_every_provider_registered_passes(arm: tuple[FakeArm, str]) -> None:
    fake, endpoint = arm
    result = run(endpoint)
    assert result.returncode == 0, result.stderr
    assert "all 8 registered" in result.stdout
    assert not [c for c in fake.calls if c.startswith("POST")]
    assert any("/providers/Microsoft.App?" in c for c in fake.calls)


def test_the_private_profile_also_needs_microsoft_network(arm: tuple[FakeArm, str]) -> None:
    fake, endpoint = arm
    assert run(endpoint, TODO_NETWORK_ISOLATION="private").returncode == 0
    assert any("/providers/Microsoft.Network?" in c for c in fake.calls)


def test_an_unregistered_provider_is_registered_and_waited_for(arm: tuple[FakeArm, str]) -> None:
    fake, endpoint = arm
    fake.states["Microsoft.ApiManagement"] = "NotRegistered"
    fake.polls_until_registered = 3
    result = run(endpoint)
    assert result.returncode == 0, result.stderr
    assert "registering Microsoft.ApiManagement" in result.stdout
    assert f"POST /subscriptions/{SUBSCRIPTION}/providers/Microsoft.ApiManagement/register?api-version=2021-04-01" \
        in fake.calls
    assert fake.states["Microsoft.ApiManagement"] == "Registered"


def test_an_identity_without_the_right_is_told_the_command_and_who_may_run_it(arm: tuple[FakeArm, str]) -> None:
    fake, endpoint = arm
    fake.states.update({"Microsoft.Web": "NotRegistered", "Microsoft.App": "Unregistered"})
    fake.may_register = False
    result = run(endpoint)
    assert result.returncode == 1
    assert "MissingSubscriptionRegistration" in result.stderr
    assert "Owner or Contributor at subscription scope" in result.stderr
    for namespace in ("Microsoft.Web", "Microsoft.App"):
        assert f"az provider register --subscription {SUBSCRIPTION} --namespace {namespace} --wait" in result.stderr


def test_check_only_never_registers(arm: tuple[FakeArm, str]) -> None:
    fake, endpoint = arm
    fake.states["Microsoft.KeyVault"] = "NotRegistered"
    result = run(endpoint, TODO_REGISTER_PROVIDERS="false")
    assert result.returncode == 1 and "--namespace Microsoft.KeyVault" in result.stderr
    assert not [c for c in fake.calls if c.startswith("POST")]


def test_without_a_subscription_it_says_how_to_set_one(arm: tuple[FakeArm, str]) -> None:
    _, endpoint = arm
    result = run(endpoint, AZURE_SUBSCRIPTION_ID="")
    assert result.returncode == 1 and "--subscription <id>" in result.stderr


def test_the_list_is_every_namespace_the_templates_use() -> None:
    text = "\n".join(p.read_text() for p in (ROOT / "infra").rglob("*.bicep"))
    used = set(re.findall(r"'(Microsoft\.[A-Za-z]+)/[A-Za-z]+[^']*@", text)) - ALWAYS_REGISTERED
    source = SCRIPT.read_text()
    listed = set(re.findall(r'"(Microsoft\.[A-Za-z]+)"', source))
    assert used <= listed, used - listed
    # Microsoft.App is needed beyond the declared types (Flex Consumption runs on it).
    assert listed - used <= {"Microsoft.App"}, listed - used


def test_azd_and_the_workflow_run_it_before_provisioning() -> None:
    azure_yaml = (ROOT / "azure.yaml").read_text()
    assert "scripts/check_providers.py" in azure_yaml.split("preprovision:")[1].split("postdeploy:")[0]
    workflow = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    assert workflow.index("scripts/check_providers.py") < workflow.index("az deployment group validate") \
        < workflow.index("az deployment group what-if")
