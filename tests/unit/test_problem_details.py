"""What every response of shared/web/handler.py's api_handler carries, in process: problem documents
(RFC 9457) with their titles and details, the status each domain error maps to, the request
deadline and its 503, request ids from X-Request-Id or traceparent, Server-Timing, the log line,
HEAD, and the 405 guards. Each handler is wrapped inside its test, so the wrapping itself runs
under test (it is import-time code in the real app)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import azure.functions as func
import pytest

import shared.web.handler as handler_module
from shared.domain.errors import (
    IdempotencyKeyReused,
    NotFound,
    PreconditionFailed,
    StorageUnavailable,
    TodoError,
    UnknownItems,
)
from shared.platform.token_settings import TokenPolicy
from shared.storage import client as storage
from shared.web.call import ApiCall
from shared.web.handler import api_handler, public_handler
from shared.web.headers import EXPOSED_HEADERS
from shared.web.problems import HttpProblem, problem_response
from shared.web.routes import guard_other_methods, method_not_allowed
from tests.unit.http_requests import problem, request, settings

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TITLES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    411: "Length Required", 412: "Precondition Failed", 413: "Content Too Large", 415: "Unsupported Media Type",
    422: "Unprocessable Content", 500: "Internal Server Error", 503: "Service Unavailable",
}  # fmt: skip
Handler = Callable[[ApiCall], Awaitable[func.HttpResponse]]


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Settings as api_handler reads them, per test."""

    def apply(**changes: Any) -> None:
        chosen = settings(**changes)
        monkeypatch.setattr(handler_module, "get_settings", lambda: chosen)

    apply()
    return apply


def run(pending: Awaitable[func.HttpResponse]) -> func.HttpResponse:
    async def wait() -> func.HttpResponse:
        return await pending

    return asyncio.run(wait())


def serve(handler: Handler, req: func.HttpRequest | None = None, public: bool = False) -> func.HttpResponse:
    wrapped = public_handler(handler) if public else api_handler(handler)
    return run(wrapped(req or request()))


def raising(error: BaseException) -> Handler:
    async def handler(call: ApiCall) -> func.HttpResponse:
        raise error

    return handler


async def ok(call: ApiCall) -> func.HttpResponse:
    body = json.dumps({"owner": call.owner}).encode()
    return func.HttpResponse(body=body, status_code=200, mimetype="application/json")


# Problem documents ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(TITLES))
def test_problem_document_has_type_title_status_detail_and_no_store(status: int) -> None:
    response = problem_response(status, "some-kind", "what went wrong", {"parameter": "x"}, {"Allow": "GET"})
    assert problem(response) == {
        "type": "urn:problem-type:todo-api:some-kind",
        "title": TITLES[status],
        "status": status,
        "detail": "what went wrong",
        "parameter": "x",
    }
    expected = {"Cache-Control": "no-store", "Allow": "GET"}
    if status == 503:
        expected["Retry-After"] = "2"
    assert dict(response.headers) == expected


def test_status_without_a_known_title_is_titled_error() -> None:
    assert problem(problem_response(418, "teapot", "short and stout"))["title"] == "Error"
    assert dict(problem_response(418, "teapot", "d").headers) == {"Cache-Control": "no-store"}


def test_domain_error_keeps_its_detail_and_extensions() -> None:
    error = UnknownItems("some ids are unknown", unknownIds=["a"])
    assert (str(error), error.detail, error.extensions) == ("some ids are unknown", "some ids are unknown",
                                                             {"unknownIds": ["a"]})  # fmt: skip


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [(NotFound("the list does not exist"), 404, "not-found"),
     (PreconditionFailed("the resource has changed"), 412, "precondition-failed"),
     (UnknownItems("unknown ids", unknownIds=["f" * 32]), 404, "unknown-items"),
     (IdempotencyKeyReused("reused"), 422, "idempotency-key-reused"),
     (StorageUnavailable("storage answered 500"), 503, "storage-unavailable"),
     (TodoError("a new kind of domain error"), 500, "internal-error")],
)  # fmt: skip
def test_domain_errors_map_to_their_status_and_keep_their_detail(
    configure: Callable[..., None], error: TodoError, status: int, kind: str
) -> None:
    response = serve(raising(error))
    document = problem(response)
    assert (response.status_code, document["type"], document["title"]) == (
        status, f"urn:problem-type:todo-api:{kind}", TITLES[status])  # fmt: skip
    assert document["detail"] == error.detail
    assert {k: v for k, v in document.items() if k not in ("type", "title", "status", "detail")} == error.extensions
    assert ("Retry-After" in response.headers) == (status == 503)


