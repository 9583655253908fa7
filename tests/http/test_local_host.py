"""The local host behaves like the Functions host for any FunctionApp, not just ours: it hands
functions the request the host would, converts answers with the worker's own converter, tries
functions in name order, refuses apps the host would refuse, and passes `context`."""

from __future__ import annotations

import asyncio
import functools
import http.client
import json
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import azure.functions as func
import pytest
from aiohttp import web
from azure.functions.http import HttpResponseConverter

from devhost.registration import RegistrationError
from devhost.server import HostConfig, LocalFunctionsHost
from tests.support import free_port

# Headers the HTTP server itself writes (Kestrel in Azure, aiohttp here), not the worker.
TRANSPORT_HEADERS = {"date", "server", "content-length", "transfer-encoding", "connection", "keep-alive"}


@asynccontextmanager
async def serving(app: func.FunctionRegister, **config: Any) -> AsyncIterator[tuple[str, int]]:
    host = LocalFunctionsHost(app, HostConfig(route_prefix="api", **config))
    runner = web.AppRunner(host.web_app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield "127.0.0.1", port
    finally:
        await runner.cleanup()


def _exchange(
    address: tuple[str, int],
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes | Iterable[bytes] | None = None,
    chunked: bool = False,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One request over a real socket; headers may repeat; the body may be sent chunked."""
    connection = http.client.HTTPConnection(*address, timeout=30)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if chunked:
            connection.putheader("Transfer-Encoding", "chunked")
        elif isinstance(body, bytes):
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders()
        if chunked:
            for chunk in body or []:
                assert isinstance(chunk, bytes)
                connection.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            connection.send(b"0\r\n\r\n")
        elif isinstance(body, bytes):
            connection.send(body)
        answer = connection.getresponse()
        return answer.status, answer.getheaders(), answer.read()
    finally:
        connection.close()


# The client's own threads: the host runs sync functions on the loop's default executor.
_CLIENT_THREADS = ThreadPoolExecutor(max_workers=24, thread_name_prefix="test-client")


async def exchange(*args: Any, **kwargs: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    call = functools.partial(_exchange, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_CLIENT_THREADS, call)


def _sample_app() -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

    @app.route(route="things/{id:int}", methods=["GET"])
    def get_thing(req: func.HttpRequest) -> func.HttpResponse:  # sync: runs in a thread
        return func.HttpResponse(f"thing {req.route_params['id']}")

    @app.route(route="things/special", methods=["GET"])
    async def special(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("special")

    @app.route(route="boom", methods=["GET"])
    async def boom(req: func.HttpRequest) -> func.HttpResponse:
        raise RuntimeError("secret internals")

    @app.route(route="open", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    async def open_function(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("open")

    return app


@pytest.fixture
async def sample_host() -> AsyncIterator[tuple[str, int]]:
    async with serving(_sample_app(), require_keys=True, function_key="k1") as address:
        yield address


async def _get(address: tuple[str, int], path: str, method: str = "GET", **headers: str) -> tuple[int, str]:
    status, _headers, body = await exchange(address, method, "/api" + path, headers.items())
    return status, body.decode()


async def test_sync_functions_constraints_and_case_insensitive_paths(sample_host: tuple[str, int]) -> None:
    assert await _get(sample_host, "/THINGS/12", **{"x-functions-key": "k1"}) == (200, "thing 12")
    assert await _get(sample_host, "/things/special?code=k1") == (200, "special")
    assert (await _get(sample_host, "/things/abc?code=k1"))[0] == 404


async def test_wrong_method_is_404_like_the_real_host(sample_host: tuple[str, int]) -> None:
    assert (await _get(sample_host, "/things/1?code=k1", method="DELETE"))[0] == 404


async def test_missing_or_wrong_key_is_401_with_empty_body(sample_host: tuple[str, int]) -> None:
    assert await _get(sample_host, "/things/1") == (401, "")
    assert await _get(sample_host, "/things/1", **{"x-functions-key": "wrong"}) == (401, "")
    assert await _get(sample_host, "/open") == (200, "open")


async def test_unhandled_exception_is_500_with_empty_body(sample_host: tuple[str, int]) -> None:
    assert await _get(sample_host, "/boom?code=k1") == (500, "")


async def test_requests_are_served_concurrently(sample_host: tuple[str, int]) -> None:
    results = await asyncio.gather(*(_get(sample_host, f"/things/{n}?code=k1") for n in range(20)))
    assert [r[1] for r in results] == [f"thing {n}" for n in range(20)]


# Route order --------------------------------------------------------------------------------


def _overlapping_app(literal_name: str, parameter_name: str) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.function_name(literal_name)
    @app.route(route="x/special", methods=["GET"])
    async def literal(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("literal")

    @app.function_name(parameter_name)
    @app.route(route="x/{id}", methods=["GET"])
    async def parameter(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("parameter")

    return app


@pytest.mark.parametrize(("literal_name", "parameter_name", "winner"), [("b", "a", "parameter"), ("a", "b", "literal")])
async def test_the_first_function_by_name_wins_not_the_literal_segment(
    literal_name: str, parameter_name: str, winner: str
) -> None:
    async with serving(_overlapping_app(literal_name, parameter_name)) as address:
        assert await _get(address, "/x/special") == (200, winner)
        assert await _get(address, "/x/other") == (200, "parameter")


# Request conversion -------------------------------------------------------------------------


def _echo_app() -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="echo", methods=["GET", "POST"])
    async def echo(req: func.HttpRequest) -> func.HttpResponse:
        seen = {"headers": dict(req.headers), "params": dict(req.params), "body": req.get_body().decode()}
        return func.HttpResponse(json.dumps(seen), mimetype="application/json")

    return app


async def _echo(**kwargs: Any) -> dict[str, Any]:
    async with serving(_echo_app()) as address:
        status, _headers, body = await exchange(address, **kwargs)
    assert status == 200, body
    seen: dict[str, Any] = json.loads(body)
    return seen


async def test_header_names_arrive_lowercased_and_repeated_values_joined_with_commas() -> None:
    headers = [("X-Custom", "one"), ("x-custom", "two"), ("Accept", "a/b"), ("ACCEPT", "c/d")]
    seen = await _echo(method="GET", target="/api/echo", headers=headers)
    assert seen["headers"]["x-custom"] == "one,two"
    assert seen["headers"]["accept"] == "a/b,c/d"
    assert all(name == name.lower() for name in seen["headers"])


async def test_repeated_query_parameters_are_joined_and_empty_ones_dropped() -> None:
    seen = await _echo(method="GET", target="/api/echo?top=2&top=3&Top=4&empty=&bare&q=a+b%2Cc")
    assert seen["params"] == {"top": "2,3,4", "q": "a b,c"}


async def test_a_chunked_body_never_reaches_the_function_but_its_headers_do() -> None:
    seen = await _echo(method="POST", target="/api/echo", body=[b'{"name":', b'"x"}'], chunked=True)
    assert seen["body"] == ""
    assert seen["headers"]["transfer-encoding"] == "chunked"
    assert "content-length" not in seen["headers"]


async def test_a_body_with_content_length_reaches_the_function() -> None:
    seen = await _echo(method="POST", target="/api/echo", body=b'{"name":"x"}')
    assert seen["body"] == '{"name":"x"}'
    assert seen["headers"]["content-length"] == "12"


# Response conversion ------------------------------------------------------------------------

RESPONSES: dict[str, Callable[[], func.HttpResponse]] = {
    "json": lambda: func.HttpResponse(b"{}", mimetype="application/json"),
    "text": lambda: func.HttpResponse("hi"),
    "html-latin1": lambda: func.HttpResponse("hi", mimetype="text/html", charset="latin-1"),
    "explicit-type": lambda: func.HttpResponse(b"x", headers={"Content-Type": "application/x-custom; v=1"}),
    "no-content": lambda: func.HttpResponse(status_code=204, headers={"Cache-Control": "no-store"}),
    "not-modified": lambda: func.HttpResponse(status_code=304, headers={"ETag": '"a"', "Vary": "X-A"}),
    "created": lambda: func.HttpResponse(b"{}", status_code=201, headers={"Location": "/x"}, mimetype="text/json"),
}


def _responses_app() -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="answer/{kind}", methods=["GET"])
    async def answer(req: func.HttpRequest) -> func.HttpResponse:
        return RESPONSES[req.route_params["kind"]]()

    return app


def converted_headers(response: func.HttpResponse) -> dict[str, str]:
    """What the worker sends the host for this response (lowercased names)."""
    datum = HttpResponseConverter.encode(response, expected_type=func.HttpResponse)
    return {name.lower(): str(value.value) for name, value in datum.value["headers"].items()}


def wire_headers(headers: list[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers if name.lower() not in TRANSPORT_HEADERS}


async def test_responses_carry_exactly_the_headers_the_worker_converter_gives() -> None:
    async with serving(_responses_app()) as address:
        for kind, make in RESPONSES.items():
            status, headers, body = await exchange(address, "GET", f"/api/answer/{kind}")
            expected = make()
            assert status == expected.status_code, kind
            assert wire_headers(headers) == converted_headers(expected), kind
            assert body == (expected.get_body() if status not in (204, 304) else b""), kind


async def test_content_types_are_what_azure_sends() -> None:
    async with serving(_responses_app()) as address:
        types = {
            kind: dict(wire_headers((await exchange(address, "GET", f"/api/answer/{kind}"))[1]))["content-type"]
            for kind in ("json", "text", "html-latin1", "no-content", "not-modified")
        }
    assert types == {
        "json": "application/json",  # no charset: the converter adds one only to text/*
        "text": "text/plain; charset=utf-8",
        "html-latin1": "text/html; charset=latin-1",
        "no-content": "text/plain; charset=utf-8",  # added to any response without a type
        "not-modified": "text/plain; charset=utf-8",
    }


# Registration rules -------------------------------------------------------------------------


def _app_with(route: str, name: str = "fine", methods: tuple[str, ...] = ("GET",)) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.function_name(name)
    @app.route(route=route, methods=list(methods))
    async def handler(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("")

    return app


@pytest.mark.parametrize(
    ("app", "words"),
    [
        (_app_with("things", name="2things"), ["'2things'", "name must match"]),
        (_app_with("things", name="host"), ["'host'", "not be 'host'"]),
        (_app_with("admin/things"), ["'fine'", "reserved prefix"]),
        (_app_with("Runtime/x"), ["'fine'", "reserved prefix"]),
    ],
)
def test_the_host_refuses_an_app_the_real_host_would_refuse(app: func.FunctionApp, words: list[str]) -> None:
    with pytest.raises(RegistrationError) as refused:
        LocalFunctionsHost(app, HostConfig())
    assert all(word in str(refused.value) for word in words), str(refused.value)


def test_the_host_refuses_two_functions_on_one_route_and_method() -> None:
    app = _app_with("things", name="first", methods=("GET", "POST"))

    @app.function_name("second")
    @app.route(route="/Things/", methods=["POST"])
    async def second(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("")

    conflict = "'second': route '/Things/' and methods conflict with function 'first'"
    with pytest.raises(RegistrationError, match=conflict):
        LocalFunctionsHost(app, HostConfig())


def test_the_host_refuses_a_parameter_the_worker_cannot_bind() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="things/{id}", methods=["GET"])
    async def things(req: func.HttpRequest, id: str) -> func.HttpResponse:
        return func.HttpResponse("")

    with pytest.raises(RegistrationError, match="'things': Python parameters"):
        LocalFunctionsHost(app, HostConfig())


# Context ------------------------------------------------------------------------------------


async def test_a_function_declaring_context_gets_a_functions_context() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.function_name("who")
    @app.route(route="who", methods=["GET"])
    def who(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
        parent = context.trace_context.trace_parent
        return func.HttpResponse(f"{context.function_name} {len(context.invocation_id)} {parent}")

    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    async with serving(app) as address:
        assert await _get(address, "/who", traceparent=traceparent) == (200, f"who 36 {traceparent}")


async def test_an_asgi_function_app_runs_on_the_local_host() -> None:
    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        text = f"{scope['method']} {scope['path']}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": text})

    app = func.AsgiFunctionApp(app=asgi, http_auth_level=func.AuthLevel.ANONYMOUS)
    async with serving(app) as address:
        assert await _get(address, "/anything/here") == (200, "GET /api/anything/here")
    # Shut the ASGI app down on this loop: the library's __del__ would call asyncio.run() later.
    await asyncio.wait_for(app.middleware.notify_shutdown(), 5)  # type: ignore[no-untyped-call]
    app.startup_task_done = False
