"""One contract, two implementations: every test here runs on the in-memory repositories
(inmemory/) and on the Table repositories against Azurite, so the fakes the unit tests trust
cannot drift from storage. Each test states a rule of shared.domain.ports the service relies on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from inmemory.repositories import FakeIdempotencyRepository, FakeItemRepository, FakeListRepository, FakeStore
from shared.domain.errors import NotFound
from shared.domain.ids import new_id
from shared.domain.models import ItemState, TodoItem, TodoList
from shared.domain.ports import (
    IdempotencyRecord,
    IdempotencyRecordExists,
    IdempotencyRepository,
    ItemRepository,
    ListRepository,
    Stored,
    VersionConflict,
    utc_now,
)
from shared.storage.repositories import TableIdempotencyRepository, TableItemRepository, TableListRepository


@dataclass
class Repositories:
    lists: ListRepository
    items: ItemRepository
    records: IdempotencyRepository


@pytest.fixture(params=["in-memory", "table"])
def repos(request: pytest.FixtureRequest) -> Repositories:
    if request.param == "in-memory":
        store = FakeStore()
        return Repositories(FakeListRepository(store), FakeItemRepository(store), FakeIdempotencyRepository(store))
    return Repositories(TableListRepository(), TableItemRepository(), TableIdempotencyRepository())


def a_list(name: str = "home") -> TodoList:
    now = utc_now()
    return TodoList(id=new_id(), name=name, created_date=now, updated_date=now)


def an_item(list_id: str, name: str = "milk", state: ItemState = ItemState.TODO) -> TodoItem:
    now = utc_now()
    return TodoItem(id=new_id(), list_id=list_id, name=name, state=state, created_date=now, updated_date=now)


def a_record(key: str = "key-1") -> IdempotencyRecord:
    return IdempotencyRecord(key=key, fingerprint="f" * 64, resource_json='{"id":"x"}', created=utc_now())


async def added_list(repos: Repositories, owner: str) -> Stored[TodoList]:
    todo_list = a_list()
    await repos.lists.add(owner, todo_list, None)
    stored = await repos.lists.get(owner, todo_list.id)
    assert stored is not None
    return stored


async def test_a_list_reads_back_equal_and_only_for_its_owner(repos: Repositories, owner: str) -> None:
    todo_list = a_list().model_copy(update={"description": "d"})
    await repos.lists.add(owner, todo_list, None)
    stored = await repos.lists.get(owner, todo_list.id)
    assert stored is not None and stored.value == todo_list and stored.value.version() == todo_list.version()
    assert await repos.lists.get(owner + "-other", todo_list.id) is None
    assert (await repos.lists.page(owner + "-other", None, 10, 0)).values == []


async def test_every_write_changes_the_version_and_an_old_one_conflicts(repos: Repositories, owner: str) -> None:
    first = await added_list(repos, owner)
    await repos.lists.replace(owner, first.value.model_copy(update={"name": "a"}), first.etag)
    second = await repos.lists.get(owner, first.value.id)
    assert second is not None and second.etag != first.etag and second.value.name == "a"
    with pytest.raises(VersionConflict):
        await repos.lists.replace(owner, first.value.model_copy(update={"name": "b"}), first.etag)
    with pytest.raises(VersionConflict):
        await repos.lists.remove(owner, first.value.id, first.etag)
    still = await repos.lists.get(owner, first.value.id)
    assert still is not None and still.value.name == "a"


async def test_replacing_a_list_that_is_gone_conflicts_and_creates_nothing(repos: Repositories, owner: str) -> None:
    stored = await added_list(repos, owner)
    await repos.lists.remove(owner, stored.value.id, None)
    with pytest.raises(VersionConflict):
        await repos.lists.replace(owner, stored.value, stored.etag)
    assert await repos.lists.get(owner, stored.value.id) is None


async def test_an_unconditional_remove_ignores_the_version(repos: Repositories, owner: str) -> None:
    stored = await added_list(repos, owner)
    await repos.lists.replace(owner, stored.value.model_copy(update={"name": "a"}), stored.etag)
    await repos.lists.remove(owner, stored.value.id, None)
    assert await repos.lists.get(owner, stored.value.id) is None


async def test_an_item_is_written_only_while_its_list_exists(repos: Repositories, owner: str) -> None:
    orphan = an_item(new_id())
    with pytest.raises(NotFound):
        await repos.items.add(owner, orphan, a_record())
    assert await repos.items.get(owner, orphan.list_id, orphan.id) is None
    assert await repos.records.get(owner, "key-1") is None  # the record went down with the item


async def test_a_creation_and_its_idempotency_record_are_written_together(repos: Repositories, owner: str) -> None:
    stored = await added_list(repos, owner)
    first = an_item(stored.value.id)
    await repos.items.add(owner, first, a_record("k"))
    record = await repos.records.get(owner, "k")
    assert record is not None and record.fingerprint == "f" * 64 and record.resource_json == '{"id":"x"}'
    second = an_item(stored.value.id)
    with pytest.raises(IdempotencyRecordExists):
        await repos.items.add(owner, second, a_record("k"))
    assert await repos.items.get(owner, stored.value.id, second.id) is None
    with pytest.raises(IdempotencyRecordExists):
        await repos.lists.add(owner, a_list(), a_record("k"))
    await repos.records.remove(owner, "k")
    assert await repos.records.get(owner, "k") is None
    await repos.lists.add(owner, a_list(), a_record("k"))  # the key is free again


async def test_pages_are_in_id_order_after_the_cursor_with_skip_and_a_more_flag(
    repos: Repositories, owner: str
) -> None:
    stored = await added_list(repos, owner)
    items = sorted((an_item(stored.value.id, f"i{n}") for n in range(5)), key=lambda item: item.id)
    for item in items:
        await repos.items.add(owner, item, None)
    page = await repos.items.page(owner, stored.value.id, None, None, 2, 0)
    assert [i.id for i in page.values] == [i.id for i in items[:2]] and page.has_more
    after = await repos.items.page(owner, stored.value.id, None, items[1].id, 2, 1)
    assert [i.id for i in after.values] == [items[3].id, items[4].id] and not after.has_more
    assert (await repos.items.page(owner, stored.value.id, None, None, 5, 0)).has_more is False
    lists = await repos.lists.page(owner, None, 10, 0)
    assert [todo_list.id for todo_list in lists.values] == [stored.value.id] and not lists.has_more


async def test_a_state_page_holds_only_that_state(repos: Repositories, owner: str) -> None:
    stored = await added_list(repos, owner)
    done = an_item(stored.value.id, "a", ItemState.DONE)
    await repos.items.add(owner, done, None)
    await repos.items.add(owner, an_item(stored.value.id, "b"), None)
    page = await repos.items.page(owner, stored.value.id, ItemState.DONE, None, 10, 0)
    assert page.values == [done] and not page.has_more


async def test_get_many_returns_only_the_lists_items_among_the_ids(repos: Repositories, owner: str) -> None:
    stored = await added_list(repos, owner)
    other = await added_list(repos, owner)
    mine, theirs = an_item(stored.value.id), an_item(other.value.id)
    await repos.items.add(owner, mine, None)
    await repos.items.add(owner, theirs, None)
    found = await repos.items.get_many(owner, stored.value.id, [mine.id, theirs.id, new_id()])
    assert list(found) == [mine.id] and found[mine.id].value == mine
    assert await repos.items.get_many(owner, stored.value.id, []) == {}


async def test_replace_many_is_all_or_nothing(repos: Repositories, owner: str) -> None:
    stored = await added_list(repos, owner)
    a, b = an_item(stored.value.id, "a"), an_item(stored.value.id, "b")
    for item in (a, b):
        await repos.items.add(owner, item, None)
    found = await repos.items.get_many(owner, stored.value.id, [a.id, b.id])
    await repos.items.replace(owner, b.model_copy(update={"name": "b2"}), found[b.id].etag)  # b changes meanwhile
    changed = [Stored(s.value.model_copy(update={"state": ItemState.DONE}), s.etag) for s in found.values()]
    with pytest.raises(VersionConflict):
        await repos.items.replace_many(owner, stored.value.id, changed)
    after = await repos.items.get_many(owner, stored.value.id, [a.id, b.id])
    assert after[a.id].value == a and after[b.id].value.name == "b2"


async def test_an_item_removed_with_an_old_version_conflicts(repos: Repositories, owner: str) -> None:
    stored = await added_list(repos, owner)
    item = an_item(stored.value.id)
    await repos.items.add(owner, item, None)
    first = await repos.items.get(owner, stored.value.id, item.id)
    assert first is not None
    later = item.model_copy(update={"updated_date": item.updated_date + timedelta(seconds=1)})
    await repos.items.replace(owner, later, first.etag)
    with pytest.raises(VersionConflict):
        await repos.items.remove(owner, stored.value.id, item.id, first.etag)
    current = await repos.items.get(owner, stored.value.id, item.id)
    assert current is not None
    await repos.items.remove(owner, stored.value.id, item.id, current.etag)
    assert await repos.items.get(owner, stored.value.id, item.id) is None


async def test_remove_all_counts_what_it_removed_and_can_be_repeated(repos: Repositories, owner: str) -> None:
    stored = await added_list(repos, owner)
    kept = await added_list(repos, owner)
    for n in range(3):
        await repos.items.add(owner, an_item(stored.value.id, f"i{n}"), None)
    await repos.items.add(owner, an_item(kept.value.id), None)
    assert await repos.items.remove_all(owner, stored.value.id) == 3
    assert await repos.items.remove_all(owner, stored.value.id) == 0
    assert (await repos.items.page(owner, stored.value.id, None, None, 10, 0)).values == []
    assert len((await repos.items.page(owner, kept.value.id, None, None, 10, 0)).values) == 1
