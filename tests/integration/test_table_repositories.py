"""Repositories and service against a real Azurite over a real socket."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from shared.domain.errors import NotFound
from shared.domain.ids import new_id
from shared.domain.models import ItemState, TodoItem, TodoItemWrite, TodoList, TodoListWrite
from shared.domain.ports import Stored, VersionConflict, utc_now
from shared.service.preconditions import UNCONDITIONAL
from shared.service.todos import TodoService
from shared.storage.client import get_table
from shared.storage.repositories import TableIdempotencyRepository, TableItemRepository, TableListRepository


def a_list(name: str = "home") -> TodoList:
    now = utc_now()
    return TodoList(id=new_id(), name=name, created_date=now, updated_date=now)


def an_item(list_id: str, name: str = "milk") -> TodoItem:
    now = utc_now()
    return TodoItem(id=new_id(), list_id=list_id, name=name, created_date=now, updated_date=now)


async def test_stored_list_reads_back_identically_so_its_version_is_stable(owner: str) -> None:
    lists = TableListRepository()
    todo_list = a_list().model_copy(update={"description": "d"})
    await lists.add(owner, todo_list, None)
    stored = await lists.get(owner, todo_list.id)
    assert stored is not None
    assert stored.value == todo_list and stored.value.version() == todo_list.version()


async def test_conditional_replace_with_stale_storage_etag_is_refused(owner: str) -> None:
    lists = TableListRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    first = await lists.get(owner, todo_list.id)
    assert first is not None
    await lists.replace(owner, todo_list.model_copy(update={"name": "a"}), first.etag)
    with pytest.raises(VersionConflict):
        await lists.replace(owner, todo_list.model_copy(update={"name": "b"}), first.etag)
    again = await lists.get(owner, todo_list.id)
    assert again is not None and again.value.name == "a"


async def test_item_write_fails_atomically_when_the_list_is_gone(owner: str) -> None:
    items = TableItemRepository()
    item = an_item(new_id())
    with pytest.raises(NotFound):
        await items.add(owner, item, None)
    assert await items.get(owner, item.list_id, item.id) is None


async def test_items_page_in_creation_order_and_filter_by_state(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    created = []
    for n in range(5):
        item = an_item(todo_list.id, f"i{n}")
        if n % 2:
            item = item.model_copy(update={"state": ItemState.DONE})
        await items.add(owner, item, None)
        created.append(item)
        await asyncio.sleep(0.002)
    page = await items.page(owner, todo_list.id, None, None, 3, 0)
    assert [i.id for i in page.values] == [i.id for i in created[:3]] and page.has_more
    rest = await items.page(owner, todo_list.id, None, page.values[-1].id, 3, 0)
    assert [i.id for i in rest.values] == [i.id for i in created[3:]] and not rest.has_more
    done = await items.page(owner, todo_list.id, ItemState.DONE, None, 10, 0)
    assert [i.id for i in done.values] == [created[1].id, created[3].id]


async def test_listing_sees_only_the_owners_lists_and_never_items(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
    mine = a_list("mine")
    await lists.add(owner, mine, None)
    await items.add(owner, an_item(mine.id), None)
    await lists.add(owner + "-other", a_list("theirs"), None)
    page = await lists.page(owner, None, 100, 0)
    assert [lst.name for lst in page.values] == ["mine"]


async def test_odata_injection_in_values_is_inert(owner: str) -> None:
    lists = TableListRepository()
    await lists.add(owner, a_list(), None)
    page = await lists.page("x' or PartitionKey ne 'x", None, 100, 0)
    assert page.values == []


async def test_remove_all_deletes_more_items_than_one_transaction_holds(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    table = await get_table()
    now = datetime.now(UTC)
    for start in range(0, 250, 100):
        batch = [
            (
                "create",
                {
                    "PartitionKey": owner,
                    "RowKey": f"I|{todo_list.id}|{new_id()}",
                    "Name": "x",
                    "State": "todo",
                    "CreatedDate": now,
                    "UpdatedDate": now,
                },
            )
            for _ in range(min(100, 250 - start))
        ]
        await table.submit_transaction(batch)  # type: ignore[arg-type]
    assert await items.remove_all(owner, todo_list.id) == 250
    assert (await items.page(owner, todo_list.id, None, None, 10, 0)).values == []


async def test_service_delete_list_leaves_no_rows_for_its_items(owner: str) -> None:
    service = TodoService(TableListRepository(), TableItemRepository(), TableIdempotencyRepository())
    todo_list = (await service.create_list(owner, TodoListWrite(name="x"), None)).value
    await asyncio.gather(
        *(service.create_item(owner, todo_list.id, TodoItemWrite(name=f"{n}"), None) for n in range(30))
    )
    await service.delete_list(owner, todo_list.id, UNCONDITIONAL)
    table = await get_table()
    rows = [e async for e in table.query_entities("PartitionKey eq @pk", parameters={"pk": owner})]
    assert rows == []


async def test_batch_update_is_all_or_nothing_on_a_stale_etag(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    first, second = an_item(todo_list.id, "a"), an_item(todo_list.id, "b")
    await items.add(owner, first, None)
    await items.add(owner, second, None)
    s1, s2 = await items.get(owner, todo_list.id, first.id), await items.get(owner, todo_list.id, second.id)
    assert s1 is not None and s2 is not None
    await items.replace_many(owner, todo_list.id, [Stored(s2.value.model_copy(update={"name": "b2"}), s2.etag)])
    done = ItemState.DONE
    with pytest.raises(VersionConflict):
        await items.replace_many(
            owner,
            todo_list.id,
            [
                Stored(s1.value.model_copy(update={"state": done}), s1.etag),
                Stored(s2.value.model_copy(update={"state": done}), s2.etag),
            ],
        )
    after = await items.get(owner, todo_list.id, first.id)
    assert after is not None and after.value.state is ItemState.TODO


async def test_storage_client_ignores_proxy_variables_and_reaches_storage_directly(
    owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy nobody listens on: a client that honoured it (and paid a thread hop per call to
    # look it up) would fail here. The process client is built fresh so it sees this environment.
    from shared.platform.settings import get_settings
    from shared.storage.client import _build_table_client

    await get_table()  # the table exists (created by the process client)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with _build_table_client(get_settings()) as table:
        todo_list = a_list()
        await table.create_entity({"PartitionKey": owner, "RowKey": f"L|{todo_list.id}", "Name": "n"})
        assert (await table.get_entity(owner, f"L|{todo_list.id}"))["Name"] == "n"


async def test_get_many_reads_the_wanted_items_of_one_list_only(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
    mine, other = a_list(), a_list()
    await lists.add(owner, mine, None)
    await lists.add(owner, other, None)
    stored = [an_item(mine.id, f"i{n}") for n in range(6)]
    for item in stored:
        await items.add(owner, item, None)
    foreign = an_item(other.id)
    await items.add(owner, foreign, None)
    wanted = [stored[4].id, stored[1].id, foreign.id, new_id()]
    found = await items.get_many(owner, mine.id, wanted)
    assert set(found) == {stored[1].id, stored[4].id}
    assert found[stored[4].id].value == stored[4]
    # the etag read this way guards a conditional write like one from a point read
    await items.replace_many(owner, mine.id, [found[stored[4].id]])
    with pytest.raises(VersionConflict):
        await items.replace_many(owner, mine.id, [found[stored[4].id]])


async def test_get_many_past_one_page_of_rows_reads_the_rest_one_by_one(
    owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shared.storage.repositories

    monkeypatch.setattr(shared.storage.repositories, "PAGE_LIMIT", 3)
    lists, items = TableListRepository(), TableItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    stored = [an_item(todo_list.id, f"i{n}") for n in range(8)]
    for item in stored:
        await items.add(owner, item, None)
    wanted = [stored[0].id, stored[5].id, stored[7].id]
    found = await items.get_many(owner, todo_list.id, wanted)
    assert {i: s.value for i, s in found.items()} == {i.id: i for i in (stored[0], stored[5], stored[7])}


async def test_storage_calls_add_no_info_log_lines(owner: str, caplog: pytest.LogCaptureFixture) -> None:
    # The Functions host forwards INFO logs to Application Insights: a line per storage call
    # (the SDK's request/response header dump) would be billed on every request.
    caplog.set_level(logging.INFO)
    await TableListRepository().add(owner, a_list(), None)
    assert [r for r in caplog.records if r.name.startswith("azure")] == []


async def test_item_replace_is_conditional_and_never_creates_a_row(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    item = an_item(todo_list.id)
    await items.add(owner, item, None)
    stored = await items.get(owner, todo_list.id, item.id)
    assert stored is not None
    await items.replace(owner, item.model_copy(update={"name": "first"}), stored.etag)
    with pytest.raises(VersionConflict):  # the etag read before the first write is stale now
        await items.replace(owner, item.model_copy(update={"name": "second"}), stored.etag)
    ghost = an_item(todo_list.id)
    with pytest.raises(VersionConflict):  # a replace of a missing row fails instead of creating it
        await items.replace(owner, ghost, stored.etag)
    assert await items.get(owner, todo_list.id, ghost.id) is None
    after = await items.get(owner, todo_list.id, item.id)
    assert after is not None and after.value.name == "first"


async def test_list_replace_of_a_list_deleted_since_it_was_read_is_a_conflict(owner: str) -> None:
    # The service then reads again: 404 without If-Match, 412 with it, never a write.
    lists = TableListRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    stored = await lists.get(owner, todo_list.id)
    assert stored is not None
    await lists.remove(owner, todo_list.id, stored.etag)
    with pytest.raises(VersionConflict):
        await lists.replace(owner, todo_list.model_copy(update={"name": "late"}), stored.etag)
    assert await lists.get(owner, todo_list.id) is None
