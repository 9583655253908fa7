"""The process's table client against Azurite: it creates its table on first use, creates it
again after storage lost it, and a forgotten client is rebuilt."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from shared.platform.settings import reset_settings_cache
from shared.storage import client as storage


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


def test_a_client_belongs_to_the_event_loop_that_made_it(own_table: str) -> None:
    """The Functions worker keeps one loop, but tests and tools run several in turn: a client made
    on a finished loop must not be reused on the next one."""
    import asyncio

    table = storage._ProcessTable()

    async def use() -> object:
        client = await table.get()
        await client.create_entity({"PartitionKey": "p", "RowKey": uuid.uuid4().hex})
        return client

    async def use_and_close() -> object:
        client = await use()
        await table.close()
        return client

    first = asyncio.run(use())
    second = asyncio.run(use_and_close())
    assert second is not first
    asyncio.run(first.close())  # type: ignore[attr-defined]


async def test_closing_releases_the_connections_and_a_never_used_table_closes_quietly(own_table: str) -> None:
    await storage._ProcessTable().close()
    table = storage._ProcessTable()
    client = await table.get()
    transport: Any = client._client._client._pipeline._transport
    assert transport.session is not None
    await table.close()
    assert transport.session is None and table._client is None
