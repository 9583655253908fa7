"""Storage connection settings: a connection string locally, a managed identity in Azure."""

from __future__ import annotations

import pytest
from azure.identity.aio import DefaultAzureCredential

from shared.platform.settings import get_settings, reset_settings_cache
from shared.storage.client import _build_table_client


def test_identity_based_connection_uses_default_azure_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TODO_STORAGE", raising=False)
    monkeypatch.setenv("TODO_STORAGE__tableServiceUri", "https://account.table.core.windows.net")
    reset_settings_cache()
    try:
        settings = get_settings()
        assert settings.storage_connection_string is None
        client = _build_table_client(settings)
        assert client.url.startswith("https://account.table.core.windows.net")
        assert isinstance(client.credential, DefaultAzureCredential)
    finally:
        reset_settings_cache()


def test_connection_string_wins_for_local_development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TODO_STORAGE", "UseDevelopmentStorage=true")
    reset_settings_cache()
    try:
        client = _build_table_client(get_settings())
        assert client.url.startswith("http://127.0.0.1:10002")
    finally:
        reset_settings_cache()
