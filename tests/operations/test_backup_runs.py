"""Backup runs on a real Azurite: the timer's log line, its schedule on the local host, blocks and
pages of a larger table, every EDM type back from a restore, create-only blobs, and failures
(storage unreachable, a run broken midway) that fail loudly and leave no committed blob."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError
from azure.data.tables import EdmType, EntityProperty, TableClient
from azure.functions.timer import TimerRequest
from azure.storage.blob import ContainerClient

from functions.backup import backup as backup_function
from shared.platform.settings import get_settings, reset_settings_cache
from shared.storage.backup import BlockStream, ensure_container, write_backup
from shared.storage.blobs import BLOB_OPTIONS, container_client
from shared.storage.client import close_table_client, get_table
from shared.storage.restore import restore
from tests.operations.test_backup_drill import blobs, rows
from tests.support import Azurite, LocalHost, connection_string, free_port, host_env


@pytest.fixture
async def container(table_name: str) -> AsyncIterator[str]:
    name = f"bk{uuid.uuid4().hex[:12]}"
    patcher = pytest.MonkeyPatch()
    patcher.setenv("TODO_BACKUP_CONTAINER", name)
    reset_settings_cache()
    yield name
    patcher.undo()
    reset_settings_cache()


def new_table(azurite: Azurite, table: str) -> TableClient:
    client = TableClient.from_connection_string(azurite.connection_string, table)
    with contextlib.suppress(ResourceExistsError):
        client.create_table()
    return client


def row(partition: str, n: int) -> dict[str, Any]:
    big = EntityProperty(2**40 + n, EdmType.INT64)
    return {"PartitionKey": partition, "RowKey": f"I|{n:06d}", "Name": f"row {n}", "N": n, "Big": big,
            "Noise": uuid.uuid4().hex}  # fmt: skip


def load(azurite: Azurite, table: str, partitions: int, per_partition: int) -> None:
    """Rows of several typed properties, written in transactions of 100."""
    with new_table(azurite, table) as client:
        for p in range(partitions):
            for start in range(0, per_partition, 100):
                numbers = range(start, min(per_partition, start + 100))
                client.submit_transaction([("create", row(f"owner-{p}", n)) for n in numbers])


async def test_a_run_logs_one_json_line_with_what_it_wrote(
    azurite: Azurite, table_name: str, container: str, caplog: pytest.LogCaptureFixture
) -> None:
    load(azurite, table_name, partitions=2, per_partition=3)
    with caplog.at_level(logging.INFO, logger="todo.backup"):
        await backup_function(TimerRequest(past_due=True))
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "todo.backup"]
    assert len(lines) == 1
    line = lines[0]
    assert line["event"] == "backup" and line["table"] == table_name and line["pastDue"] is True
    assert (line["rows"], line["partitions"]) == (6, 2) and line["durationMs"] > 0
    assert sorted(blobs(azurite, container)) == sorted([line["blob"], line["manifest"]])
    with ContainerClient.from_connection_string(azurite.connection_string, container) as client:
        manifest = json.loads(client.download_blob(line["manifest"]).readall())
        data_type = client.get_blob_client(line["blob"]).get_blob_properties().content_settings.content_type
    assert manifest["partitions"] == {"owner-0": 3, "owner-1": 3}
    assert (manifest["bytes"], manifest["sha256"]) == (line["bytes"], line["sha256"])
    # The manifest says, in its own names, what the restore and an operator need to read the blob.
    assert sorted(manifest) == ["blob", "blocks", "bytes", "compression", "finishedAt", "format", "lineFormat",
                                "partitions", "rows", "sha256", "startedAt", "table"]  # fmt: skip
    assert (manifest["format"], manifest["table"]) == ("todo-table-backup/1", table_name)
    assert manifest["blob"] == line["blob"]
    assert (manifest["rows"], manifest["blocks"], manifest["compression"]) == (6, 1, "gzip")
    assert manifest["lineFormat"] == "Table service JSON, every non-string property annotated with @odata.type"
    started, finished = (datetime.fromisoformat(manifest[key]) for key in ("startedAt", "finishedAt"))
    assert started.tzinfo is not None and started <= finished
    assert data_type == "application/gzip"


async def test_an_enabled_backup_timer_runs_on_the_schedule_its_app_setting_names(
    azurite: Azurite, table_name: str, container: str
) -> None:
    env = host_env(azurite, TODO_TABLE_NAME=table_name, TODO_BACKUP_CONTAINER=container,
                   TODO_BACKUP_SCHEDULE="*/2 * * * * *")  # fmt: skip
    env["AzureWebJobs.backup.Disabled"] = "false"
    host = LocalHost(env).start()
    try:
        deadline = time.monotonic() + 15
        while not any(name.endswith(".manifest.json") for name in blobs(azurite, container)):
            assert time.monotonic() < deadline, "no backup within 15 s of a schedule every 2 s"
            await asyncio.sleep(0.5)
    finally:
        host.stop()


async def test_pages_and_blocks_of_a_larger_table_restore_exactly(azurite: Azurite, table_name: str) -> None:
    """2,400 rows: three pages of 1,000 per query, dozens of small blocks, groups of 100 per partition."""
    load(azurite, table_name, partitions=3, per_partition=800)
    table = await get_table()
    async with container_client(get_settings()) as container:
        await ensure_container(container)
        report = await write_backup(table, container, get_settings(), block_bytes=1024)
        assert report.rows == 2400 and report.blocks == math.ceil(report.bytes / 1024) > 20
        assert report.partitions == {"owner-0": 800, "owner-1": 800, "owner-2": 800}
        original = rows(azurite, table_name)
        with TableClient.from_connection_string(azurite.connection_string, table_name) as sync_table:
            for key in list(original)[::7]:
                sync_table.delete_entity(*key)
        manifest = report.manifest_document()

        result = await restore(table, container, manifest)

    assert (result.rows_read, result.restored, result.different) == (2400, len(list(original)[::7]), 0)
    assert rows(azurite, table_name) == original


async def test_every_edm_type_comes_back_from_a_restore_exactly(azurite: Azurite, table_name: str) -> None:
    typed = {
        "PartitionKey": "owner", "RowKey": "typed", "S": "Grüße", "B": False, "I": -7,
        "L": EntityProperty(-(2**63), EdmType.INT64), "D": 2.5e-300, "NaN": math.nan, "Inf": -math.inf,
        "T": EntityProperty("2026-12-06T01:02:03.4567891Z", EdmType.DATETIME), "G": uuid.uuid4(),
        "Bin": bytes(range(256)), "When": datetime(1601, 1, 1, tzinfo=UTC),
    }  # fmt: skip
    with new_table(azurite, table_name) as sync_table:
        sync_table.create_entity(typed)
    before = rows(azurite, table_name)
    table = await get_table()
    async with container_client(get_settings()) as container:
        await ensure_container(container)
        report = await write_backup(table, container, get_settings())
        with TableClient.from_connection_string(azurite.connection_string, table_name) as sync_table:
            sync_table.delete_entity("owner", "typed")
        result = await restore(table, container, report.manifest_document())
    after = rows(azurite, table_name)
    assert result.restored == 1 and after == before
    line: dict[str, Any] = after[("owner", "typed")]
    assert line["T"] == "2026-12-06T01:02:03.4567891Z" and line["L"] == str(-(2**63)) and line["NaN"] == "NaN"


async def test_a_backup_blob_is_created_once_and_never_overwritten(table_name: str) -> None:
    name = f"once-{uuid.uuid4().hex}.ndjson.gz"  # unique: an Azurite may outlive one pytest session (make mutation)
    async with container_client(get_settings()) as container:
        await ensure_container(container)
        for attempt in range(2):
            stream = BlockStream(container.get_blob_client(name))
            await stream.write(b"line\n")
            if attempt == 0:
                await stream.commit()
            else:
                with pytest.raises(ResourceExistsError):
                    await stream.commit()
        downloader = await container.download_blob(name)
        assert downloader.size == stream.size


class BrokenTable:
    """A table whose read fails after two pages: a storage fault midway through a run."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def list_entities(self, **kwargs: Any) -> Any:
        pages = self.real.list_entities(**kwargs).by_page()

        class Pages:
            def by_page(self) -> AsyncIterator[Any]:
                return self.pages()

            async def pages(self) -> AsyncIterator[Any]:
                served = 0
                async for page in pages:
                    yield page
                    served += 1
                    if served == 2:
                        raise ConnectionResetError("storage went away")

        return Pages()


