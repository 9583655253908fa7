"""The local host behaves like the Functions host for any FunctionApp, not just ours."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import azure.functions as func
import pytest
from aiohttp import web

from devhost.server import HostConfig, LocalFunctionsHost
from tests.support import free_port


def _sample_app() -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

    @app.route(route="things/{id:int}", methods=["GET"])
    def get_thing(req: func.HttpRequest) -> func.HttpResponse:  # sync: runs in a thread
        return func.HttpResponse(f"thing {req.route_params['id']}")

    @app.route(route="things/special", methods=["GET"])
    async def special(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("literal wins")

    @app.route(route="boom", methods=["GET"])
    async def boom(req: func.HttpRequest) -> func.HttpResponse:
        raise RuntimeError("secret internals")

    @app.route(route="open", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    async def open_function(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("open")

    return app


@pytest.fixture
async def sample_host() -> AsyncIterator[str]:
    host = LocalFunctionsHost(_sample_app(), HostConfig(route_prefix="api", require_keys=True, function_key="k1"))
    runner = web.AppRunner(host.web_app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/api"
    await runner.cleanup()


async def _get(url: str, method: str = "GET", **headers: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.request(method, url, headers=headers) as response:
        return response.status, await response.text()


async def test_sync_functions_and_constraints_and_literal_precedence(sample_host: str) -> None:
    assert await _get(f"{sample_host}/THINGS/12", **{"x-functions-key": "k1"}) == (200, "thing 12")
    assert await _get(f"{sample_host}/things/special?code=k1") == (200, "literal wins")
    assert (await _get(f"{sample_host}/things/abc?code=k1"))[0] == 404


async def test_wrong_method_is_404_like_the_real_host(sample_host: str) -> None:
    assert (await _get(f"{sample_host}/things/1?code=k1", method="DELETE"))[0] == 404


async def test_missing_or_wrong_key_is_401_with_empty_body(sample_host: str) -> None:
    assert await _get(f"{sample_host}/things/1") == (401, "")
    assert await _get(f"{sample_host}/things/1", **{"x-functions-key": "wrong"}) == (401, "")
    assert await _get(f"{sample_host}/open") == (200, "open")


async def test_unhandled_exception_is_500_with_empty_body(sample_host: str) -> None:
    assert await _get(f"{sample_host}/boom?code=k1") == (500, "")


async def test_requests_are_served_concurrently(sample_host: str) -> None:
    results = await asyncio.gather(*(_get(f"{sample_host}/things/{n}?code=k1") for n in range(20)))
    assert [r[1] for r in results] == [f"thing {n}" for n in range(20)]
