"""The backup container's client, the backup blob names, and reading a manifest.

Why apart from client.py: the blob SDK is imported only by the backup and the restore command
(never on the HTTP functions' cold start), and only this module imports it. It makes the same
choices as the table client: the connection string when one is set (Azurite, local runs; it
must name a blob endpoint), else the app's managed identity on TODO_STORAGE__blobServiceUri;
short connect timeouts, no proxy or .netrc lookups, a few quick retries. The blob SDK builds its
own pipeline (its response hooks and location handling are part of how it reads answers), so
it is given options, not a list of policies.
https://learn.microsoft.com/azure/storage/blobs/storage-blob-python-get-started
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from azure.storage.blob.aio import ContainerClient

from shared.domain.errors import StorageUnavailable
from shared.platform.settings import Settings
from shared.storage.client import CLIENT_OPTIONS, identity_credential

DATA_SUFFIX = ".ndjson.gz"
MANIFEST_SUFFIX = ".manifest.json"
BACKUP_FORMAT = "todo-table-backup/1"
# Retries: a block upload is idempotent (the same id and bytes), so a few quick retries absorb a
# blip; the SDK's default first backoff (15 s) would stretch a daily run for nothing.
BLOB_OPTIONS: dict[str, Any] = {
    "retry_total": 3,
    "initial_backoff": 1,
    "increment_base": 2,
    "connection_timeout": CLIENT_OPTIONS["connection_timeout"],
    "read_timeout": 30,  # a block of a few MiB on a slow link
    "use_env_settings": False,
}


class BackupNotFound(LookupError):
    """No backup of that name (or none at all) in the container."""


def container_client(settings: Settings) -> ContainerClient:
    """The backup container of the data storage account (TODO_BACKUP_CONTAINER)."""
    connection = settings.storage_connection_string
    if connection:
        parts = dict(part.split("=", 1) for part in connection.split(";") if "=" in part)
        if "TableEndpoint" in parts and "BlobEndpoint" not in parts:
            raise StorageUnavailable("TODO_STORAGE names a TableEndpoint but no BlobEndpoint (the backup needs both)")
        # Its own client (not a service client's child, whose transport the child never closes).
        return ContainerClient.from_connection_string(connection, settings.backup_container, **BLOB_OPTIONS)
    if settings.blob_service_uri:
        credential = identity_credential(settings)
        return ContainerClient(
            settings.blob_service_uri, settings.backup_container, credential=credential, **BLOB_OPTIONS
        )
    raise StorageUnavailable("no blob endpoint for the backup: set TODO_STORAGE or TODO_STORAGE__blobServiceUri")


def backup_stem(table: str, started: datetime) -> str:
    """`{table}/{yyyy}/{mm}/{dd}/{yyyymmdd}T{hhmmss}Z-{random}`: sorted by time within a table, and
    two runs in the same second still get different names (the container accepts no overwrite)."""
    return f"{table}/{started:%Y/%m/%d}/{started:%Y%m%dT%H%M%S}Z-{secrets.token_hex(4)}"


def manifest_name(data_blob: str) -> str:
    return data_blob.removesuffix(DATA_SUFFIX) + MANIFEST_SUFFIX


async def latest_manifest(container: ContainerClient, table: str) -> str:
    """The newest manifest of the table's backups (names sort by time). A data blob whose
    manifest is missing (a run that failed after committing it) is never chosen."""
    newest = ""
    async for name in container.list_blob_names(name_starts_with=f"{table}/"):
        if name.endswith(MANIFEST_SUFFIX) and name > newest:
            newest = name
    if not newest:
        raise BackupNotFound(f"no backup of table {table!r} in container {container.container_name!r}")
    return newest


async def read_manifest(container: ContainerClient, name: str) -> dict[str, Any]:
    """The manifest named (or the manifest of the data blob named)."""
    from azure.core.exceptions import ResourceNotFoundError

    if name.endswith(DATA_SUFFIX):
        name = manifest_name(name)
    try:
        downloader = await container.download_blob(name)
        manifest: dict[str, Any] = json.loads(await downloader.readall())
    except ResourceNotFoundError as exc:
        raise BackupNotFound(f"no manifest {name!r} in container {container.container_name!r}") from exc
    if manifest.get("format") != BACKUP_FORMAT:
        raise BackupNotFound(f"{name!r} is not a backup manifest of format {BACKUP_FORMAT}")
    return manifest
