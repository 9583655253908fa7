"""Each request is logged once, as JSON, with the id the response carries."""

from __future__ import annotations

import json

import azure.functions as func
import pytest

from functions.lists import get_list


async def test_request_log_line_is_json_with_the_response_request_id(caplog: pytest.LogCaptureFixture) -> None:
    request = func.HttpRequest(
        "GET",
        "http://127.0.0.1/api/lists/bad",
        headers={"X-Request-Id": "req-42"},
        route_params={"listId": "bad"},
        body=b"",
    )
    with caplog.at_level("INFO", logger="todo.api"):
        response = await get_list(request)
    assert response.status_code == 400
    assert response.headers["X-Request-Id"] == "req-42"
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "todo.api"]
    assert lines == [
        {
            "event": "request",
            "requestId": "req-42",
            "method": "GET",
            "url": "/api/lists/bad",
            "status": 400,
            "durationMs": lines[0]["durationMs"],
            "storageCalls": 0,
        }
    ]


async def test_an_unhandled_error_is_logged_with_the_request_id_and_answered_without_details(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shared.wiring

    class Broken:
        async def get_list(self, owner: str, list_id: str) -> None:
            raise RuntimeError("secret internals")

    monkeypatch.setattr(shared.wiring, "_service", Broken())
    request = func.HttpRequest(
        "GET",
        "http://127.0.0.1/api/lists/" + "0" * 32,
        headers={"X-Request-Id": "req-500"},
        route_params={"listId": "0" * 32},
        body=b"",
    )
    with caplog.at_level("INFO", logger="todo.api"):
        response = await get_list(request)
    assert response.status_code == 500 and b"secret internals" not in response.get_body()
    failure = next(r for r in caplog.records if r.exc_info)
    assert json.loads(failure.getMessage()) == {"event": "unhandled-error", "requestId": "req-500"}