STEM = "broken/run"


async def test_a_run_broken_midway_fails_and_leaves_only_uncommitted_blocks(
    azurite: Azurite, table_name: str, container: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shared.storage.backup.backup_stem", lambda table, started: STEM)
    staged: list[str] = []
    real_stage = BlockStream._stage

    async def counted(stream: BlockStream, chunk: bytes) -> None:
        await real_stage(stream, chunk)
        staged.append(stream.blob.blob_name)

    monkeypatch.setattr(BlockStream, "_stage", counted)
    load(azurite, table_name, partitions=2, per_partition=1500)
    async with container_client(get_settings()) as client:
        await ensure_container(client)
        with pytest.raises(ConnectionResetError):
            await write_backup(BrokenTable(await get_table()), client, get_settings(), block_bytes=1024)  # type: ignore[arg-type]
        assert [name async for name in client.list_blob_names()] == []  # nothing committed, no manifest
    assert staged and all(name == f"{STEM}.ndjson.gz" for name in staged)  # blocks went up before the fault


async def test_unreachable_blob_storage_fails_the_run(
    azurite: Azurite, table_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await close_table_client()
    monkeypatch.setenv("TODO_STORAGE", connection_string(azurite.port, free_port()))  # nothing listens for blobs
    monkeypatch.setitem(BLOB_OPTIONS, "retry_total", 0)  # the same failure, without the retries' pauses
    reset_settings_cache()
    try:
        with pytest.raises(Exception, match=r"(?i)connect|refused"):
            await backup_function(TimerRequest())
    finally:
        await close_table_client()
        reset_settings_cache()


async def test_a_refused_configuration_fails_the_run_before_any_storage_call(
    azurite: Azurite, table_name: str, container: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TODO_MAX_BODY_BYTES", "lots")
    reset_settings_cache()
    try:
        with pytest.raises(RuntimeError, match="backup refused: TODO_MAX_BODY_BYTES"):
            await backup_function(TimerRequest())
    finally:
        reset_settings_cache()
    assert blobs(azurite, container) == []
