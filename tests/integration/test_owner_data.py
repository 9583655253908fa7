"""The owner-data repository: one contract run on the in-memory fake and on the Table
repository against Azurite (key-order reads, the more flag, erase steps that keep what is
visible), the Table sweep past one storage page, and an interrupted erase seen through the API
of a local host on the same Azurite."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from azure.data.tables import TableClient

from inmemory.owner_data import FakeOwnerDataRepository
from inmemory.repositories import FakeItemRepository, FakeListRepository, FakeStore
from shared.domain.errors import StorageUnavailable
from shared.domain.ids import new_id
from shared.domain.models import TodoItem, TodoList
from shared.domain.ports import (
    ExportPosition,
    ItemRepository,
    ListRepository,
    OwnerDataRepository,
    utc_now,
)
from shared.service.owner_data import OwnerDataService
from shared.storage.owner_data import TableOwnerDataRepository
from shared.storage.repositories import TableItemRepository, TableListRepository
from shared.storage.tables import submit
from tests.support import ApiClient, Azurite, LocalHost


@dataclass
class Repositories:
    lists: ListRepository
    items: ItemRepository
    data: OwnerDataRepository


@pytest.fixture(params=["in-memory", "table"])
def repos(request: pytest.FixtureRequest) -> Repositories:
    if request.param == "in-memory":
        store = FakeStore()
        return Repositories(FakeListRepository(store), FakeItemRepository(store), FakeOwnerDataRepository(store))
    return Repositories(TableListRepository(), TableItemRepository(), TableOwnerDataRepository())


@pytest.fixture
def raw_table(azurite: Azurite) -> Iterator[TableClient]:
    table = TableClient.from_connection_string(azurite.connection_string, "todo")
    yield table
    table.close()


def rows_of(table: TableClient, owner: str) -> list[str]:
    return [row["RowKey"] for row in table.query_entities("PartitionKey eq @pk", parameters={"pk": owner})]


async def lists_with_items(repos: Repositories, owner: str, counts: list[int]) -> list[TodoList | TodoItem]:
    """Lists with these many items; returns every line in key order (ids sorted, not timed)."""
    now = utc_now()
    lines: list[TodoList | TodoItem] = []
    lists = sorted((TodoList(id=new_id(), name="l", created_date=now, updated_date=now) for _ in counts), key=id_of)
    for todo_list, count in zip(lists, counts, strict=True):
        await repos.lists.add(owner, todo_list, None)
        items = [
            TodoItem(id=new_id(), list_id=todo_list.id, name=f"i{n}", created_date=now, updated_date=now)
            for n in range(count)
        ]
        for item in items:
            await repos.items.add(owner, item, None)
        lines += [todo_list, *sorted(items, key=id_of)]
    return lines


def id_of(value: TodoList | TodoItem) -> str:
    return value.id


async def test_lists_from_a_list_id_include_it_in_order_with_a_more_flag(repos: Repositories, owner: str) -> None:
    lines = await lists_with_items(repos, owner, [0, 0, 0, 0])
    await lists_with_items(repos, owner + "-other", [0])
    everything = await repos.data.lists_from(owner, None, 10)
    assert everything.values == lines and not everything.has_more
    from_second = await repos.data.lists_from(owner, lines[1].id, 2)
    assert from_second.values == lines[1:3] and from_second.has_more
    assert (await repos.data.lists_from(owner, lines[3].id, 2)).values == lines[3:]


async def test_items_after_a_position_run_across_lists_in_key_order(repos: Repositories, owner: str) -> None:
    lines = await lists_with_items(repos, owner, [2, 0, 3])
    await lists_with_items(repos, owner + "-other", [2])
    items = [line for line in lines if isinstance(line, TodoItem)]
    assert (await repos.data.items_after(owner, None, 10)).values == items
    first_list, last_list = lines[0], lines[4]
    at_list = await repos.data.items_after(owner, ExportPosition(first_list.id), 10)
    assert at_list.values == items and not at_list.has_more  # (list, "") is before its items
    after_item = await repos.data.items_after(owner, ExportPosition(first_list.id, items[0].id), 2)
    assert after_item.values == items[1:3] and after_item.has_more
    assert (await repos.data.items_after(owner, ExportPosition(last_list.id, items[-1].id), 2)).values == []


async def test_the_erase_steps_remove_only_the_owners_rows_and_orphan_items_only(
    repos: Repositories, owner: str
) -> None:
    await lists_with_items(repos, owner, [2, 1])
    other = await lists_with_items(repos, owner + "-other", [1])
    assert await repos.data.remove_lists(owner) == 2
    late = await lists_with_items(repos, owner, [2])  # created after the lists step
    assert await repos.data.remove_orphan_items(owner) == 3
    assert (await repos.data.items_after(owner, None, 10)).values == late[1:]
    assert await repos.data.remove_records(owner) == 0
    assert (await repos.data.lists_from(owner + "-other", None, 10)).values == other[:1]
    assert await repos.data.remove_lists(owner) == 1 and await repos.data.remove_orphan_items(owner) == 2
    assert await repos.data.remove_lists(owner) == 0  # safe to repeat


async def test_the_table_sweeps_past_one_storage_page_and_many_transactions(owner: str, raw_table: TableClient) -> None:
    repository = TableOwnerDataRepository()
    now = utc_now()
    lists = [TodoList(id=new_id(), name=f"l{n}", created_date=now, updated_date=now) for n in range(150)]
    for todo_list in lists:
        await TableListRepository().add(owner, todo_list, None)
    for todo_list in lists[:2]:
        for _batch in range(6):  # 600 items a list, in transactions of 100
            items = [
                {"PartitionKey": owner, "RowKey": f"I|{todo_list.id}|{new_id()}", "Name": "i", "State": "todo"}
                for _ in range(100)
            ]
            await submit([("create", item) for item in items])
    await submit([("create", {"PartitionKey": owner, "RowKey": f"K|{n}", "CreatedDate": now}) for n in range(3)])
    report = await OwnerDataService(repository).erase(owner)
    assert (report.lists, report.records, report.items) == (150, 3, 1200)
    assert rows_of(raw_table, owner) == []


class _FailsAfterLists(TableOwnerDataRepository):
    async def remove_records(self, owner: str) -> int:
        raise StorageUnavailable("storage did not answer in time")


async def test_an_interrupted_erase_shows_nothing_through_the_api_and_a_retry_removes_every_row(
    api_host: LocalHost, raw_table: TableClient
) -> None:
    client = ApiClient(api_host.base_url)
    todo_list = client.new_list("kept until erased")
    item = client.new_item(todo_list["id"])
    assert client.post("/lists", {"name": "k"}, headers={"Idempotency-Key": "erase-me"}).status == 201
    with pytest.raises(StorageUnavailable):
        await OwnerDataService(_FailsAfterLists()).erase(client.owner)
    assert any(key.startswith("I|") for key in rows_of(raw_table, client.owner))  # rows are left...
    assert client.get("/lists").json() == []  # ...and none is visible
    assert client.get(f"/lists/{todo_list['id']}").status == 404
    assert client.get(f"/lists/{todo_list['id']}/items/{item['id']}").status == 404
    assert client.get(f"/lists/{todo_list['id']}/items").status == 404
    export = client.get("/me/export")
    assert export.status == 200 and export.body == b"" and export.header("Link") is None
    assert client.delete("/me").status == 204
    assert rows_of(raw_table, client.owner) == []
