"""Repository rules the round-trip tests leave open, against a real Azurite: single item deletes,
idempotency records as stored, which transaction failure means what, and list paging."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from azure.data.tables import TableTransactionError

from shared.domain.errors import NotFound, StorageUnavailable
from shared.domain.ids import new_id
from shared.domain.models import ItemState, TodoItem, TodoList
from shared.domain.ports import IdempotencyRecord, IdempotencyRecordExists, Stored, VersionConflict, utc_now
from shared.storage.client import get_table
from shared.storage.repositories import TableIdempotencyRepository, TableItemRepository, TableListRepository


def a_list(name: str = "home") -> TodoList:
    now = utc_now()
    return TodoList(id=new_id(), name=name, created_date=now, updated_date=now)


def an_item(list_id: str, name: str = "milk") -> TodoItem:
    now = utc_now()
    return TodoItem(id=new_id(), list_id=list_id, name=name, created_date=now, updated_date=now)


def a_record(key: str = "key-1") -> IdempotencyRecord:
    return IdempotencyRecord(key=key, fingerprint="f" * 64, resource_json='{"id": "x"}', created=utc_now())


async def _stored_item(owner: str, item: TodoItem) -> Stored[TodoItem]:
    stored = await TableItemRepository().get(owner, item.list_id, item.id)
    assert stored is not None
    return stored


async def test_item_delete_removes_that_row_only_while_unchanged(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
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
    lists, records = TableListRepository(), TableIdempotencyRepository()
    record = a_record("Key-Å")
    await lists.add(owner, a_list(), record)
    stored = await records.get(owner, "Key-Å")
    assert stored == record
    assert await records.get(owner, "key-å") is None  # keys are exact
    assert await records.get("someone-else", "Key-Å") is None
    await records.remove(owner, "Key-Å")
    assert await records.get(owner, "Key-Å") is None


async def test_reused_idempotency_key_is_reported_as_such_and_writes_nothing(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
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
    lists = TableListRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    with pytest.raises(TableTransactionError) as raised:
        await lists.add(owner, todo_list, a_record("fresh-key"))  # the list row exists: index 0 conflicts
    assert raised.value.status_code == 409 and raised.value.index == 0
    assert await TableIdempotencyRepository().get(owner, "fresh-key") is None


async def test_item_added_to_a_missing_list_says_the_list_does_not_exist(owner: str) -> None:
    with pytest.raises(NotFound) as raised:
        await TableItemRepository().add(owner, an_item(new_id()), a_record())
    assert str(raised.value) == "the list does not exist"


async def test_batch_of_items_deleted_since_they_were_read_is_a_conflict_not_a_missing_list(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
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
    lists = TableListRepository()
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
    lists, items = TableListRepository(), TableItemRepository()
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


async def test_pages_and_batches_read_only_the_model_properties_yet_every_field_and_etag(
    owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = await get_table()
    query = table.query_entities
    rows_read: list[Any] = []

    def recording_query(*args: Any, **kwargs: Any) -> Any:
        """The real query against Azurite; each page's rows are kept to see what they carried."""
        pager = query(*args, **kwargs)

        async def rows() -> AsyncIterator[Any]:
            async for row in pager:
                rows_read.append(row)
                yield row

        return rows()

    monkeypatch.setattr(table, "query_entities", recording_query)
    lists, items = TableListRepository(), TableItemRepository()
    described, plain = a_list("a").model_copy(update={"description": "d"}), a_list("b")
    for todo_list in sorted((described, plain), key=lambda t: t.id):
        await lists.add(owner, todo_list, None)
    now = utc_now()
    full = an_item(described.id).model_copy(
        update={"description": "d", "state": ItemState.DONE, "due_date": now + timedelta(days=1), "completed_date": now}
    )
    bare = an_item(described.id)
    for item in (full, bare):
        await items.add(owner, item, None)
    list_page = await lists.page(owner, None, 10, 0)
    assert sorted(list_page.values, key=lambda t: t.id) == sorted([described, plain], key=lambda t: t.id)
    item_page = await items.page(owner, described.id, None, None, 10, 0)
    assert sorted(item_page.values, key=lambda i: i.id) == sorted([full, bare], key=lambda i: i.id)
    done_page = await items.page(owner, described.id, ItemState.DONE, None, 10, 0)
    assert done_page.values == [full]
    batch = await items.get_many(owner, described.id, [full.id, bare.id])
    assert batch == {item.id: await _stored_item(owner, item) for item in (full, bare)}  # ETags too
    assert len(rows_read) == 7  # 2 lists, 2 items, 1 done item, 2 of a batch: none with a Timestamp
    assert all(row.metadata["timestamp"] is None and "PartitionKey" not in row for row in rows_read)


