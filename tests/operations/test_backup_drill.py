"""The restore drill on a real Azurite (tables and blobs): data made through the API, a backup
run through the local host's admin API, rows deleted and changed, restores without and with
--overwrite and for one owner, then every entity compared with the original (keys and all
properties; not Timestamp or ETag). A tampered data blob and an empty table too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from azure.data.tables import TableClient
from azure.storage.blob import ContainerClient

from shared.platform.settings import reset_settings_cache
from shared.storage.backup_format import encode_entity
from shared.storage.restore import run as restore_command
from tests.support import ROOT, ApiClient, Azurite, LocalHost, host_env

Rows = dict[tuple[str, str], dict[str, Any]]


@pytest.fixture
async def container(table_name: str) -> AsyncIterator[str]:
    """A backup container of the test's own (the table fixture already points the process at Azurite)."""
    name = f"bk{uuid.uuid4().hex[:12]}"
    patcher = pytest.MonkeyPatch()
    patcher.setenv("TODO_BACKUP_CONTAINER", name)
    reset_settings_cache()
    yield name
    patcher.undo()
    reset_settings_cache()


@pytest.fixture
def host(azurite: Azurite, table_name: str, container: str) -> Iterator[LocalHost]:
    started = LocalHost(host_env(azurite, TODO_TABLE_NAME=table_name, TODO_BACKUP_CONTAINER=container)).start()
    yield started
    started.stop()


def rows(azurite: Azurite, table: str) -> Rows:
    """Every entity of the table as its backup line would hold it (no Timestamp, no ETag)."""
    with TableClient.from_connection_string(azurite.connection_string, table) as client:
        return {(row["PartitionKey"], row["RowKey"]): encode_entity(row) for row in client.list_entities()}


def blobs(azurite: Azurite, container: str) -> list[str]:
    with ContainerClient.from_connection_string(azurite.connection_string, container) as client:
        return sorted(client.list_blob_names()) if client.exists() else []


def run_backup_through_the_host(host: LocalHost) -> None:
    answer = ApiClient(f"http://127.0.0.1:{host.port}", owner="").post("/admin/functions/backup", {"input": ""})
    assert answer.status == 202


def make_data(host: LocalHost, owners: int = 3) -> list[ApiClient]:
    """Per owner: two lists of three items, one item done, one list created with an Idempotency-Key."""
    clients = [ApiClient(host.base_url) for _ in range(owners)]
    for client in clients:
        keyed = client.post("/lists", {"name": "keyed"}, headers={"Idempotency-Key": uuid.uuid4().hex})
        assert keyed.status == 201
        for todo_list in (keyed.json(), client.new_list("plain", description="two")):
            for n in range(3):
                item = client.new_item(todo_list["id"], f"item {n}", dueDate="2027-01-02T03:04:05Z")
            done = client.patch(f"/lists/{todo_list['id']}/items/{item['id']}", {"state": "done"},
                                content_type="application/merge-patch+json")  # fmt: skip
            assert done.status == 200
    return clients


