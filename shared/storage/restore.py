"""Restore the table from a backup:
python -m shared.storage.restore [--backup NAME|latest] [--owner OWNER] [--overwrite]

Why it works this way: a restore must never make things worse. It first streams the data blob
and checks its sha256 and size against the manifest, and refuses to write anything when they
differ. Then it streams the blob again and, one partition at a time, compares each backed-up row
with the table: a missing row is created, an identical one left alone, a different one reported
(count and keys) and left alone unless --overwrite is given, when it is replaced by its backed-up
version. Rows the table has and the backup lacks are never touched (a restore deletes nothing).
Writes go in entity-group transactions of up to 100 rows of one partition; creates are
conditional (Insert Entity fails on an existing row), so a row written meanwhile by the app wins
and is reported as different. Memory stays bounded: the blob is read in chunks, decompressed in
slices, and at most one group of 100 rows is held.
https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions

Connection: the app's own settings (TODO_STORAGE, or TODO_STORAGE__tableServiceUri and
TODO_STORAGE__blobServiceUri with TODO_STORAGE__clientId, TODO_TABLE_NAME, TODO_BACKUP_CONTAINER)
from the environment, each overridable by a flag. Exit status: 0 restored (or nothing to do),
2 the backup is missing or fails its checksum (nothing written), 1 any other failure.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
import zlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableTransactionError, UpdateMode
from azure.data.tables.aio import TableClient
from azure.storage.blob.aio import ContainerClient

from shared.storage.backup_format import decode_object, encode_entity, parse_line
from shared.storage.blobs import BackupNotFound, container_client, latest_manifest, read_manifest

GROUP_ROWS = 100  # an entity-group transaction's limit
GROUP_BYTES = 2 * 1024 * 1024  # well under a transaction's 4 MiB payload
SLICE_BYTES = 1024 * 1024  # the most decompressed at once from one downloaded chunk
KEYS_SHOWN = 50
KEYS_KEPT = 1000  # the keys of differing rows kept for the summary (all are counted)


class BackupCorrupt(ValueError):
    """The data blob does not match its manifest (size or sha256): nothing is restored."""


@dataclass
class RestoreReport:
    backup: str
    rows_read: int = 0
    restored: int = 0
    identical: int = 0
    different: int = 0
    overwritten: int = 0
    different_keys: list[tuple[str, str]] = field(default_factory=list)

    def note_different(self, entities: list[dict[str, Any]]) -> None:
        self.different += len(entities)
        room = KEYS_KEPT - len(self.different_keys)
        self.different_keys += [(entity["PartitionKey"], entity["RowKey"]) for entity in entities[:room]]

    def summary(self) -> dict[str, Any]:
        return {
            "backup": self.backup,
            "rowsRead": self.rows_read,
            "restored": self.restored,
            "identical": self.identical,
            "different": self.different,
            "overwritten": self.overwritten,
            "differentKeys": [list(key) for key in self.different_keys[:KEYS_SHOWN]],
        }


async def verify(container: ContainerClient, manifest: dict[str, Any]) -> None:
    """Stream the data blob and compare its size and sha256 with the manifest's."""
    digest, size = hashlib.sha256(), 0
    downloader = await container.download_blob(manifest["blob"])
    async for chunk in downloader.chunks():
        digest.update(chunk)
        size += len(chunk)
    if size != manifest["bytes"] or digest.hexdigest() != manifest["sha256"]:
        raise BackupCorrupt(
            f"{manifest['blob']} does not match its manifest: {size} bytes with sha256 {digest.hexdigest()},"
            f" the manifest says {manifest['bytes']} bytes with sha256 {manifest['sha256']}"
        )


async def backup_lines(container: ContainerClient, blob: str) -> AsyncIterator[bytes]:
    """The data blob's lines, decompressed a slice at a time (a chunk of gzip may hold far more text)."""
    gunzip = zlib.decompressobj(31)
    rest = b""
    downloader = await container.download_blob(blob)
    async for chunk in downloader.chunks():
        data = chunk
        while data:
            rest += gunzip.decompress(data, SLICE_BYTES)
            data = gunzip.unconsumed_tail
            *lines, rest = rest.split(b"\n")
            for line in lines:
                if line:
                    yield line
    rest += gunzip.flush()
    if not gunzip.eof:
        raise BackupCorrupt(f"{blob} ends before its gzip stream does")
    if rest.strip():
        yield rest


async def _current(table: TableClient, partition: str, first: str, last: str, wanted: set[str]) -> dict[str, Any]:
    """The table's rows of one partition between two row keys, keyed by RowKey (only those wanted)."""
    found: dict[str, Any] = {}
    query = "PartitionKey eq @pk and RowKey ge @first and RowKey le @last"
    rows = table.query_entities(query, parameters={"pk": partition, "first": first, "last": last})
    async for row in rows:
        if row["RowKey"] in wanted:
            found[row["RowKey"]] = encode_entity(row)
    return found


async def _create_each(table: TableClient, entities: list[dict[str, Any]], report: RestoreReport) -> None:
    """The slow path after a transaction failed because a row appeared meanwhile: one by one."""
    for entity in entities:
        try:
            await table.create_entity(entity)
            report.restored += 1
        except ResourceExistsError:
            report.note_different([entity])


