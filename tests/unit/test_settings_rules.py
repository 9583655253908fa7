"""Every setting's reading rule (shared/platform/settings.py read_settings): defaults, how flags, numbers and
URLs are parsed, where the cursor key comes from, and the text of each configuration fault."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable

import pytest

from shared.platform.settings import (
    DEFAULT_OWNER,
    NUMBERS,
    WEB_AUTH_MODES,
    Settings,
    WebAuth,
    configuration_fault,
    get_settings,
    read_settings,
    reset_settings_cache,
    running_in_azure,
)

Environment = Callable[..., Settings]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Environment:
    """Read settings from exactly these variables (every TODO_ and Azure marker variable cleared)."""

    def read(**values: str) -> Settings:
        for name in list(os.environ):
            if name.upper().startswith(("TODO_", "WEBSITE_")) or name == "PUBLIC_BASE_URL":
                monkeypatch.delenv(name)
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        return read_settings()

    return read


def test_defaults_of_a_plain_local_run(env: Environment) -> None:
    settings = env()
    assert settings.storage_connection_string is None and settings.table_service_uri is None
    assert settings.managed_identity_client_id is None and settings.table_name == "todo"
    assert settings.owner_header_required is False and settings.default_owner == DEFAULT_OWNER == "local-developer"
    assert settings.public_base_url is None and settings.server_timing is False and settings.trusted_proxy is False
    assert (settings.max_body_bytes, settings.storage_timeout_seconds, settings.idempotency_ttl_seconds) == (
        65536, 10, 86400)  # fmt: skip
    assert isinstance(settings.max_body_bytes, int) and isinstance(settings.idempotency_ttl_seconds, int)
    assert settings.web_auth == WebAuth("none") and settings.trusted_caller_id is None
    assert settings.configuration_fault is None
    assert settings.cursor_key == hashlib.sha256(b"todo-api-development-cursor-key:").digest()


def test_storage_settings(env: Environment) -> None:
    by_string = env(TODO_STORAGE="UseDevelopmentStorage=true", TODO_TABLE_NAME="other")
    assert by_string.storage_connection_string == "UseDevelopmentStorage=true" and by_string.table_name == "other"
    by_identity = env(**{"TODO_STORAGE__tableServiceUri": "https://a.table.core.windows.net",
                         "TODO_STORAGE__endpoint": "https://b.table.core.windows.net",
                         "TODO_STORAGE__clientId": "cid"})  # fmt: skip
    assert by_identity.table_service_uri == "https://a.table.core.windows.net"
    assert by_identity.managed_identity_client_id == "cid" and by_identity.storage_connection_string is None
    by_endpoint = env(**{"TODO_STORAGE__endpoint": "https://b.table.core.windows.net"})
    assert by_endpoint.table_service_uri == "https://b.table.core.windows.net"


def test_cursor_key_is_the_configured_secret_or_a_development_key_bound_to_the_storage(env: Environment) -> None:
    assert env(TODO_CURSOR_KEY="s3cret").cursor_key == hashlib.sha256(b"s3cret").digest()
    assert env(TODO_STORAGE="conn").cursor_key == hashlib.sha256(b"todo-api-development-cursor-key:conn").digest()
    by_uri = env(TODO_STORAGE="conn", **{"TODO_STORAGE__tableServiceUri": "https://t"})
    assert by_uri.cursor_key == hashlib.sha256(b"todo-api-development-cursor-key:https://t").digest()


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", " yes ", "on"])
def test_flags_accept_the_usual_yes_values(env: Environment, raw: str) -> None:
    settings = env(TODO_OWNER_HEADER_REQUIRED=raw, TODO_SERVER_TIMING=raw, TODO_TRUSTED_PROXY=raw)
    assert settings.owner_header_required is True and settings.server_timing is True and settings.trusted_proxy is True


@pytest.mark.parametrize("raw", ["0", "false", "no", "off", "ja", ""])
def test_any_other_flag_value_is_no(env: Environment, raw: str) -> None:
    settings = env(TODO_OWNER_HEADER_REQUIRED=raw, TODO_SERVER_TIMING=raw, TODO_TRUSTED_PROXY=raw)
    assert settings.owner_header_required is False and settings.server_timing is False
    assert settings.trusted_proxy is False


def test_identity_and_url_settings_are_trimmed(env: Environment) -> None:
    settings = env(TODO_DEFAULT_OWNER="me", PUBLIC_BASE_URL="https://gw.example.net/todo//",
                   TODO_TRUSTED_CALLER_ID="  0000-1111 ")  # fmt: skip
    assert settings.default_owner == "me" and settings.public_base_url == "https://gw.example.net/todo"
    assert settings.trusted_caller_id == "0000-1111"
    assert env(PUBLIC_BASE_URL="/").public_base_url is None
    assert env(TODO_TRUSTED_CALLER_ID=" ").trusted_caller_id is None


def test_the_trusted_caller_turns_the_token_check_on_and_needs_its_tenant_and_audiences(env: Environment) -> None:
    assert env().caller_token is None and env().configuration_fault is None
    partial = env(TODO_TRUSTED_CALLER_ID="0000-1111")
    assert partial.caller_token is not None and partial.caller_token.caller_object_id == "0000-1111"
    assert partial.configuration_fault == (
        "TODO_TRUSTED_CALLER_ID is set but TODO_TOKEN_TENANT_ID and TODO_TOKEN_AUDIENCES are missing"
    )
    full = env(TODO_TRUSTED_CALLER_ID="0000-1111", TODO_TOKEN_TENANT_ID="t", TODO_TOKEN_AUDIENCES="a,api://a",
               TODO_TRUSTED_CALLER_CLIENT_ID="c")  # fmt: skip
    assert full.configuration_fault is None and full.caller_token is not None
    assert full.caller_token.audiences == ("a", "api://a") and full.caller_token.caller_client_ids == ("c",)


def test_numbers_are_read_and_a_bad_one_falls_back_to_its_default_and_is_a_fault(env: Environment) -> None:
    good = env(TODO_MAX_BODY_BYTES="1024", TODO_STORAGE_TIMEOUT_SECONDS=" 2.5 ", TODO_IDEMPOTENCY_TTL_SECONDS="60")
    assert (good.max_body_bytes, good.storage_timeout_seconds, good.idempotency_ttl_seconds) == (1024, 2.5, 60)
    fields = {"TODO_MAX_BODY_BYTES": "max_body_bytes", "TODO_STORAGE_TIMEOUT_SECONDS": "storage_timeout_seconds",
              "TODO_IDEMPOTENCY_TTL_SECONDS": "idempotency_ttl_seconds"}  # fmt: skip
    for name, (_, default) in NUMBERS.items():
        for raw in ("0", "-5", "abc", "inf", "nan", "1e999"):
            settings = env(**{name: raw})
            assert settings.configuration_fault == f"{name} is not a positive number", (name, raw)
            if name in fields:
                assert getattr(settings, fields[name]) == default
    assert env(TODO_MAX_BODY_BYTES="1.5").configuration_fault == "TODO_MAX_BODY_BYTES is not a positive number"
    assert env(TODO_STORAGE_TIMEOUT_SECONDS="0.001").storage_timeout_seconds == 0.001


def test_web_auth_modes(env: Environment) -> None:
    assert WEB_AUTH_MODES == ("none", "entra", "subscription")
    entra = env(TODO_WEB_AUTH_MODE=" Entra ", TODO_WEB_CLIENT_ID=" c ", TODO_WEB_TENANT_ID="t", TODO_WEB_API_SCOPE="s")
    assert entra.web_auth == WebAuth("entra", "c", "t", "s") and entra.configuration_fault is None
    assert env(TODO_WEB_AUTH_MODE="subscription").web_auth == WebAuth("subscription")
    unknown = env(TODO_WEB_AUTH_MODE="saml", TODO_WEB_CLIENT_ID="c")
    assert unknown.web_auth == WebAuth("none")
    assert unknown.configuration_fault == "TODO_WEB_AUTH_MODE must be one of none, entra, subscription"


def test_entra_mode_names_each_missing_setting(env: Environment) -> None:
    one = env(TODO_WEB_AUTH_MODE="entra", TODO_WEB_CLIENT_ID="c", TODO_WEB_TENANT_ID="t", TODO_WEB_API_SCOPE=" ")
    assert one.configuration_fault == "TODO_WEB_AUTH_MODE is entra but TODO_WEB_API_SCOPE is missing"
    two = env(TODO_WEB_AUTH_MODE="entra", TODO_WEB_TENANT_ID="t")
    assert two.configuration_fault == (
        "TODO_WEB_AUTH_MODE is entra but TODO_WEB_CLIENT_ID, TODO_WEB_API_SCOPE are missing")  # fmt: skip


def test_azure_is_recognised_by_either_marker_with_a_value() -> None:
    assert running_in_azure({"WEBSITE_SITE_NAME": "app"}) and running_in_azure({"WEBSITE_INSTANCE_ID": "i"})
    assert not running_in_azure({"WEBSITE_SITE_NAME": ""}) and not running_in_azure({})


def test_faults_in_order_of_importance() -> None:
    reference = "@microsoft.keyvault(SecretUri=https://kv/secrets/x)"
    assert configuration_fault({"todo_cursor_key": "  " + reference.upper()}) == (
        "todo_cursor_key holds an unresolved Key Vault reference")  # fmt: skip
    assert configuration_fault({"OTHER_SETTING": reference}) is None
    assert configuration_fault({"TODO_A": reference, "TODO_B": reference}) == (
        "TODO_A holds an unresolved Key Vault reference")  # fmt: skip
    in_azure = {"WEBSITE_SITE_NAME": "app"}
    assert configuration_fault(in_azure) == "TODO_CURSOR_KEY is missing"
    assert configuration_fault({**in_azure, "TODO_CURSOR_KEY": " "}) == "TODO_CURSOR_KEY is missing"
    assert configuration_fault({**in_azure, "TODO_CURSOR_KEY": "k"}) is None
    assert configuration_fault({**in_azure, "TODO_MAX_BODY_BYTES": "x"}) == "TODO_CURSOR_KEY is missing"


def test_a_fault_is_logged_once_by_name_and_a_sound_configuration_is_not(
    env: Environment, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="todo.config"):
        env(TODO_MAX_BODY_BYTES="lots")
        env()
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "todo.config"]
    assert lines == [{"event": "configuration-refused", "reason": "TODO_MAX_BODY_BYTES is not a positive number"}]
    assert [r.levelno for r in caplog.records if r.name == "todo.config"] == [logging.ERROR]


def test_settings_are_read_once_until_the_cache_is_reset(env: Environment) -> None:
    env(TODO_TABLE_NAME="first")
    reset_settings_cache()
    try:
        first = get_settings()
        assert first.table_name == "first" and get_settings() is first
        env(TODO_TABLE_NAME="second")
        assert get_settings() is first
        reset_settings_cache()
        assert get_settings().table_name == "second"
    finally:
        reset_settings_cache()


def test_only_trailing_slashes_are_trimmed_from_the_public_base_url(env: Environment) -> None:
    assert env(PUBLIC_BASE_URL="https://gw.example.net/TODOX/").public_base_url == "https://gw.example.net/TODOX"