def with_id(model: TodoItem, first: str) -> TodoItem:
    """The same item with an id starting with `first` (ids are hex: 0-9 and a-f sort differently)."""
    return model.model_copy(update={"id": first + new_id()[1:]})


async def test_ranges_reach_ids_starting_with_a_letter(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
    letter_list = a_list().model_copy(update={"id": "f" + new_id()[1:]})
    await lists.add(owner, letter_list, None)
    assert [t.id for t in (await lists.page(owner, None, 10, 0)).values] == [letter_list.id]
    digit, letter = with_id(an_item(letter_list.id), "0"), with_id(an_item(letter_list.id), "f")
    for item in (digit, letter):
        await items.add(owner, item, None)
    found = await items.get_many(owner, letter_list.id, [digit.id, letter.id])
    assert set(found) == {digit.id, letter.id}
    assert [i.id for i in (await items.page(owner, letter_list.id, None, None, 10, 0)).values] == [digit.id, letter.id]
    assert await items.remove_all(owner, letter_list.id) == 2
    assert (await items.page(owner, letter_list.id, None, None, 10, 0)).values == []


async def test_removing_the_items_of_a_list_without_any_counts_zero(owner: str) -> None:
    removed = await TableItemRepository().remove_all(owner, new_id())
    assert removed == 0 and removed is not None


async def test_item_pages_filtered_by_state_follow_the_cursor(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    done = [an_item(todo_list.id).model_copy(update={"state": ItemState.DONE}) for _ in range(3)]
    for item in sorted(done, key=lambda i: i.id):
        await items.add(owner, item, None)
    ids = sorted(i.id for i in done)
    page = await items.page(owner, todo_list.id, ItemState.DONE, ids[0], 10, 0)
    assert [i.id for i in page.values] == ids[1:]


async def test_replace_drops_fields_the_new_version_no_longer_has(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
    todo_list = a_list().model_copy(update={"description": "old"})
    await lists.add(owner, todo_list, None)
    item = an_item(todo_list.id).model_copy(update={"description": "old", "due_date": utc_now()})
    await items.add(owner, item, None)
    read = await _stored_item(owner, item)
    cleared = item.model_copy(update={"description": None, "due_date": None})
    await items.replace(owner, cleared, read.etag)
    assert (await _stored_item(owner, item)).value == cleared
    list_read = await lists.get(owner, todo_list.id)
    assert list_read is not None
    await lists.replace(owner, todo_list.model_copy(update={"description": None}), list_read.etag)
    final = await lists.get(owner, todo_list.id)
    assert final is not None and final.value.description is None


async def test_get_many_past_a_page_reads_only_the_wanted_ids_after_the_last_row_read(
    owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shared.storage.repositories
    from shared.platform.roundtrips import start_round_trip_count

    monkeypatch.setattr(shared.storage.repositories, "PAGE_LIMIT", 3)
    lists, items = TableListRepository(), TableItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    stored = sorted([an_item(todo_list.id, f"i{n}") for n in range(8)], key=lambda i: i.id)
    for item in stored:
        await items.add(owner, item, None)
    counter = start_round_trip_count()
    wanted = [stored[7], stored[0], stored[2]]
    found = await items.get_many(owner, todo_list.id, [i.id for i in wanted])
    assert {i: s.value for i, s in found.items()} == {i.id: i for i in wanted}
    # The range starts at the lowest wanted id: one page of three rows (the third is wanted), then
    # one point read for the only wanted id after the last row read.
    assert counter.count == 2


async def test_get_many_spans_the_range_from_the_lowest_to_the_highest_wanted_id(owner: str) -> None:
    lists, items = TableListRepository(), TableItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    stored = sorted([an_item(todo_list.id, f"i{n}") for n in range(6)], key=lambda i: i.id)
    for item in stored:
        await items.add(owner, item, None)
    wanted = [stored[5], stored[1], stored[0]]
    found = await items.get_many(owner, todo_list.id, [i.id for i in wanted])
    assert {i: s.value for i, s in found.items()} == {i.id: i for i in wanted}


async def test_removing_items_after_a_concurrent_sweep_took_some_queries_again(
    owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shared.storage.repositories
    import shared.storage.tables

    lists, items = TableListRepository(), TableItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    stored = [an_item(todo_list.id, f"i{n}") for n in range(5)]
    for item in stored:
        await items.add(owner, item, None)
    real_submit = shared.storage.tables.submit
    swept: list[str] = []

    async def another_sweep_first(operations: Any) -> None:
        if not swept:  # before this sweep's first transaction, another one deletes a row of it
            row_key = operations[0][1]["RowKey"]
            swept.append(row_key)
            await (await get_table()).delete_entity(owner, row_key)
        await real_submit(operations)

    monkeypatch.setattr(shared.storage.tables, "submit", another_sweep_first)
    assert await items.remove_all(owner, todo_list.id) == 4  # the fifth was the other sweep's
    assert (await items.page(owner, todo_list.id, None, None, 10, 0)).values == []


@pytest.fixture
async def own_table(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    from shared.platform.settings import reset_settings_cache
    from shared.storage.client import close_table_client

    await close_table_client()
    monkeypatch.setenv("TODO_TABLE_NAME", "t" + new_id()[:20])
    reset_settings_cache()
    yield
    await close_table_client()
    monkeypatch.undo()
    reset_settings_cache()


async def test_a_write_to_a_table_that_vanished_is_retryable_not_a_conflict(owner: str, own_table: None) -> None:
    lists = TableListRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    read = await lists.get(owner, todo_list.id)
    assert read is not None
    await (await get_table()).delete_table()
    with pytest.raises(StorageUnavailable) as raised:
        await lists.replace(owner, todo_list.model_copy(update={"name": "late"}), read.etag)
    assert raised.value.detail == "the table is being created again"


async def test_removing_items_continues_after_a_full_page(owner: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import shared.storage.repositories
    import shared.storage.tables

    monkeypatch.setattr(shared.storage.repositories, "PAGE_LIMIT", 3)
    monkeypatch.setattr(shared.storage.tables, "BATCH_LIMIT", 2)
    lists, items = TableListRepository(), TableItemRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    for n in range(6):
        await items.add(owner, an_item(todo_list.id, f"i{n}"), None)
    assert await items.remove_all(owner, todo_list.id) == 6
    assert (await items.page(owner, todo_list.id, None, None, 10, 0)).values == []


async def test_a_read_from_a_table_that_vanished_is_retryable_not_a_missing_row(owner: str, own_table: None) -> None:
    lists = TableListRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    await (await get_table()).delete_table()
    with pytest.raises(StorageUnavailable):
        await lists.get(owner, todo_list.id)


async def test_a_conditional_list_delete_with_a_stale_etag_is_a_conflict(owner: str) -> None:
    lists = TableListRepository()
    todo_list = a_list()
    await lists.add(owner, todo_list, None)
    read = await lists.get(owner, todo_list.id)
    assert read is not None
    await lists.replace(owner, todo_list.model_copy(update={"name": "changed"}), read.etag)
    with pytest.raises(VersionConflict):
        await lists.remove(owner, todo_list.id, read.etag)
    assert await lists.get(owner, todo_list.id) is not None


async def test_the_expiry_sweep_reads_idempotency_records_only_and_at_most_the_limit(
    owner: str, own_table: None
) -> None:
    from shared.storage.housekeeping import TableHousekeepingRepository

    old = utc_now() - timedelta(days=3)
    ancient_list = a_list().model_copy(update={"created_date": old, "updated_date": old})
    await TableListRepository().add(owner, ancient_list, None)  # an old list row is no record
    for n in range(3):
        record = IdempotencyRecord(key=f"k{n}", fingerprint="f", resource_json="{}", created=old)
        await TableListRepository().add(owner, a_list(), record)
    found = await TableHousekeepingRepository().expired_idempotency_records(utc_now() - timedelta(days=1), 2)
    assert len(found) == 2 and all(row.row_key.startswith("K|") for row in found)
    everything = await TableHousekeepingRepository().expired_idempotency_records(utc_now() - timedelta(days=1), 10)
    assert len(everything) == 3 and all(row.row_key.startswith("K|") for row in everything)