async def _restore_group(table: TableClient, group: list[tuple[dict[str, Any], dict[str, Any]]], overwrite: bool,
                         report: RestoreReport) -> None:  # fmt: skip
    """One partition's run of up to 100 backed-up rows: (line object, entity to write) each."""
    partition = group[0][0]["PartitionKey"]
    row_keys = [line["RowKey"] for line, _ in group]
    current = await _current(table, partition, min(row_keys), max(row_keys), set(row_keys))
    missing, changed = [], []
    for line, entity in group:
        now = current.get(line["RowKey"])
        if now is None:
            missing.append(entity)
        elif now == line:
            report.identical += 1
        else:
            changed.append(entity)
    if missing:
        try:
            await table.submit_transaction([("create", entity) for entity in missing])
            report.restored += len(missing)
        except (TableTransactionError, ResourceExistsError):
            await _create_each(table, missing, report)
    report.note_different(changed)
    if changed and overwrite:
        await table.submit_transaction([("upsert", entity, {"mode": UpdateMode.REPLACE}) for entity in changed])
        report.overwritten += len(changed)


async def restore(
    table: TableClient,
    container: ContainerClient,
    manifest: dict[str, Any],
    *,
    owner: str | None = None,
    overwrite: bool = False,
) -> RestoreReport:
    """Verify the backup, then write back what is missing (and, with overwrite, what differs)."""
    await verify(container, manifest)
    report = RestoreReport(backup=manifest["blob"])
    group: list[tuple[dict[str, Any], dict[str, Any]]] = []
    group_bytes = 0
    async for raw in backup_lines(container, manifest["blob"]):
        line = parse_line(raw)
        if owner is not None and line["PartitionKey"] != owner:
            continue
        report.rows_read += 1
        entity = decode_object(line)
        same_partition = not group or group[0][0]["PartitionKey"] == line["PartitionKey"]
        if group and (not same_partition or len(group) == GROUP_ROWS or group_bytes + len(raw) > GROUP_BYTES):
            await _restore_group(table, group, overwrite, report)
            group, group_bytes = [], 0
        group.append((line, entity))
        group_bytes += len(raw)
    if group:
        await _restore_group(table, group, overwrite, report)
    return report


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m shared.storage.restore",
        description="Restore the Todo table from a backup blob (verified against its manifest first).",
    )
    parser.add_argument("--backup", default="latest", help="a data blob or manifest name, or latest (default)")
    parser.add_argument("--owner", help="restore only this owner's partition (default: every partition)")
    parser.add_argument("--overwrite", action="store_true", help="replace rows that differ from the backup")
    parser.add_argument("--connection-string", help="instead of TODO_STORAGE (must name table and blob endpoints)")
    parser.add_argument("--table-service-uri", help="instead of TODO_STORAGE__tableServiceUri (identity-based)")
    parser.add_argument("--blob-service-uri", help="instead of TODO_STORAGE__blobServiceUri (identity-based)")
    parser.add_argument("--client-id", help="instead of TODO_STORAGE__clientId (a user-assigned identity)")
    parser.add_argument("--table", help="instead of TODO_TABLE_NAME (default todo)")
    parser.add_argument("--container", help="instead of TODO_BACKUP_CONTAINER (default backups)")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    return parser.parse_args(argv)


FLAG_SETTINGS = {
    "connection_string": "TODO_STORAGE",
    "table_service_uri": "TODO_STORAGE__tableServiceUri",
    "blob_service_uri": "TODO_STORAGE__blobServiceUri",
    "client_id": "TODO_STORAGE__clientId",
    "table": "TODO_TABLE_NAME",
    "container": "TODO_BACKUP_CONTAINER",
}


def _print_summary(report: RestoreReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.summary()))
        return
    print(f"backup       {report.backup}")
    for label, value in (("rows read", report.rows_read), ("restored", report.restored),
                         ("identical", report.identical), ("different", report.different),
                         ("overwritten", report.overwritten)):  # fmt: skip
        print(f"{label:<12} {value}")
    for partition, row in report.different_keys[:KEYS_SHOWN]:
        print(f"  differs: PartitionKey={partition!r} RowKey={row!r}")
    if report.different > KEYS_SHOWN:
        print(f"  ... and {report.different - KEYS_SHOWN} more")


async def run(argv: Sequence[str] | None = None) -> int:
    """The command: settings from the environment and flags, the chosen backup, one restore."""
    from shared.platform.settings import read_settings
    from shared.storage.client import create_table_if_missing, new_table_client

    args = _arguments(argv)
    given = {setting: getattr(args, name) for name, setting in FLAG_SETTINGS.items() if getattr(args, name)}
    saved = {setting: os.environ.get(setting) for setting in given}
    os.environ.update(given)  # the flags win over the environment, read the way the app reads it
    try:
        settings = read_settings()
    finally:
        for setting, value in saved.items():
            if value is None:
                os.environ.pop(setting, None)
            else:
                os.environ[setting] = value
    try:
        async with container_client(settings) as container, new_table_client(settings) as table:
            await create_table_if_missing(table)  # a restore into a new account or table
            name = await latest_manifest(container, settings.table_name) if args.backup == "latest" else args.backup
            manifest = await read_manifest(container, name)
            if manifest.get("table") != settings.table_name:
                print(f"note: {name} is a backup of table {manifest.get('table')!r}, restoring into "
                      f"{settings.table_name!r}", file=sys.stderr)  # fmt: skip
            report = await restore(table, container, manifest, owner=args.owner, overwrite=args.overwrite)
    except (BackupNotFound, BackupCorrupt) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    _print_summary(report, args.json)
    return 0


def main() -> None:
    raise SystemExit(asyncio.run(run()))


if __name__ == "__main__":
    main()
