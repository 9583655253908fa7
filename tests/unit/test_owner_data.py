"""The export and erase use cases on the in-memory repositories: lines in key order, paging by
key position (every line exactly once), what concurrent writes between pages do, and the order
and repeatability of an erase."""

from __future__ import annotations

import asyncio
import json

import pytest

from inmemory.owner_data import FakeOwnerDataRepository
from inmemory.repositories import FakeIdempotencyRepository, FakeItemRepository, FakeListRepository, FakeStore
from shared.domain.errors import NotFound, StorageUnavailable
from shared.domain.exchange import ITEM_KIND, KINDS, LIST_KIND, to_line
from shared.domain.models import ItemState, TodoItem, TodoItemWrite, TodoList, TodoListWrite
from shared.domain.ports import ExportPosition, Stored, utc_now
from shared.service import owner_data
from shared.service.idempotency import IdempotencyRequest
from shared.service.owner_data import ExportPage, OwnerDataService
from shared.service.preconditions import UNCONDITIONAL
from shared.service.todos import TodoService

OWNER, OTHER = "alice", "bob"
Line = TodoList | TodoItem


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def todos(store: FakeStore) -> TodoService:
    return TodoService(FakeListRepository(store), FakeItemRepository(store), FakeIdempotencyRepository(store))


@pytest.fixture
def repository(store: FakeStore) -> FakeOwnerDataRepository:
    return FakeOwnerDataRepository(store)


@pytest.fixture
def data(repository: FakeOwnerDataRepository) -> OwnerDataService:
    return OwnerDataService(repository)


async def fill(todos: TodoService, owner: str, items_per_list: list[int]) -> list[Line]:
    """Lists with these many items each; returns the lines an export must give, in order."""
    for n, count in enumerate(items_per_list):
        await asyncio.sleep(0.002)  # ids start with the creation millisecond: lists sort as created
        todo_list = (await todos.create_list(owner, TodoListWrite(name=f"l{n}"), None)).value
        for m in range(count):
            await todos.create_item(owner, todo_list.id, TodoItemWrite(name=f"i{m}"), None)
    return await expected_lines(todos, owner)


async def expected_lines(todos: TodoService, owner: str) -> list[Line]:
    lines: list[Line] = []
    for todo_list in (await todos.list_lists(owner, None, 1000, 0)).values:
        lines.append(todo_list)
        lines += (await todos.list_items(owner, todo_list.id, None, None, 1000, 0)).values
    return lines


async def export_all(data: OwnerDataService, owner: str, top: int) -> tuple[list[Line], list[ExportPage]]:
    pages: list[ExportPage] = []
    position: ExportPosition | None = None
    while True:
        page = await data.export_page(owner, position, top)
        pages.append(page)
        if page.next is None:
            return [line for p in pages for line in p.lines], pages
        assert position is None or page.next > position, "every page moves the position forward"
        position = page.next


def test_a_line_is_the_resource_json_with_its_kind_first() -> None:
    now = utc_now()
    todo_list = TodoList(id="0" * 32, name="home", created_date=now, updated_date=now)
    item = TodoItem(
        id="1" * 32, list_id="0" * 32, name="milk", state=ItemState.DONE, created_date=now, updated_date=now
    )
    for resource, kind in ((todo_list, LIST_KIND), (item, ITEM_KIND)):
        line = to_line(resource)
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        parsed = json.loads(line)
        assert next(iter(parsed)) == "kind" and parsed.pop("kind") == kind
        assert parsed == json.loads(resource.to_json())  # same names, same nulls as the API
    assert json.loads(to_line(item))["dueDate"] is None and KINDS == ("list", "item")


@pytest.mark.parametrize("top", [1, 2, 3, 7, 100])
async def test_following_the_pages_gives_every_line_once_lists_before_their_items(
    todos: TodoService, data: OwnerDataService, top: int
) -> None:
    expected = await fill(todos, OWNER, [3, 0, 5, 1])
    await fill(todos, OTHER, [2])
    lines, pages = await export_all(data, OWNER, top)
    assert lines == expected
    assert all(len(page.lines) <= top for page in pages)
    assert pages[-1].next is None