def test_http_problem_keeps_its_headers_and_extensions(configure: Callable[..., None]) -> None:
    refused = HttpProblem(401, "unauthenticated", "who are you", hint="sign in")
    refused.headers["WWW-Authenticate"] = 'Bearer realm="todo-api"'
    response = serve(raising(refused))
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == 'Bearer realm="todo-api"'
    assert problem(response) == {"type": "urn:problem-type:todo-api:unauthenticated", "title": "Unauthorized",
                                 "status": 401, "detail": "who are you", "hint": "sign in"}  # fmt: skip


def test_unexpected_error_is_500_with_the_request_id_and_logged(
    configure: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="todo.api"):
        response = serve(raising(KeyError("boom")), request(headers={"X-Request-Id": "req-42"}))
    assert response.status_code == 500
    assert problem(response) == {"type": "urn:problem-type:todo-api:internal-error", "title": "Internal Server Error",
                                 "status": 500, "detail": "an unexpected error occurred; it has been logged",
                                 "requestId": "req-42"}  # fmt: skip
    failure = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failure) == 1 and failure[0].exc_info is not None
    assert json.loads(failure[0].getMessage()) == {"event": "unhandled-error", "requestId": "req-42"}


# Deadline ------------------------------------------------------------------------------------


def test_request_deadline_cuts_a_hung_storage_call_to_503(configure: Callable[..., None]) -> None:
    configure(storage_timeout_seconds=0.05)

    async def hangs(call: ApiCall) -> func.HttpResponse:
        await asyncio.sleep(5)
        raise AssertionError("the deadline did not stop the handler")

    started = time.perf_counter()
    response = serve(hangs)
    assert time.perf_counter() - started < 2
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert problem(response)["detail"] == "storage did not answer in time"
    assert problem(response)["type"] == "urn:problem-type:todo-api:storage-unavailable"


def test_handler_finishing_within_the_deadline_is_not_cut(configure: Callable[..., None]) -> None:
    configure(storage_timeout_seconds=1.0)

    async def quick(call: ApiCall) -> func.HttpResponse:
        await asyncio.sleep(0.01)
        return await ok(call)

    assert serve(quick).status_code == 200


def test_timeout_raised_inside_the_handler_is_503_too(configure: Callable[..., None]) -> None:
    response = serve(raising(TimeoutError()))
    assert response.status_code == 503 and problem(response)["detail"] == "storage did not answer in time"


# Admission -----------------------------------------------------------------------------------


def test_misconfigured_deployment_refuses_data_but_serves_public_documents(configure: Callable[..., None]) -> None:
    configure(configuration_fault="TODO_CURSOR_KEY is not set")
    refused = serve(ok)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "2"
    document = problem(refused)
    assert document["type"] == "urn:problem-type:todo-api:misconfigured"
    assert document["detail"] == "the service is not configured correctly; try again later"
    assert "TODO_CURSOR_KEY" not in refused.get_body().decode()
    assert serve(ok, public=True).status_code == 200


def test_the_gateways_token_is_required_only_when_configured(configure: Callable[..., None]) -> None:
    policy = TokenPolicy("tenant", ("api://x",), "abc", keys_url="http://127.0.0.1:9/keys")
    configure(trusted_caller_id="abc", caller_token=policy)
    for headers in ({}, {"X-MS-CLIENT-PRINCIPAL-ID": "abc"}, {"Authorization": "Basic abc"}):
        refused = serve(ok, request(headers=headers))  # principal headers alone are never enough
        assert refused.status_code == 401
        assert problem(refused)["detail"] == (
            "a bearer token from the API's gateway is required; this API is called through its gateway only"
        )
        assert problem(refused)["type"] == "urn:problem-type:todo-api:invalid-token"
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="todo-api"'
    assert serve(ok, request(), public=True).status_code == 200
    configure(trusted_caller_id=None, caller_token=None)
    assert serve(ok, request(headers={"X-MS-CLIENT-PRINCIPAL-ID": "other"})).status_code == 200


def test_owner_header_reaches_the_handler_only_for_data_requests(configure: Callable[..., None]) -> None:
    assert json.loads(serve(ok, request(headers={"X-Todo-Owner": "alice"})).get_body()) == {"owner": "alice"}
    public = serve(ok, request(headers={"X-Todo-Owner": "bad owner!"}), public=True)
    assert json.loads(public.get_body()) == {"owner": "local-developer"}
    assert serve(ok, request(headers={"X-Todo-Owner": "bad owner!"})).status_code == 400


