"""The caller's data through the client layer, over a socket on the local host: export_lines follows
the export's links, import_lines cuts lines into keyed requests of at most 100 and sums their
answers, erase removes everything; sync and async alike.

Local host only: erase removes everything the caller owns, and behind the gateway the caller is the
token's real owner, not a fresh X-Todo-Owner."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from todo_client import (
    AsyncTodo,
    ImportSummary,
    ItemState,
    ProblemError,
    Todo,
    TodoItemPatch,
    TodoItemWrite,
    TodoListWrite,
)

from tests.clients.conftest import Target

IMPORT_CONFLICT = "urn:problem-type:todo-api:import-conflict"


@pytest.fixture(autouse=True)
def _local_only(target: Target) -> None:
    if not target.local:
        pytest.skip("erases everything its caller owns: run against the local host only")


def _id(n: int) -> str:
    return f"0190a1b2c3d4{n:020x}"


def _source(lists: int, items: int, *, first: int = 0, name: str = "list") -> list[bytes]:
    """Lines of `lists` lists, each followed by `items` items, ids ascending (the export's order)."""
    lines: list[bytes] = []
    n = first
    for _ in range(lists):
        list_id = _id(n)
        dates = {"createdDate": "2025-01-02T03:04:05Z", "updatedDate": "2025-01-03T03:04:05.5Z"}
        lines.append(json.dumps({"kind": "list", "id": list_id, "name": name, "description": None, **dates}).encode())
        for m in range(items):
            n += 1
            item = {"kind": "item", "id": _id(n), "listId": list_id, "name": f"item {m}", "state": "done", **dates}
            lines.append(json.dumps(item).encode() + b"\n")
        n += 1
    return lines


def _ids(lines: list[bytes]) -> list[str]:
    return [json.loads(line)["id"] for line in lines]


def _requests(todo: Todo) -> list[httpx.Request]:
    """The requests todo sends from now on (an httpx request hook on its generated client)."""
    seen: list[httpx.Request] = []
    todo.client.get_httpx_client().event_hooks["request"].append(seen.append)
    return seen


def _arequests(todo: AsyncTodo) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    async def record(request: httpx.Request) -> None:
        seen.append(request)

    todo.client.get_async_httpx_client().event_hooks["request"].append(record)
    return seen


def _body_lines(requests: list[httpx.Request]) -> Iterator[int]:
    return (request.read().count(b"\n") for request in requests if request.method == "POST")


def test_export_lines_follows_every_link_and_gives_each_line_once_as_served(todo: Todo) -> None:
    source = _source(3, 4)
    todo.import_lines(source)
    seen = _requests(todo)
    paged = list(todo.export_lines(page_size=4))
    assert len(seen) >= 4 and all("cursor=" in str(request.url) for request in seen[1:])
    assert _ids(paged) == _ids(source), "every list then its items, each once, in id order"
    assert all(line.endswith(b"\n") and line.count(b"\n") == 1 for line in paged)
    whole = todo.client.get_httpx_client().get("/me/export", params={"top": 1000})
    assert b"".join(paged) == whole.content, "the lines are the served bytes"


def test_erase_then_import_of_the_export_gives_the_same_export_byte_for_byte(todo: Todo) -> None:
    groceries = todo.create_list(TodoListWrite(name="Groceries", description="weekly")).value
    milk = todo.create_item(groceries.id, TodoItemWrite(name="Milk", description="oat"))
    todo.update_item(milk, TodoItemPatch(state=ItemState.DONE))
    todo.create_item(groceries.id, TodoItemWrite(name="Bread"))
    todo.create_list(TodoListWrite(name="Empty"))
    todo.import_lines(_source(2, 3, first=10))
    before = list(todo.export_lines(page_size=3))
    assert len(before) == 12
    todo.erase()
    assert list(todo.export_lines()) == []
    todo.erase()  # safe to repeat
    assert todo.import_lines(before) == ImportSummary(created=12, unchanged=0, requests=1, replayed=0)
    assert list(todo.export_lines(page_size=5)) == before
    assert todo.get_item(groceries.id, milk.value.id).value.state == ItemState.DONE


def test_an_import_of_more_than_100_lines_is_sent_in_order_in_requests_of_at_most_100(todo: Todo) -> None:
    source = _source(1, 150)  # the list in the first request, most of its items in the second
    seen = _requests(todo)
    assert todo.import_lines(source) == ImportSummary(created=151, unchanged=0, requests=2, replayed=0)
    assert list(_body_lines(seen)) == [100, 51]
    assert len({request.headers["Idempotency-Key"] for request in seen}) == 2
    assert _ids(list(todo.export_lines(page_size=1000))) == _ids(source)


def test_an_import_conflict_raises_a_409_problem_and_writes_nothing_of_that_request(todo: Todo) -> None:
    todo.import_lines(_source(1, 0))
    with pytest.raises(ProblemError) as conflict:
        todo.import_lines(_source(1, 0, name="other name") + _source(1, 2, first=5))
    assert (conflict.value.status, conflict.value.type) == (409, IMPORT_CONFLICT)
    assert conflict.value.conflicting_ids == [_id(0)]
    assert "import request 1 failed" in "".join(conflict.value.__notes__)
    exported = list(todo.export_lines())
    assert _ids(exported) == [_id(0)] and json.loads(exported[0])["name"] == "list"


def test_the_same_key_replays_each_request_and_the_summary_reports_it(todo: Todo) -> None:
    source = _source(2, 59)  # 120 lines: two requests
    first = todo.import_lines(source, idempotency_key="restore-1")
    assert first == ImportSummary(created=120, unchanged=0, requests=2, replayed=0)
    again = todo.import_lines(source, idempotency_key="restore-1")
    assert again == ImportSummary(created=120, unchanged=0, requests=2, replayed=2), "the first answers, replayed"
    fresh = todo.import_lines(source)
    assert fresh == ImportSummary(created=0, unchanged=120, requests=2, replayed=0)


async def test_the_async_client_exports_erases_and_imports_back_byte_for_byte(atodo: AsyncTodo) -> None:
    async with atodo:
        seen = _arequests(atodo)
        source = _source(1, 149)
        assert await atodo.import_lines(source) == ImportSummary(created=150, unchanged=0, requests=2, replayed=0)
        assert list(_body_lines(seen)) == [100, 50]
        seen.clear()
        before = [line async for line in atodo.export_lines(page_size=40)]
        assert len(seen) >= 4 and _ids(before) == _ids(source)
        await atodo.erase()
        assert [line async for line in atodo.export_lines()] == []
        assert (await atodo.import_lines(before)).created == 150
        assert [line async for line in atodo.export_lines(page_size=1000)] == before


async def test_the_async_client_reports_a_conflict_and_a_replay(atodo: AsyncTodo) -> None:
    async with atodo:
        source = _source(1, 2)
        assert await atodo.import_lines(source, idempotency_key="k") == ImportSummary(3, 0, 1, 0)
        assert await atodo.import_lines(source, idempotency_key="k") == ImportSummary(3, 0, 1, 1)
        with pytest.raises(ProblemError) as conflict:
            await atodo.import_lines(_source(1, 0, name="renamed"))
        assert (conflict.value.status, conflict.value.conflicting_ids) == (409, [_id(0)])
