"""Repository rules the round-trip tests leave open, against a real Azurite: single item deletes,
idempotency records as stored, which transaction failure means what, and list paging."""

from __future__ import annotations

from datetime import timedelta

import pytest
from azure.data.tables import TableTransactionError

from shared.errors import NotFound
from shared.ids import new_id
from shared.models import ItemState, TodoItem, TodoList
from shared.repositories import (
    IdempotencyRecord,
    IdempotencyRecordExists,
    IdempotencyRepository,
    ItemRepository,
    ListRepository,
    Stored,
    VersionConflict,
)
from shared.service import utc_now
from shared.storage import get_table


def a_list(name: str = "home") -> TodoList:
    now = utc_now()
    return TodoList(id=new_id(), name=name, created_date=now, updated_date=now)


def an_item(list_id: str, name: str = "milk") -> TodoItem:
    now = utc_now()
    return TodoItem(id=new_id(), list_id=list_id, name=name, created_date=now, updated_date=now)


def a_record(key: str = "key-1") -> IdempotencyRecord:
    return IdempotencyRecord(key=key, fingerprint="f" * 64, resource_json='{"id": "x"}', created=utc_now())


async def _stored_item(owner: str, item: TodoItem) -> Stored[TodoItem]:
    stored = await ItemRepository().get(owner, item.list_id, item.id)
    assert stored is not None
    return stored


async def test_item_delete_removes_that_row_only_while_unchanged(owner: str) -> None:
    lists, items = ListRepository(), ItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    keep, gone = an_item(todo_list.id, "keep"), an_item(todo_list.id, "gone")
    for item in (keep, gone):
        await items.add(owner, item, None)
    read = await _stored_item(owner, gone)
    await items.replace(owner, gone.model_copy(update={"name": "changed"}), read.etag)
    with pytest.raises(VersionConflict):
        await items.remove(owner, todo_list.id, gone.id, read.etag)
    current = await _stored_item(owner, gone)
    await items.remove(owner, todo_list.id, gone.id, current.etag)
    assert await items.get(owner, todo_list.id, gone.id) is None
    assert (await _stored_item(owner, keep)).value == keep


async def test_idempotency_record_reads_back_as_written_and_is_removed_by_key(owner: str) -> None:
    lists, records = ListRepository(), IdempotencyRepository()
    record = a_record("Key-Å")
    await lists.add(owner, a_list(), record)
    stored = await records.get(owner, "Key-Å")
    assert stored == record
    assert await records.get(owner, "key-å") is None  # keys are exact
    assert await records.get("someone-else", "Key-Å") is None
    await records.remove(owner, "Key-Å")
    assert await records.get(owner, "Key-Å") is None


async def test_reused_idempotency_key_is_reported_as_such_and_writes_nothing(owner: str) -> None:
    lists, items = ListRepository(), ItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, a_record("k"))
    second = a_list("second")
    with pytest.raises(IdempotencyRecordExists):
        await lists.add(owner, second, a_record("k"))
    assert await lists.get(owner, second.id) is None
    item = an_item(todo_list.id)
    with pytest.raises(IdempotencyRecordExists):
        await items.add(owner, item, a_record("k"))
    assert await items.get(owner, todo_list.id, item.id) is None


async def test_a_conflict_on_the_resource_itself_is_not_a_reused_key(owner: str) -> None:
    lists = ListRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    with pytest.raises(TableTransactionError) as raised:
        await lists.add(owner, todo_list, a_record("fresh-key"))  # the list row exists: index 0 conflicts
    assert raised.value.status_code == 409 and raised.value.index == 0
    assert await IdempotencyRepository().get(owner, "fresh-key") is None


async def test_item_added_to_a_missing_list_says_the_list_does_not_exist(owner: str) -> None:
    with pytest.raises(NotFound) as raised:
        await ItemRepository().add(owner, an_item(new_id()), a_record())
    assert str(raised.value) == "the list does not exist"


async def test_batch_of_items_deleted_since_they_were_read_is_a_conflict_not_a_missing_list(owner: str) -> None:
    lists, items = ListRepository(), ItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    item = an_item(todo_list.id)
    await items.add(owner, item, None)
    read = await _stored_item(owner, item)
    await items.remove(owner, todo_list.id, item.id, read.etag)
    with pytest.raises(VersionConflict):
        await items.replace_many(owner, todo_list.id, [Stored(item.model_copy(update={"state": ItemState.DONE}),
                                                             read.etag)])  # fmt: skip
    assert await items.get(owner, todo_list.id, item.id) is None


async def test_lists_page_after_a_cursor_and_say_whether_more_follow(owner: str) -> None:
    lists = ListRepository()
    created = []
    for n in range(5):
        todo_list = a_list(f"l{n}")
        created.append(todo_list)
        await lists.add(owner, todo_list, None)
    ids = sorted(t.id for t in created)
    first = await lists.page(owner, None, 2, 0)
    assert [t.id for t in first.values] == ids[:2] and first.has_more is True
    rest = await lists.page(owner, ids[1], 10, 1)
    assert [t.id for t in rest.values] == ids[3:] and rest.has_more is False
    exact = await lists.page(owner, ids[2], 2, 0)
    assert [t.id for t in exact.values] == ids[3:] and exact.has_more is False


async def test_item_rows_keep_every_field_and_omit_empty_ones(owner: str) -> None:
    lists, items = ListRepository(), ItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    now = utc_now()
    full = an_item(todo_list.id).model_copy(
        update={"description": "d", "state": ItemState.DONE, "due_date": now + timedelta(days=1), "completed_date": now}
    )
    bare = an_item(todo_list.id)
    for item in (full, bare):
        await items.add(owner, item, None)
    assert (await _stored_item(owner, full)).value == full
    table = await get_table()
    row = await table.get_entity(owner, f"I|{todo_list.id}|{bare.id}")
    assert set(row) == {"PartitionKey", "RowKey", "Name", "State", "CreatedDate", "UpdatedDate"}
    assert row["State"] == "todo"