# Request ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"X-Request-Id": "abc.DEF_1:2-3"}, "abc.DEF_1:2-3"),
     ({"X-Request-Id": "r" * 128, "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}, "r" * 128),
     ({"X-Request-Id": "r" * 129, "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}, TRACE_ID),
     ({"X-Request-Id": "has space", "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}, TRACE_ID),
     ({"traceparent": f" 00-{TRACE_ID.upper()}-00F067AA0BA902B7-01 "}, TRACE_ID)],
)  # fmt: skip
def test_request_id_is_the_callers_or_the_trace_id(
    configure: Callable[..., None], headers: dict[str, str], expected: str
) -> None:
    assert serve(ok, request(headers=headers)).headers["X-Request-Id"] == expected


@pytest.mark.parametrize(
    "traceparent",
    [f"00-{'0' * 32}-00f067aa0ba902b7-01", f"00-{TRACE_ID}-00f067aa0ba902b7", f"00-{TRACE_ID[:-1]}-00f067aa0ba902b7-01",
     "garbage", ""],
)  # fmt: skip
def test_all_zero_or_malformed_traceparent_starts_a_new_trace(configure: Callable[..., None], traceparent: str) -> None:
    first = serve(ok, request(headers={"traceparent": traceparent}))
    second = serve(ok, request(headers={"traceparent": traceparent}))
    assert first.status_code == 200
    for response in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
        assert response.headers["X-Request-Id"] not in ("0" * 32, TRACE_ID, TRACE_ID[:-1])
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


# Headers on every response, HEAD, Server-Timing and the log line --------------------------------


def test_every_response_carries_request_id_nosniff_and_exposed_headers(configure: Callable[..., None]) -> None:
    for handler in (ok, raising(NotFound("gone"))):
        response = serve(handler, request(headers={"X-Request-Id": "r1"}))
        assert response.headers["X-Request-Id"] == "r1"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Access-Control-Expose-Headers"] == EXPOSED_HEADERS
    assert EXPOSED_HEADERS == "ETag, Location, Link, Retry-After, X-Request-Id, Idempotent-Replayed"


def test_head_answers_like_get_without_the_content(configure: Callable[..., None]) -> None:
    async def with_headers(call: ApiCall) -> func.HttpResponse:
        return func.HttpResponse(body=b"[1]", status_code=203, headers={"ETag": '"e"'}, mimetype="application/json")

    head = serve(with_headers, request("HEAD"))
    assert (head.status_code, head.get_body(), head.mimetype) == (203, b"", "application/json")
    assert head.headers["ETag"] == '"e"' and head.headers["X-Request-Id"]
    assert serve(with_headers, request("GET")).get_body() == b"[1]"
    assert problem(serve(raising(NotFound("gone")), request("GET")))["detail"] == "gone"
    assert serve(raising(NotFound("gone")), request("HEAD")).get_body() == b""


def test_server_timing_reports_the_function_and_its_storage_calls(configure: Callable[..., None]) -> None:
    async def two_storage_calls(call: ApiCall) -> func.HttpResponse:
        for _ in range(2):
            sent = SimpleNamespace(context={})
            storage._count_request(sent)
            await asyncio.sleep(0.01)
            storage._time_response(sent)
        return await ok(call)

    assert "Server-Timing" not in serve(two_storage_calls).headers
    configure(server_timing=True)
    timing = serve(two_storage_calls).headers["Server-Timing"]
    match = re.fullmatch(r'app;dur=(\d+\.\d);desc="function", storage;desc="2 calls";dur=(\d+\.\d)', timing)
    assert match, timing
    app_ms, storage_ms = float(match.group(1)), float(match.group(2))
    assert 20 <= storage_ms <= app_ms < 2000


def test_each_request_is_logged_once_as_json(configure: Callable[..., None], caplog: pytest.LogCaptureFixture) -> None:
    async def one_storage_call(call: ApiCall) -> func.HttpResponse:
        storage._count_request(SimpleNamespace(context={}))
        return await ok(call)

    with caplog.at_level(logging.INFO, logger="todo.api"):
        serve(one_storage_call, request("GET", "/lists?top=1", headers={"X-Request-Id": "r9"}))
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "todo.api"]
    assert len(lines) == 1
    line = lines[0]
    assert {k: v for k, v in line.items() if k != "durationMs"} == {
        "event": "request", "requestId": "r9", "method": "GET", "url": "/api/lists", "status": 200,
        "storageCalls": 1}  # fmt: skip
    assert isinstance(line["durationMs"], float) and 0 <= line["durationMs"] < 2000


def test_wrapped_function_looks_like_the_handler_to_the_worker() -> None:
    async def get_list(call: ApiCall) -> func.HttpResponse:
        """Read one list."""
        return await ok(call)

    wrapped = api_handler(get_list)
    assert (wrapped.__name__, wrapped.__qualname__, wrapped.__doc__) == ("get_list", "get_list", "Read one list.")
    assert wrapped.__annotations__ == {"req": func.HttpRequest, "return": func.HttpResponse}


# 405 guards ----------------------------------------------------------------------------------


def test_guard_answers_405_with_allow_and_options_with_204(configure: Callable[..., None]) -> None:
    guard = method_not_allowed(["GET", "HEAD"])
    refused = run(guard(request("DELETE")))
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert problem(refused)["detail"] == "this resource supports GET, HEAD, OPTIONS"
    assert problem(refused)["type"] == "urn:problem-type:todo-api:method-not-allowed"
    options = run(guard(request("OPTIONS")))
    assert options.status_code == 204 and options.get_body() == b""
    assert options.headers["Allow"] == "GET, HEAD, OPTIONS" and options.headers["Cache-Control"] == "no-store"
    configure(configuration_fault="broken")  # the guard is public: it answers even then
    assert run(guard(request("OPTIONS"))).status_code == 204


def test_guard_is_registered_for_every_method_the_route_does_not_serve() -> None:
    blueprint = func.Blueprint()  # type: ignore[no-untyped-call]
    guard_other_methods(blueprint, "lists/{listId}/items", ["GET", "HEAD", "POST"], func.AuthLevel.ANONYMOUS)
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
    app.register_functions(blueprint)
    (function,) = app.get_functions()
    trigger: Any = function.get_trigger()
    assert function.get_function_name() == "lists_listid_items_other_methods"
    assert trigger.route == "lists/{listId}/items"
    methods = [str(getattr(m, "value", m)) for m in trigger.methods]
    assert methods == ["PUT", "PATCH", "DELETE", "OPTIONS"]
    assert trigger.auth_level == func.AuthLevel.ANONYMOUS
    response = run(function.get_user_function()(request("PUT")))
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


# Exact values the timing and naming rules produce ----------------------------------------------


def test_durations_are_milliseconds_of_the_monotonic_clock(
    configure: Callable[..., None], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    configure(server_timing=True)
    # Readings: request start, storage call sent, storage call answered, request end.
    readings = iter([100.0, 100.1, 100.35, 100.5123456])
    monkeypatch.setattr(time, "perf_counter", lambda: next(readings))

    async def one_storage_call(call: ApiCall) -> func.HttpResponse:
        sent = SimpleNamespace(context={})
        storage._count_request(sent)
        storage._time_response(sent)
        return await ok(call)

    with caplog.at_level(logging.INFO, logger="todo.api"):
        response = serve(one_storage_call)
    assert response.headers["Server-Timing"] == 'app;dur=512.3;desc="function", storage;desc="1 calls";dur=250.0'
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "todo.api"]
    assert line["durationMs"] == 512.35


def test_handler_sees_the_request_id_of_its_response(configure: Callable[..., None]) -> None:
    seen: list[str] = []

    async def records(call: ApiCall) -> func.HttpResponse:
        seen.append(call.request_id)
        return await ok(call)

    response = serve(records, request(headers={"X-Request-Id": "r-7"}))
    assert seen == ["r-7"] == [response.headers["X-Request-Id"]]


def test_handler_without_a_name_is_registered_as_handler() -> None:
    class Callable_:
        async def __call__(self, call: ApiCall) -> func.HttpResponse:
            return await ok(call)

    assert api_handler(Callable_()).__name__ == "handler"


def test_problem_exception_message_is_its_detail() -> None:
    assert str(HttpProblem(400, "kind", "the detail")) == "the detail"


def test_guard_name_drops_separators_at_both_ends_of_the_route() -> None:
    blueprint = func.Blueprint()  # type: ignore[no-untyped-call]
    guard_other_methods(blueprint, "/lists/{listId}", ["GET"], func.AuthLevel.ANONYMOUS)
    app = func.FunctionApp()
    app.register_functions(blueprint)
    assert [f.get_function_name() for f in app.get_functions()] == ["lists_listid_other_methods"]
