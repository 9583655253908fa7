"""Through the local host, as a deployment whose Key Vault reference did not resolve would be:
every data request is a 503 problem, the public documents still load, and the log names the
setting once without its value."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import ROOT, ApiClient, Azurite, LocalHost, host_env, wait_for_port

REFERENCE = "@Microsoft.KeyVault(SecretUri=https://kv-todo.vault.azure.net/secrets/cursor-key/0123abcd)"


class LoggedHost(LocalHost):
    """The local host with its log kept in a file, to read what an operator would see."""

    log_path: Path

    def start_logging_to(self, log_path: Path) -> LoggedHost:
        self.log_path = log_path
        environment = {**os.environ, **self.env, "LOG_LEVEL": "WARNING"}
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "devhost", "--port", str(self.port)],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(self.port)
        return self

    def log_lines(self) -> list[str]:
        return self.log_path.read_text().splitlines()


def _start(azurite: Azurite, tmp_path: Path, **settings: str) -> LoggedHost:
    env = host_env(azurite, WEBSITE_SITE_NAME="func-todo-test", **settings)
    if "TODO_CURSOR_KEY" not in settings:
        env["TODO_CURSOR_KEY"] = ""  # also hides a value the developer's shell may hold
    return LoggedHost(env).start_logging_to(tmp_path / "host.log")


@pytest.fixture
def unresolved_reference_host(azurite: Azurite, tmp_path: Path) -> Iterator[LoggedHost]:
    host = _start(azurite, tmp_path, TODO_CURSOR_KEY=REFERENCE)
    yield host
    host.stop()


@pytest.fixture
def keyless_host(azurite: Azurite, tmp_path: Path) -> Iterator[LoggedHost]:
    host = _start(azurite, tmp_path)
    yield host
    host.stop()


def _assert_refused(client: ApiClient) -> None:
    list_path = "/lists/" + "0" * 32
    for response in (
        client.get("/lists"),
        client.post("/lists", {"name": "never stored"}),
        client.get(list_path),
        client.patch(list_path, {"name": "x"}),
        client.delete(list_path),
        client.get(f"{list_path}/items/state/done"),
    ):
        assert response.status == 503, response.body
        assert response.header("Content-Type") == "application/problem+json"
        assert response.header("Retry-After") is not None and response.header("Cache-Control") == "no-store"
        assert response.json()["type"] == "urn:problem-type:todo-api:misconfigured"


def test_an_unresolved_key_vault_reference_refuses_every_data_request(unresolved_reference_host: LoggedHost) -> None:
    client = ApiClient(unresolved_reference_host.base_url)
    _assert_refused(client)
    assert client.get("/openapi.json").status == 200  # the documents hold no data and no key
    assert client.get("/app").status == 200
    refusals = [json.loads(line) for line in unresolved_reference_host.log_lines() if "configuration-refused" in line]
    assert refusals == [
        {"event": "configuration-refused", "reason": "TODO_CURSOR_KEY holds an unresolved Key Vault reference"}
    ]
    assert "vault.azure.net" not in unresolved_reference_host.log_path.read_text()


def test_in_azure_a_missing_cursor_key_refuses_every_data_request(keyless_host: LoggedHost) -> None:
    _assert_refused(ApiClient(keyless_host.base_url))
    assert any('"reason": "TODO_CURSOR_KEY is missing"' in line for line in keyless_host.log_lines())
