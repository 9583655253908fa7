"""The import against a real Azurite: one entity-group transaction, all rows or none, with the
idempotency record inside when it fits and right after it otherwise; reads in key ranges; the
use case end to end on the Table repositories."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.domain.errors import ImportConflict
from shared.domain.ids import new_id
from shared.domain.import_lines import parse_lines
from shared.domain.models import ItemState, TodoItem, TodoList
from shared.domain.ports import IdempotencyRecord, IdempotencyRecordExists, VersionConflict
from shared.service.idempotency import IdempotencyRequest
from shared.service.imports import ImportService
from shared.storage.client import get_table
from shared.storage.imports import TableImportRepository
from shared.storage.repositories import TableIdempotencyRepository, TableItemRepository, TableListRepository

# Microseconds and an old date: what a file may carry must read back identically, or a re-import
# of the same line would look like other content.
CREATED = datetime(1999, 12, 31, 23, 59, 58, 123456, tzinfo=UTC)
UPDATED = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


def a_list(name: str = "home", **fields: Any) -> TodoList:
    return TodoList(id=new_id(), name=name, created_date=CREATED, updated_date=UPDATED, **fields)


def an_item(list_id: str, name: str = "milk", **fields: Any) -> TodoItem:
    return TodoItem(id=new_id(), list_id=list_id, name=name, created_date=CREATED, updated_date=UPDATED, **fields)


def a_record(key: str = "import-key") -> IdempotencyRecord:
    return IdempotencyRecord(key, "f" * 64, '{"created":1,"unchanged":0}', datetime.now(UTC))


async def partition(owner: str) -> list[str]:
    table = await get_table()
    rows = [e["RowKey"] async for e in table.query_entities("PartitionKey eq @pk", parameters={"pk": owner})]
    return sorted(rows)


async def test_written_rows_read_back_identically_with_the_imports_tag(owner: str) -> None:
    repository = TableImportRepository()
    todo_list = a_list(description="d")
    item = an_item(
        todo_list.id, state=ItemState.DONE, due_date=CREATED, completed_date=UPDATED, description="two litres"
    )
    await repository.write(owner, [todo_list], [item], [], "tag-1", a_record())
    rows = await repository.read(owner, [todo_list.id, new_id()], [(todo_list.id, item.id), (todo_list.id, new_id())])
    assert set(rows.lists) == {todo_list.id} and set(rows.items) == {(todo_list.id, item.id)}
    assert rows.lists[todo_list.id].value == todo_list and rows.lists[todo_list.id].import_tag == "tag-1"
    assert rows.items[(todo_list.id, item.id)].value == item
    assert rows.lists[todo_list.id].value.to_json() == todo_list.to_json()  # same JSON, same ETag
    record = await TableIdempotencyRepository().get(owner, "import-key")
    assert record is not None and record.resource_json == '{"created":1,"unchanged":0}'
    # Rows an ordinary API call wrote have no tag; the API's reads ignore the tag.
    plain = a_list("plain")
    await TableListRepository().add(owner, plain, None)
    assert (await repository.read(owner, [plain.id], [])).lists[plain.id].import_tag is None
    listed = await TableListRepository().page(owner, None, 10, 0)
    assert todo_list in listed.values


async def test_one_existing_row_fails_the_transaction_and_nothing_is_written(owner: str) -> None:
    taken = a_list("taken")
    await TableListRepository().add(owner, taken, None)
    fresh = [a_list(f"l{n}") for n in range(30)]
    with pytest.raises(VersionConflict):
        await TableImportRepository().write(owner, [*fresh, taken], [], [], "tag", a_record())
    assert await partition(owner) == [f"L|{taken.id}"]  # no new list and no record


async def test_100_rows_are_written_all_together_and_the_record_right_after(owner: str) -> None:
    lists = [a_list(f"l{n}") for n in range(10)]
    items = [an_item(lists[n % 10].id, f"i{n}") for n in range(90)]
    await TableImportRepository().write(owner, lists, items, [], "tag", a_record())
    rows = await partition(owner)
    assert len(rows) == 101 and sum(key.startswith("K|") for key in rows) == 1


async def test_100_rows_with_one_taken_write_nothing_not_even_the_record(owner: str) -> None:
    lists = [a_list(f"l{n}") for n in range(100)]
    await TableListRepository().add(owner, lists[99], None)
    with pytest.raises(VersionConflict):
        await TableImportRepository().write(owner, lists, [], [], "tag", a_record())
    assert await partition(owner) == [f"L|{lists[99].id}"]


async def test_the_record_rides_in_the_transaction_when_it_fits(owner: str) -> None:
    """99 rows and the record: an existing record fails the whole transaction."""
    records = TableIdempotencyRepository()
    await TableImportRepository().write(owner, [], [], [], "tag", a_record())  # only the record
    lists = [a_list(f"l{n}") for n in range(99)]
    with pytest.raises(IdempotencyRecordExists):
        await TableImportRepository().write(owner, lists, [], [], "tag", a_record())
    assert len(await partition(owner)) == 1 and await records.get(owner, "import-key") is not None


async def test_items_into_a_list_deleted_meanwhile_are_not_written(owner: str) -> None:
    gone = a_list("gone")
    await TableListRepository().add(owner, gone, None)
    await TableListRepository().remove(owner, gone.id, None)
    with pytest.raises(VersionConflict):
        await TableImportRepository().write(owner, [a_list()], [an_item(gone.id)], [gone.id], "tag", a_record())
    assert await partition(owner) == []


async def test_items_into_an_existing_list_are_written_and_the_list_is_unchanged(owner: str) -> None:
    home = a_list()
    await TableListRepository().add(owner, home, None)
    item = an_item(home.id)
    await TableImportRepository().write(owner, [], [item], [home.id], "tag", a_record())
    stored = await TableItemRepository().get(owner, home.id, item.id)
    assert stored is not None and stored.value == item
    stored_list = await TableListRepository().get(owner, home.id)
    assert stored_list is not None and stored_list.value == home


async def test_reads_past_one_page_of_a_range_read_the_rest_by_key(owner: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import shared.storage.imports

    lists = [a_list(f"l{n}") for n in range(8)]
    await TableImportRepository().write(owner, lists, [], [], "tag", a_record())
    monkeypatch.setattr(shared.storage.imports, "PAGE_LIMIT", 3)
    wanted = sorted(todo_list.id for todo_list in lists)
    rows = await TableImportRepository().read(owner, [wanted[0], wanted[5], wanted[7], new_id()], [])
    assert set(rows.lists) == {wanted[0], wanted[5], wanted[7]}


def _lines(*values: dict[str, Any]) -> bytes:
    return b"\n".join(json.dumps(value).encode() for value in values)


async def test_the_use_case_on_table_storage_imports_once_and_refuses_conflicts_whole(owner: str) -> None:
    service = ImportService(TableImportRepository(), TableIdempotencyRepository(), idempotency_ttl=timedelta(hours=1))
    home = {"kind": "list", "id": new_id(), "name": "home", "createdDate": "2025-01-01T00:00:00.5Z"}
    home["updatedDate"] = home["createdDate"]
    milk = {"kind": "item", "id": new_id(), "listId": home["id"], "name": "milk", "createdDate": "2025-01-01T00:00:01Z"}
    milk["updatedDate"] = milk["createdDate"]
    body = _lines(home, milk)

    def request(key: str, raw: bytes) -> IdempotencyRequest:
        return IdempotencyRequest.of(key, "POST", "/api/me/import", raw)

    first = await service.import_lines(owner, parse_lines(body), request("a", body))
    again = await service.import_lines(owner, parse_lines(body), request("a", body))
    assert json.loads(first.body) == {"created": 2, "unchanged": 0} and again == first.__class__(first.body, True)
    same = await service.import_lines(owner, parse_lines(body), request("b", body))
    assert json.loads(same.body) == {"created": 0, "unchanged": 2}

    rows_before = await partition(owner)
    clash = _lines({**home, "id": new_id()}, {**milk, "name": "oat milk"})
    with pytest.raises(ImportConflict) as caught:
        await service.import_lines(owner, parse_lines(clash), request("c", clash))
    assert caught.value.extensions["conflictingIds"] == [milk["id"]]
    assert await partition(owner) == rows_before