async def test_each_page_costs_one_read_of_lists_and_one_of_items_at_most_one_storage_page_each(
    todos: TodoService, repository: FakeOwnerDataRepository, data: OwnerDataService, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fill(todos, OWNER, [2, 2])
    limits: list[int] = []
    original = repository.items_after

    async def recording(owner: str, after: ExportPosition | None, limit: int) -> object:
        limits.append(limit)
        return await original(owner, after, limit)

    monkeypatch.setattr(repository, "items_after", recording)
    page = await data.export_page(OWNER, None, 1000)
    assert len(page.lines) == 6 and page.next is None
    assert sorted(repository.calls) == ["items_after", "lists_from"] and limits == [999]  # + 1 row: "more?"


async def test_a_page_ends_where_both_reads_still_know_every_row(
    todos: TodoService, data: OwnerDataService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads smaller than the page (as when top exceeds one storage page) shorten the page;
    nothing is skipped: a list is never given before items that sort ahead of it."""
    monkeypatch.setattr(owner_data, "MAX_ROWS_PER_READ", 2)
    expected = await fill(todos, OWNER, [4, 0, 0, 3, 1])
    lines, pages = await export_all(data, OWNER, 50)
    assert lines == expected
    assert all(len(page.lines) <= 4 for page in pages) and len(pages) > 3  # 2 lists + 2 items at most


async def test_items_of_lists_that_are_gone_are_not_lines_and_do_not_stall_the_export(
    todos: TodoService, store: FakeStore, data: OwnerDataService
) -> None:
    expected = await fill(todos, OWNER, [1, 2])
    orphan_list = (await todos.create_list(OWNER, TodoListWrite(name="gone"), None)).value
    for m in range(9):
        await todos.create_item(OWNER, orphan_list.id, TodoItemWrite(name=f"o{m}"), None)
    del store.lists[(OWNER, orphan_list.id)]  # an interrupted delete: the items are left, invisible
    lines, pages = await export_all(data, OWNER, 2)
    assert lines == expected
    assert [len(page.lines) for page in pages].count(0) >= 1  # pages of skipped rows still move on


async def test_writes_between_pages_ahead_appear_newest_behind_do_not_deleted_do_not(
    todos: TodoService, data: OwnerDataService
) -> None:
    await fill(todos, OWNER, [2, 2, 2])
    first = await data.export_page(OWNER, None, 2)  # list 0 and its first item
    lists = (await todos.list_lists(OWNER, None, 10, 0)).values
    l0, l1, l2 = lists
    l0_items = (await todos.list_items(OWNER, l0.id, None, None, 10, 0)).values
    l2_items = (await todos.list_items(OWNER, l2.id, None, None, 10, 0)).values
    behind = await todos.update_list(OWNER, l0.id, {"name": "renamed behind"}, UNCONDITIONAL)
    ahead = await todos.update_item(OWNER, l2.id, l2_items[0].id, {"name": "renamed ahead"}, UNCONDITIONAL)
    added_ahead = (await todos.create_item(OWNER, l2.id, TodoItemWrite(name="new"), None)).value
    await todos.delete_item(OWNER, l0.id, l0_items[1].id, UNCONDITIONAL)  # ahead of the cursor: gone
    await todos.delete_list(OWNER, l1.id, UNCONDITIONAL)
    assert first.next is not None
    rest = []
    position: ExportPosition | None = first.next
    while position is not None:
        page = await data.export_page(OWNER, position, 2)
        rest += page.lines
        position = page.next
    assert first.lines == [l0, l0_items[0]] and behind not in rest
    assert rest == [l2, *sorted([ahead, l2_items[1], added_ahead], key=lambda item: item.id)]
    assert all(line.id not in (l1.id, l0_items[1].id) for line in rest)


async def test_items_of_the_cursor_list_deleted_mid_export_do_not_appear(
    todos: TodoService, store: FakeStore, data: OwnerDataService
) -> None:
    await fill(todos, OWNER, [5, 1])
    first = await data.export_page(OWNER, None, 2)  # the first list and its first item
    first_list = first.lines[0]
    # The list row goes first; its items are still there, as while a delete is under way.
    del store.lists[(OWNER, first_list.id)]
    assert first.next is not None
    rest = (await data.export_page(OWNER, first.next, 100)).lines
    assert [type(line) for line in rest] == [TodoList, TodoItem]  # the second list and its one item
    assert all(getattr(line, "list_id", line.id) != first_list.id for line in rest)


async def test_an_owner_with_nothing_exports_one_empty_last_page(data: OwnerDataService) -> None:
    page = await data.export_page(OWNER, None, 100)
    assert page == ExportPage([], None)


# Erase ----------------------------------------------------------------------------------------


async def owner_with_everything(todos: TodoService, owner: str) -> None:
    await fill(todos, owner, [2, 1])
    request = IdempotencyRequest.of(f"key-{owner}", "POST", "/api/lists", b'{"name":"k"}')
    await todos.create_list(owner, TodoListWrite(name="k"), request)


def rows_of(store: FakeStore, owner: str) -> int:
    return (
        sum(k[0] == owner for k in store.lists)
        + sum(k[0] == owner for k in store.items)
        + sum(k[0] == owner for k in store.records)
    )


async def test_erase_removes_lists_then_records_then_items_and_only_the_owners(
    todos: TodoService, store: FakeStore, repository: FakeOwnerDataRepository, data: OwnerDataService
) -> None:
    await owner_with_everything(todos, OWNER)
    await owner_with_everything(todos, OTHER)
    others = rows_of(store, OTHER)
    report = await data.erase(OWNER)
    assert repository.calls == ["remove_lists", "remove_records", "remove_orphan_items"]
    assert (report.lists, report.records, report.items) == (3, 1, 3)
    assert rows_of(store, OWNER) == 0 and rows_of(store, OTHER) == others
    again = await data.erase(OWNER)  # safe to repeat
    assert (again.lists, again.records, again.items) == (0, 0, 0)


@pytest.mark.parametrize("failing_step", ["remove_records", "remove_orphan_items"])
async def test_an_interrupted_erase_leaves_nothing_visible_and_a_retry_finishes_it(
    todos: TodoService,
    store: FakeStore,
    repository: FakeOwnerDataRepository,
    data: OwnerDataService,
    failing_step: str,
) -> None:
    await owner_with_everything(todos, OWNER)
    some_list = next(lid for (o, lid) in store.lists if o == OWNER)
    some_item = next(k for k in store.items if k[0] == OWNER)
    repository.fail_on = failing_step
    with pytest.raises(StorageUnavailable):
        await data.erase(OWNER)
    assert any(k[0] == OWNER for k in store.items)  # rows are left, yet none is visible:
    assert (await todos.list_lists(OWNER, None, 100, 0)).values == []
    with pytest.raises(NotFound):
        await todos.list_items(OWNER, some_list, None, None, 100, 0)
    with pytest.raises(NotFound):
        await todos.get_item(OWNER, some_item[1], some_item[2])
    assert (await data.export_page(OWNER, None, 100)) == ExportPage([], None)
    repository.fail_on = None
    await data.erase(OWNER)
    assert rows_of(store, OWNER) == 0


async def test_erase_keeps_a_list_created_while_it_runs_with_its_items(
    todos: TodoService, store: FakeStore, data: OwnerDataService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Items go only with their list: a list another request creates after the lists step
    is kept whole, never left without items it acknowledged."""
    await owner_with_everything(todos, OWNER)
    repository = data.repository
    original = repository.remove_records
    created: list[Stored[TodoItem]] = []

    async def records_then_a_concurrent_creation(owner: str) -> int:
        removed = await original(owner)
        late = (await todos.create_list(owner, TodoListWrite(name="late"), None)).value
        item = (await todos.create_item(owner, late.id, TodoItemWrite(name="kept"), None)).value
        created.append(Stored(item, ""))
        return removed

    monkeypatch.setattr(repository, "remove_records", records_then_a_concurrent_creation)
    await data.erase(OWNER)
    kept = created[0].value
    assert await todos.get_item(OWNER, kept.list_id, kept.id) == kept
    assert rows_of(store, OWNER) == 2
