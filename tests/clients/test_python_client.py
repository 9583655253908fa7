"""Every operation of the API through the generated Python client and its layer, over a socket:
the local host on Azurite, or a deployed gateway (see conftest.py)."""

from __future__ import annotations

import uuid
from http import HTTPStatus
from typing import Any

import httpx
import pytest
from todo_client import (
    AsyncTodo,
    ConflictError,
    ItemState,
    NotFoundError,
    ProblemError,
    Tagged,
    Todo,
    TodoItemPatch,
    TodoItemWrite,
    TodoListPatch,
    TodoListWrite,
)
from todo_client.api.meta import get_open_api
from todo_client.problems import problem_of
from todo_client.types import Response

from tests.clients.conftest import Target

NO_SUCH_ID = "0" * 32
PROBLEM = "urn:problem-type:todo-api:"


def _problem(error: ProblemError, status: int, kind: str) -> None:
    assert (error.status, error.type) == (status, PROBLEM + kind)
    assert error.title and error.detail
    assert str(error).startswith(f"{status} {error.title}: ")


def test_create_read_replace_and_delete_a_list(todo: Todo) -> None:
    created = todo.create_list(TodoListWrite(name="Groceries", description="weekly"))
    assert created.etag.startswith('"') and not created.replayed
    assert (created.value.name, created.value.description) == ("Groceries", "weekly")
    read = todo.get_list(created.value.id)
    assert read == Tagged(created.value, created.etag)
    replaced = todo.replace_list(read, TodoListWrite(name="Shopping"))
    assert (replaced.value.name, replaced.value.description) == ("Shopping", None)
    assert replaced.etag != read.etag
    todo.delete_list(replaced)
    with pytest.raises(NotFoundError) as missing:
        todo.get_list(created.value.id)
    _problem(missing.value, 404, "not-found")


def test_a_conditional_update_with_a_stale_etag_is_a_conflict_and_changes_nothing(todo: Todo) -> None:
    read = todo.create_list(TodoListWrite(name="a"))
    renamed = todo.update_list(read, TodoListPatch(name="b"))
    assert renamed.value.name == "b" and renamed.etag != read.etag
    with pytest.raises(ConflictError) as stale:
        todo.update_list(read, TodoListPatch(name="c"))  # the ETag of the first read
    _problem(stale.value, 412, "precondition-failed")
    assert todo.get_list(read.value.id).value.name == "b"
    with pytest.raises(ConflictError):
        todo.delete_list(read)
    item = todo.create_item(read.value.id, TodoItemWrite(name="milk"))
    todo.update_item(item, TodoItemPatch(name="oat milk"))
    for write in (
        lambda: todo.update_item(item, TodoItemPatch(name="x")),
        lambda: todo.replace_item(item, TodoItemWrite(name="x")),
        lambda: todo.delete_item(item),
    ):
        with pytest.raises(ConflictError):
            write()
    assert todo.get_item(read.value.id, item.value.id).value.name == "oat milk"


def test_items_are_read_updated_replaced_and_deleted_with_their_etags(todo: Todo) -> None:
    lst = todo.create_list(TodoListWrite(name="l")).value
    item = todo.create_item(lst.id, TodoItemWrite(name="bread", description="rye"))
    assert (item.value.list_id, item.value.state) == (lst.id, ItemState.TODO)
    assert todo.get_item(lst.id, item.value.id) == Tagged(item.value, item.etag)
    done = todo.update_item(item, TodoItemPatch(state=ItemState.DONE))
    assert done.value.state == ItemState.DONE and done.value.completed_date is not None
    replaced = todo.replace_item(done, TodoItemWrite(name="toast"))
    assert (replaced.value.name, replaced.value.description, replaced.value.state) == ("toast", None, ItemState.TODO)
    todo.delete_item(replaced)
    with pytest.raises(NotFoundError):
        todo.get_item(lst.id, item.value.id)


def test_collections_are_iterated_to_the_end_following_the_next_links(target: Target) -> None:
    pages: list[str] = []

    def count(request: httpx.Request) -> None:
        if request.method == "GET":
            pages.append(str(request.url))

    todo = Todo(target.base_url, token=target.token, headers=target.owner_headers())
    todo.client = todo.client.with_headers({}).set_httpx_client(
        httpx.Client(
            base_url=target.base_url, headers=todo.client.get_httpx_client().headers, event_hooks={"request": [count]}
        )
    )
    lists = [todo.create_list(TodoListWrite(name=f"list {n}")).value for n in range(5)]
    ours = {lst.id for lst in lists}
    assert [lst.id for lst in todo.lists(page_size=2) if lst.id in ours] == [lst.id for lst in lists]
    names = [todo.create_item(lists[0].id, TodoItemWrite(name=f"item {n}")).value.name for n in range(5)]
    pages.clear()
    assert [item.name for item in todo.items(lists[0].id, page_size=2)] == names
    assert len(pages) == 3 and all("cursor=" in url for url in pages[1:])


