"""A misconfigured deployment refuses data requests (503) instead of serving with a wrong key.

The refusal happens per request, never at import: an import-time exception would make the real
host register zero functions, which is harder to see than one clear log line and a 503.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import azure.functions as func
import pytest

from functions.docs import get_app
from functions.lists import list_lists
from shared.platform.settings import configuration_fault, get_settings, reset_settings_cache

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = "@Microsoft.KeyVault(SecretUri=https://kv-todo.vault.azure.net/secrets/cursor-key/0123abcd)"
IN_AZURE = {"WEBSITE_SITE_NAME": "func-todo-dev", "TODO_CURSOR_KEY": "a-resolved-secret-value"}


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    reset_settings_cache()
    yield
    reset_settings_cache()


@pytest.mark.parametrize("setting", ["TODO_CURSOR_KEY", "TODO_STORAGE__tableServiceUri", "TODO_WEB_CLIENT_ID"])
def test_an_unresolved_key_vault_reference_in_any_todo_setting_is_a_fault_named_without_its_value(
    setting: str,
) -> None:
    fault = configuration_fault({**IN_AZURE, setting: REFERENCE})
    assert fault == f"{setting} holds an unresolved Key Vault reference"
    assert "vault.azure.net" not in fault and "cursor-key" not in fault


def test_the_reference_is_recognised_whatever_its_case_and_leading_spaces() -> None:
    assert configuration_fault({"TODO_CURSOR_KEY": "  @microsoft.keyvault(VaultName=kv;SecretName=s)"}) is not None


def test_a_reference_is_a_fault_even_outside_azure() -> None:
    # A literal reference is never a usable value, wherever the app runs.
    assert (
        configuration_fault({"TODO_CURSOR_KEY": REFERENCE}) == "TODO_CURSOR_KEY holds an unresolved Key Vault reference"
    )


def test_settings_that_are_not_the_apps_own_are_not_judged() -> None:
    assert configuration_fault({**IN_AZURE, "SOME_PLATFORM_SETTING": REFERENCE}) is None


@pytest.mark.parametrize("marker", ["WEBSITE_SITE_NAME", "WEBSITE_INSTANCE_ID"])
def test_in_azure_a_missing_or_blank_cursor_key_is_a_fault(marker: str) -> None:
    assert configuration_fault({marker: "x"}) == "TODO_CURSOR_KEY is missing"
    assert configuration_fault({marker: "x", "TODO_CURSOR_KEY": "  "}) == "TODO_CURSOR_KEY is missing"


def test_locally_the_development_cursor_key_is_allowed() -> None:
    assert configuration_fault({}) is None


def test_a_complete_azure_configuration_has_no_fault() -> None:
    assert configuration_fault(IN_AZURE) is None


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "inf"])
def test_a_numeric_setting_that_does_not_parse_is_a_fault_not_a_crash(
    value: str, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("TODO_MAX_BODY_BYTES", value)
    assert configuration_fault({"TODO_MAX_BODY_BYTES": value}) == "TODO_MAX_BODY_BYTES is not a positive number"
    assert get_settings().max_body_bytes == 65536  # building the settings never raises


def _request(method: str, path: str) -> func.HttpRequest:
    return func.HttpRequest(method, f"http://127.0.0.1/api/{path}", headers={}, route_params={}, body=b"")


async def test_every_data_request_gets_503_problem_with_retry_after_and_no_store(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("WEBSITE_SITE_NAME", "func-todo-dev")
    monkeypatch.setenv("TODO_CURSOR_KEY", REFERENCE)
    with caplog.at_level("INFO"):
        first = await list_lists(_request("GET", "lists"))
        second = await list_lists(_request("GET", "lists"))
    for response in (first, second):
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.headers["Retry-After"].isdigit()
        assert response.headers["Cache-Control"] == "no-store"
        problem = json.loads(response.get_body())
        assert problem["type"].endswith(":misconfigured") and problem["status"] == 503
        assert b"TODO_" not in response.get_body() and b"vault" not in response.get_body()
    refusals = [r.getMessage() for r in caplog.records if r.name == "todo.config"]
    assert refusals == [
        json.dumps(
            {"event": "configuration-refused", "reason": "TODO_CURSOR_KEY holds an unresolved Key Vault reference"}
        )
    ]
    assert all("vault.azure.net" not in r.getMessage() for r in caplog.records)


async def test_public_documents_are_still_served_when_data_is_refused(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    monkeypatch.setenv("WEBSITE_SITE_NAME", "func-todo-dev")
    monkeypatch.delenv("TODO_CURSOR_KEY", raising=False)
    assert (await get_app(_request("GET", "app"))).status_code == 200


def test_function_app_imports_and_registers_every_function_with_a_broken_configuration() -> None:
    script = (
        "import function_app; function_app.app.functions_bindings = None; print(len(function_app.app.get_functions()))"
    )
    env = {"PATH": "/usr/bin:/bin", "WEBSITE_SITE_NAME": "func-todo-dev", "TODO_CURSOR_KEY": REFERENCE}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 0


def test_an_unknown_web_auth_mode_is_a_fault() -> None:
    assert configuration_fault({"TODO_WEB_AUTH_MODE": "jwt"}) == (
        "TODO_WEB_AUTH_MODE must be one of none, entra, subscription"
    )
    assert configuration_fault({"TODO_WEB_AUTH_MODE": " Subscription "}) is None


def test_entra_mode_without_its_settings_is_a_fault_naming_the_missing_ones() -> None:
    entra = {"TODO_WEB_AUTH_MODE": "entra", "TODO_WEB_CLIENT_ID": "cid", "TODO_WEB_TENANT_ID": "tid"}
    assert configuration_fault(entra) == "TODO_WEB_AUTH_MODE is entra but TODO_WEB_API_SCOPE is missing"
    assert configuration_fault({"TODO_WEB_AUTH_MODE": "entra"}) == (
        "TODO_WEB_AUTH_MODE is entra but TODO_WEB_CLIENT_ID, TODO_WEB_TENANT_ID, TODO_WEB_API_SCOPE are missing"
    )
    assert configuration_fault({**entra, "TODO_WEB_API_SCOPE": "api://todo-api/Todo.ReadWrite"}) is None
