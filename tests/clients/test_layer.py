"""The client layer's own rules, against a stand-in transport (no server): retries of a creation
keep their Idempotency-Key, answers that are not problem documents still raise, Link parsing, and
an import's requests are cut by lines and bytes, each with its own key, retried with it."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from todo_client import AsyncTodo, Client, ImportSummary, ProblemError, Todo, TodoListWrite

LIST = {"id": "1" * 32, "name": "a", "createdDate": "2026-12-06T00:00:00Z", "updatedDate": "2026-12-06T00:00:00Z"}
Handler = Callable[[httpx.Request], httpx.Response]


def _todo(handler: Handler, retries: int = 2) -> Todo:
    client = Client(base_url="http://api.invalid/api").set_httpx_client(
        httpx.Client(base_url="http://api.invalid/api", transport=httpx.MockTransport(handler))
    )
    return Todo(client=client, retries=retries)


def _answers(*answers: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


def _created() -> httpx.Response:
    return httpx.Response(201, json=LIST, headers={"ETag": '"e1"'})


def test_a_creation_is_retried_after_a_503_and_a_lost_connection_with_the_same_key() -> None:
    handler, seen = _answers(
        httpx.Response(
            503,
            json={"type": "t", "title": "t", "status": 503, "detail": "d"},
            headers={"Retry-After": "0"},
        ),
        httpx.ConnectError("reset"),
        _created(),
    )
    created = _todo(handler).create_list(TodoListWrite(name="a"))
    assert created.value.id == LIST["id"] and created.etag == '"e1"'
    keys = {request.headers["Idempotency-Key"] for request in seen}
    assert len(seen) == 3 and len(keys) == 1 and len(keys.pop()) == 36


def test_each_creation_gets_its_own_key_unless_given() -> None:
    handler, seen = _answers(_created(), _created(), _created())
    todo = _todo(handler)
    todo.create_list(TodoListWrite(name="a"))
    todo.create_list(TodoListWrite(name="a"))
    todo.create_list(TodoListWrite(name="a"), idempotency_key="mine")
    keys = [request.headers["Idempotency-Key"] for request in seen]
    assert keys[0] != keys[1] and keys[2] == "mine"


def test_retries_stop_at_the_limit_and_raise_the_last_problem() -> None:
    busy = httpx.Response(
        503, json={"type": "urn:x", "title": "Busy", "status": 503, "detail": "d"}, headers={"Retry-After": "0"}
    )
    handler, seen = _answers(busy, busy)
    with pytest.raises(ProblemError) as error:
        _todo(handler, retries=1).create_list(TodoListWrite(name="a"))
    assert len(seen) == 2 and error.value.status == 503 and error.value.retry_after == 0


def test_a_422_is_not_retried() -> None:
    handler, seen = _answers(httpx.Response(422, json={"type": "urn:v", "title": "T", "status": 422, "detail": "d"}))
    with pytest.raises(ProblemError):
        _todo(handler).create_list(TodoListWrite(name=""))
    assert len(seen) == 1


def test_an_answer_that_is_not_a_problem_document_still_raises_with_its_status() -> None:
    handler, _ = _answers(httpx.Response(429, text="Rate limit is exceeded. Try again in 5 seconds."))
    with pytest.raises(ProblemError) as error:
        _todo(handler).get_list(LIST["id"])
    assert (error.value.status, error.value.type, error.value.title) == (429, "about:blank", "Too Many Requests")
    assert error.value.detail.startswith("Rate limit is exceeded")


def test_pages_follow_the_cursor_of_the_next_link_until_there_is_none() -> None:
    link = '<http://api.invalid/api/lists?top=1&cursor=abc%2B1>; rel="next"'
    handler, seen = _answers(
        httpx.Response(200, json=[LIST], headers={"Link": link}),
        httpx.Response(200, json=[{**LIST, "id": "2" * 32}]),
    )
    assert [lst.id for lst in _todo(handler).lists(page_size=1)] == ["1" * 32, "2" * 32]
    assert [dict(request.url.params) for request in seen] == [
        {"top": "1", "skip": "0"},
        {"top": "1", "skip": "0", "cursor": "abc+1"},
    ]


async def test_the_async_creation_retries_with_the_same_key() -> None:
    keys: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 1:
            return httpx.Response(503, content=b"", headers={"Retry-After": "0"})
        return httpx.Response(201, content=json.dumps(LIST).encode(), headers={"ETag": '"e"'})

    client = Client(base_url="http://api.invalid/api").set_async_httpx_client(
        httpx.AsyncClient(base_url="http://api.invalid/api", transport=httpx.MockTransport(handler))
    )
    created = await AsyncTodo(client=client).create_list(TodoListWrite(name="a"))
    assert created.etag == '"e"' and len(keys) == 2 and keys[0] == keys[1]


def _imported(created: int, replayed: bool = False) -> httpx.Response:
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return httpx.Response(200, json={"created": created, "unchanged": 0}, headers=headers)


def test_an_import_request_is_retried_with_its_key_and_body_and_each_request_has_its_own_key() -> None:
    busy = httpx.Response(
        503, json={"type": "t", "title": "t", "status": 503, "detail": "d"}, headers={"Retry-After": "0"}
    )
    handler, seen = _answers(busy, httpx.ConnectError("reset"), _imported(2), _imported(1, replayed=True))
    summary = _todo(handler).import_lines([b'{"a":1}\n', b'{"b":2}\n', b'{"c":3}'], lines_per_request=2)
    assert summary == ImportSummary(created=3, unchanged=0, requests=2, replayed=1)
    assert [request.read() for request in seen] == [b'{"a":1}\n{"b":2}\n'] * 3 + [b'{"c":3}\n']
    keys = [request.headers["Idempotency-Key"] for request in seen]
    assert keys[0] == keys[1] == keys[2] != keys[3]
    assert all(request.headers["Content-Length"] for request in seen), "never chunked: the host drops it"


def test_an_import_is_cut_by_bytes_too_and_a_given_key_numbers_its_requests() -> None:
    handler, seen = _answers(_imported(2), _imported(1))
    _todo(handler).import_lines([b"x" * 10 + b"\n", b"y" * 10 + b"\n", b"z\n"], idempotency_key="k", max_bytes=22)
    assert [(request.headers["Idempotency-Key"], request.read()) for request in seen] == [
        ("k-1", b"xxxxxxxxxx\nyyyyyyyyyy\n"),
        ("k-2", b"z\n"),
    ]


def test_a_refused_import_request_is_not_retried_and_says_what_was_written_before_it() -> None:
    refused = httpx.Response(422, json={"type": "urn:v", "title": "T", "status": 422, "detail": "d"})
    handler, seen = _answers(_imported(1), refused)
    with pytest.raises(ProblemError) as error:
        _todo(handler).import_lines([b"{}\n", b"{}\n"], lines_per_request=1)
    assert len(seen) == 2 and error.value.status == 422
    assert error.value.__notes__ == [
        "import request 2 failed; the 1 before it were written: "
        "ImportSummary(created=1, unchanged=0, requests=1, replayed=0)"
    ]