async def restore(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    """The restore command in this process (its settings: the fixtures' environment); a refusal's
    message (stderr) is under "refused"."""
    status = await restore_command(["--json", *args])
    out, err = capsys.readouterr()
    return status, (json.loads(out) if out.strip() else {"refused": err})


def changed_keys(azurite: Azurite, table: str, original: Rows) -> set[tuple[str, str]]:
    now = rows(azurite, table)
    return {key for key, row in original.items() if now.get(key) != row}


async def test_the_drill_restores_deleted_rows_reports_changed_ones_and_overwrites_only_when_asked(
    azurite: Azurite, table_name: str, container: str, host: LocalHost, capsys: pytest.CaptureFixture[str]
) -> None:
    clients = make_data(host)
    run_backup_through_the_host(host)
    original = rows(azurite, table_name)
    kinds = {key[1][0] for key in original}
    assert kinds == {"L", "I", "K"} and len({key[0] for key in original}) == 3  # lists, items, idempotency records
    first, second, _ = clients

    # Damage: a list row, two items and an idempotency record go; three items change through the API.
    record = next(key for key in original if key[0] == second.owner and key[1].startswith("K|"))
    gone = [*[key for key in original if key[0] == first.owner][:3], record]
    with TableClient.from_connection_string(azurite.connection_string, table_name) as table:
        for partition, row in gone:
            table.delete_entity(partition, row)
    edited: list[tuple[str, str]] = []
    for client in (first, second, second):
        items = [key for key in original if key[0] == client.owner and key[1].startswith("I|") and key not in gone]
        _, list_id, item_id = items[len(edited)][1].split("|")
        answer = client.patch(f"/lists/{list_id}/items/{item_id}", {"name": "changed"},
                              content_type="application/merge-patch+json")  # fmt: skip
        assert answer.status == 200
        edited.append((client.owner, f"I|{list_id}|{item_id}"))
    assert changed_keys(azurite, table_name, original) == set(gone) | set(edited)

    status, summary = await restore(capsys=capsys)  # latest, every owner, no overwrite

    assert status == 0
    assert (summary["rowsRead"], summary["restored"], summary["different"], summary["overwritten"]) == (
        len(original), len(gone), len(edited), 0)  # fmt: skip
    assert summary["identical"] == len(original) - len(gone) - len(edited)
    assert {tuple(key) for key in summary["differentKeys"]} == set(edited)
    assert changed_keys(azurite, table_name, original) == set(edited)  # restored exactly, edits untouched

    status, summary = await restore("--owner", first.owner, "--overwrite", capsys=capsys)

    assert status == 0 and summary["overwritten"] == 1 and summary["restored"] == 0
    assert summary["rowsRead"] == sum(1 for key in original if key[0] == first.owner)
    assert changed_keys(azurite, table_name, original) == {key for key in edited if key[0] == second.owner}

    command = subprocess.run(  # noqa: ASYNC221 - the command as an operator runs it, nothing else waits
        [sys.executable, "-m", "shared.storage.restore", "--backup", blobs(azurite, container)[0], "--overwrite",
         "--table", table_name, "--container", container, "--connection-string", azurite.connection_string],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip

    assert command.returncode == 0, command.stderr
    assert "overwritten  2" in command.stdout and "restored     0" in command.stdout
    assert rows(azurite, table_name) == original  # every entity, every property, as backed up


async def test_a_tampered_data_blob_fails_its_checksum_and_nothing_is_restored(
    azurite: Azurite, table_name: str, container: str, host: LocalHost, capsys: pytest.CaptureFixture[str]
) -> None:
    make_data(host, owners=1)
    run_backup_through_the_host(host)
    original = rows(azurite, table_name)
    data_blob = next(name for name in blobs(azurite, container) if name.endswith(".ndjson.gz"))
    with ContainerClient.from_connection_string(azurite.connection_string, container) as client:
        body = bytearray(client.download_blob(data_blob).readall())
        body[len(body) // 2] ^= 0xFF  # one flipped byte, same size
        client.upload_blob(data_blob, bytes(body), overwrite=True)  # Azure's immutability would forbid this
    with TableClient.from_connection_string(azurite.connection_string, table_name) as table:
        for partition, row in original:
            table.delete_entity(partition, row)

    status, summary = await restore("--overwrite", capsys=capsys)

    assert status == 2 and list(summary) == ["refused"]
    assert "does not match its manifest" in summary["refused"] and data_blob in summary["refused"]
    assert rows(azurite, table_name) == {}


async def test_an_empty_table_backs_up_to_an_empty_blob_and_restores_nothing(
    azurite: Azurite, table_name: str, container: str, host: LocalHost, capsys: pytest.CaptureFixture[str]
) -> None:
    run_backup_through_the_host(host)
    names = blobs(azurite, container)
    assert len(names) == 2 and names[0].startswith(f"{table_name}/")
    with ContainerClient.from_connection_string(azurite.connection_string, container) as client:
        manifest = json.loads(client.download_blob(names[0]).readall())
    assert manifest["table"] == table_name and manifest["blob"] == names[1]
    assert (manifest["rows"], manifest["partitions"]) == (0, {})

    status, summary = await restore(capsys=capsys)

    assert status == 0 and summary["rowsRead"] == 0 and summary["restored"] == 0


async def test_the_documented_drill_restores_a_named_backup_into_a_new_table_whole(
    azurite: Azurite, table_name: str, container: str, host: LocalHost, capsys: pytest.CaptureFixture[str]
) -> None:
    make_data(host, owners=2)
    run_backup_through_the_host(host)
    original = rows(azurite, table_name)
    manifest = next(name for name in blobs(azurite, container) if name.endswith(".manifest.json"))
    drill = f"drill{uuid.uuid4().hex[:8]}"

    status = await restore_command(["--json", "--backup", manifest, "--table", drill])
    out, err = capsys.readouterr()

    assert status == 0 and f"is a backup of table {table_name!r}, restoring into {drill!r}" in err
    assert os.environ["TODO_TABLE_NAME"] == table_name  # a flag changes the command's settings, not the process's
    summary = json.loads(out)
    assert summary["rowsRead"] == summary["restored"] == len(original) and summary["different"] == 0
    assert rows(azurite, drill) == original
    status, again = await restore("--backup", manifest, "--table", drill, capsys=capsys)
    assert status == 0 and again["identical"] == len(original) and again["restored"] == 0
