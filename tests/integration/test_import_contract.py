"""The import repository's contract on both implementations (inmemory/imports.py and
shared/storage/imports.py against Azurite), so the fake the use-case tests trust cannot drift
from Table Storage. Each test states a rule of shared.domain.ports.ImportRepository."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from inmemory.imports import FakeImportRepository
from inmemory.repositories import FakeIdempotencyRepository, FakeListRepository, FakeStore
from shared.domain.ids import new_id
from shared.domain.models import TodoItem, TodoList
from shared.domain.ports import (
    IdempotencyRecord,
    IdempotencyRecordExists,
    IdempotencyRepository,
    ImportRepository,
    ListRepository,
    VersionConflict,
    utc_now,
)
from shared.storage.imports import TableImportRepository
from shared.storage.repositories import TableIdempotencyRepository, TableListRepository


@dataclass
class Repositories:
    imports: ImportRepository
    lists: ListRepository
    records: IdempotencyRepository


@pytest.fixture(params=["in-memory", "table"])
def repos(request: pytest.FixtureRequest) -> Repositories:
    if request.param == "in-memory":
        store = FakeStore()
        return Repositories(FakeImportRepository(store), FakeListRepository(store), FakeIdempotencyRepository(store))
    return Repositories(TableImportRepository(), TableListRepository(), TableIdempotencyRepository())


def a_list(name: str = "home") -> TodoList:
    now = utc_now()
    return TodoList(id=new_id(), name=name, created_date=now, updated_date=now)


def an_item(list_id: str) -> TodoItem:
    now = utc_now()
    return TodoItem(id=new_id(), list_id=list_id, name="milk", created_date=now, updated_date=now)


def a_record(key: str = "import") -> IdempotencyRecord:
    return IdempotencyRecord(key, "f" * 64, '{"created":2,"unchanged":0}', utc_now())


async def test_written_rows_read_back_with_their_tag_for_their_owner_only(repos: Repositories, owner: str) -> None:
    todo_list = a_list()
    item = an_item(todo_list.id)
    await repos.imports.write(owner, [todo_list], [item], [], "tag", a_record())
    rows = await repos.imports.read(owner, [todo_list.id, new_id()], [(todo_list.id, item.id)])
    assert {k: (f.value, f.import_tag) for k, f in rows.lists.items()} == {todo_list.id: (todo_list, "tag")}
    assert {k: (f.value, f.import_tag) for k, f in rows.items.items()} == {(todo_list.id, item.id): (item, "tag")}
    other = await repos.imports.read(owner + "-other", [todo_list.id], [(todo_list.id, item.id)])
    assert other.lists == {} and other.items == {}
    stored = await repos.lists.get(owner, todo_list.id)
    assert stored is not None and stored.value == todo_list
    assert await repos.records.get(owner, "import") is not None


async def test_a_taken_row_writes_nothing(repos: Repositories, owner: str) -> None:
    taken = a_list("taken")
    await repos.lists.add(owner, taken, None)
    fresh = a_list("fresh")
    with pytest.raises(VersionConflict):
        await repos.imports.write(owner, [fresh, taken], [], [], "tag", a_record())
    assert await repos.lists.get(owner, fresh.id) is None and await repos.records.get(owner, "import") is None


async def test_a_list_gone_since_the_read_writes_nothing(repos: Repositories, owner: str) -> None:
    gone = a_list()
    with pytest.raises(VersionConflict):
        await repos.imports.write(owner, [], [an_item(gone.id)], [gone.id], "tag", a_record())
    assert await repos.records.get(owner, "import") is None


async def test_an_existing_record_writes_nothing(repos: Repositories, owner: str) -> None:
    await repos.imports.write(owner, [], [], [], "tag", a_record())
    fresh = a_list()
    with pytest.raises(IdempotencyRecordExists):
        await repos.imports.write(owner, [fresh], [], [], "tag", a_record())
    assert await repos.lists.get(owner, fresh.id) is None
