"""The backup's settings: the container and schedule defaults, and where its blob client points."""

from __future__ import annotations

import pytest
from azure.identity.aio import DefaultAzureCredential

from shared.domain.errors import StorageUnavailable
from shared.platform.settings import read_settings
from shared.storage.blobs import backup_stem, container_client, manifest_name
from tests.support import connection_string

BLOB_SETTINGS = ("TODO_STORAGE", "TODO_STORAGE__blobServiceUri", "TODO_STORAGE__clientId", "TODO_BACKUP_CONTAINER")


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*BLOB_SETTINGS, "TODO_TABLE_NAME", "TODO_STORAGE__tableServiceUri"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_are_the_backups_container_and_no_blob_endpoint(clean: pytest.MonkeyPatch) -> None:
    settings = read_settings()
    assert (settings.backup_container, settings.blob_service_uri, settings.table_name) == ("backups", None, "todo")


def test_the_container_and_the_identity_based_blob_endpoint_come_from_their_settings(
    clean: pytest.MonkeyPatch,
) -> None:
    clean.setenv("TODO_BACKUP_CONTAINER", "nightly")
    clean.setenv("TODO_STORAGE__blobServiceUri", "https://data.blob.core.windows.net")
    clean.setenv("TODO_STORAGE__clientId", "11111111-2222-3333-4444-555555555555")
    client = container_client(read_settings())
    assert client.url == "https://data.blob.core.windows.net/nightly"
    assert isinstance(client.credential, DefaultAzureCredential)


def test_a_connection_string_covers_blob_too_and_wins(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("TODO_STORAGE", connection_string(10002, 10000))
    clean.setenv("TODO_STORAGE__blobServiceUri", "https://data.blob.core.windows.net")
    assert container_client(read_settings()).url == "http://127.0.0.1:10000/devstoreaccount1/backups"


def test_a_connection_string_naming_only_a_table_endpoint_is_refused_by_name(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("TODO_STORAGE", connection_string(10002))
    with pytest.raises(StorageUnavailable, match="no BlobEndpoint"):
        container_client(read_settings())


def test_no_blob_endpoint_at_all_is_refused(clean: pytest.MonkeyPatch) -> None:
    with pytest.raises(StorageUnavailable, match="TODO_STORAGE__blobServiceUri"):
        container_client(read_settings())


def test_backup_names_sort_by_time_under_the_table_and_never_repeat() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 12, 6, 2, 30, 1, tzinfo=UTC)
    first, second = backup_stem("todo", moment), backup_stem("todo", moment)
    assert first.startswith("todo/2026/12/06/20261206T023001Z-") and first != second
    assert backup_stem("todo", moment.replace(second=2)) > max(first, second)
    assert manifest_name(first + ".ndjson.gz") == first + ".manifest.json"