def test_the_state_filter_and_the_batch_state_change(todo: Todo) -> None:
    lst = todo.create_list(TodoListWrite(name="l")).value
    items = [todo.create_item(lst.id, TodoItemWrite(name=f"i{n}")).value for n in range(4)]
    moved = todo.set_state(lst.id, ItemState.DONE, [items[1].id, items[3].id, items[1].id])
    assert sorted(item.id for item in moved) == sorted([items[1].id, items[3].id])
    assert all(item.state == ItemState.DONE for item in moved)
    assert [item.id for item in todo.items(lst.id, ItemState.DONE, page_size=1)] == [items[1].id, items[3].id]
    assert [item.id for item in todo.items(lst.id, ItemState.TODO)] == [items[0].id, items[2].id]
    with pytest.raises(NotFoundError) as unknown:
        todo.set_state(lst.id, ItemState.INPROGRESS, [items[0].id, NO_SUCH_ID])
    _problem(unknown.value, 404, "unknown-items")
    assert unknown.value.unknown_ids == [NO_SUCH_ID]
    assert [item.id for item in todo.items(lst.id, ItemState.INPROGRESS)] == []


def test_a_creation_replayed_with_its_idempotency_key_creates_once(todo: Todo) -> None:
    key = f"create-{uuid.uuid4()}"
    first = todo.create_list(TodoListWrite(name="once"), idempotency_key=key)
    again = todo.create_list(TodoListWrite(name="once"), idempotency_key=key)
    assert again.value.id == first.value.id and again.replayed and not first.replayed
    item_key = f"item-{uuid.uuid4()}"
    item = todo.create_item(first.value.id, TodoItemWrite(name="x"), idempotency_key=item_key)
    assert todo.create_item(first.value.id, TodoItemWrite(name="x"), idempotency_key=item_key).value.id == item.value.id
    assert [i.id for i in todo.items(first.value.id)] == [item.value.id]
    with pytest.raises(ProblemError) as reused:
        todo.create_list(TodoListWrite(name="another body"), idempotency_key=key)
    _problem(reused.value, 422, "idempotency-key-reused")
    assert [lst.id for lst in todo.lists()].count(first.value.id) == 1


def test_invalid_values_are_a_422_problem_naming_the_field(todo: Todo) -> None:
    with pytest.raises(ProblemError) as invalid:
        todo.create_list(TodoListWrite(name=""))
    _problem(invalid.value, 422, "validation-failed")
    assert [error["field"] for error in invalid.value.errors] == ["/name"]


def test_a_body_that_is_not_json_is_a_415_problem(todo: Todo, target: Target) -> None:
    raw = todo.client.get_httpx_client().post("/lists", content=b"name=x", headers={"Content-Type": "text/plain"})
    response: Response[Any] = Response(
        status_code=HTTPStatus(raw.status_code), content=raw.content, headers=raw.headers, parsed=None
    )
    error = problem_of(response)
    _problem(error, 415, "unsupported-media-type")


def test_the_served_document_is_the_committed_contract(todo: Todo) -> None:
    import json

    from apicontract.document import CONTRACT

    served = get_open_api.sync_detailed(client=todo.client)
    assert served.status_code == 200
    document = json.loads(served.content)
    committed = json.loads(CONTRACT.read_text(encoding="utf-8"))
    assert {**document, "servers": None} == {**committed, "servers": None}


async def test_the_async_client_pages_creates_and_surfaces_conflicts(atodo: AsyncTodo) -> None:
    async with atodo:
        read = await atodo.create_list(TodoListWrite(name="async"))
        created = [(await atodo.create_item(read.value.id, TodoItemWrite(name=f"a{n}"))).value for n in range(3)]
        assert [item.id async for item in atodo.items(read.value.id, page_size=2)] == [i.id for i in created]
        assert read.value.id in [lst.id async for lst in atodo.lists(page_size=1)]
        renamed = await atodo.update_list(read, TodoListPatch(name="renamed"))
        with pytest.raises(ConflictError):
            await atodo.replace_list(read, TodoListWrite(name="stale"))
        item = await atodo.get_item(read.value.id, created[0].id)
        done = await atodo.update_item(item, TodoItemPatch(state=ItemState.DONE))
        with pytest.raises(ConflictError):
            await atodo.replace_item(item, TodoItemWrite(name="stale"))
        moved = await atodo.set_state(read.value.id, ItemState.INPROGRESS, [created[1].id])
        assert [i.state for i in moved] == [ItemState.INPROGRESS]
        assert [i.id async for i in atodo.items(read.value.id, ItemState.DONE)] == [done.value.id]
        await atodo.delete_item(done)
        await atodo.delete_list(await atodo.get_list(renamed.value.id))
        with pytest.raises(NotFoundError):
            await atodo.get_list(read.value.id)


def test_the_readmes_five_line_example_runs_as_written(target: Target, capsys: pytest.CaptureFixture[str]) -> None:
    import re

    from apicontract.document import ROOT

    if not target.local:
        pytest.skip("the README's example names the local host")
    example = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.DOTALL)
    assert example is not None
    code = example.group(1)
    assert len(code.splitlines()) == 5
    exec(code.replace("http://127.0.0.1:7071/api", target.base_url), {})  # noqa: S102
    assert capsys.readouterr().out == "['Milk']\n"
