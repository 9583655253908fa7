"""The process's table client against Azurite: it creates its table on first use, creates it
again after storage lost it, and a forgotten client is rebuilt."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from shared import storage
from shared.config import reset_settings_cache


@pytest.fixture
def own_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = "t" + uuid.uuid4().hex[:20]
    monkeypatch.setenv("TODO_TABLE_NAME", name)
    reset_settings_cache()
    yield name
    monkeypatch.undo()
    reset_settings_cache()


async def test_a_new_process_client_creates_its_table_before_the_first_call(own_table: str) -> None:
    table = storage._ProcessTable()
    client = await table.get()
    assert client.table_name == own_table
    await client.create_entity({"PartitionKey": "p", "RowKey": "r"})
    assert await table.get() is client  # one client per process and loop
    await table.close()


async def test_a_table_storage_lost_is_created_again_after_it_was_marked_missing(own_table: str) -> None:
    table = storage._ProcessTable()
    client = await table.get()
    await client.delete_table()
    table.mark_missing()
    again = await table.get()
    await again.create_entity({"PartitionKey": "p", "RowKey": "r"})
    await table.close()


async def test_a_forgotten_client_is_built_again(own_table: str) -> None:
    table = storage._ProcessTable()
    first = await table.get()
    table.forget()
    second = await table.get()
    await first.close()
    assert second is not first
    await second.create_entity({"PartitionKey": "p", "RowKey": "r2"})
    await table.close()
    assert table._client is None and table._loop is None
