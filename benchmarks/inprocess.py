"""Requests through the registered function objects, no HTTP: ours against the peer's (FastAPI
behind the ASGI bridge), each called as the worker calls it. CPU per request is process time
over sequential calls, so it counts every thread of this process and nothing else's."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import azure.functions as func
from azure.data.tables import TableClient

from benchmarks.common import OWNER, Config, closed_loop
from benchmarks.data import make_items, make_list
from devhost.server import HostedFunction, LocalContext, collect_functions

PROBES = ("get_item", "post_item")


# CPU rounds per probe, the apps taking turns in each: one app measured after the other, a busy
# moment of the machine once moved ours' code-only GET item from 0.054 to 0.087 ms with the peer's
# unchanged. The code-only probes make CODE_ONLY_FACTOR times more calls: at 0.05 ms a request,
# 300 calls are 15 ms of CPU, within reach of one garbage collection.
CPU_ROUNDS = 5
CODE_ONLY_FACTOR = 10


def planned_seconds(config: Config) -> float:
    cpu = CPU_ROUNDS * 2 * len(PROBES) * config.cpu_calls * (0.002 + CODE_ONLY_FACTOR * 0.0002)
    return 2 * len(PROBES) * 2 * config.seconds / 2 + cpu + 3


def _function(app: func.FunctionRegister, name: str) -> HostedFunction:
    return next(f for f in collect_functions(app, "api") if f.name == name)


def _caller(hosted: HostedFunction, make_request: Callable[[int], func.HttpRequest], status: int) -> Any:
    async def call(n: int) -> None:
        kwargs: dict[str, Any] = {"req": make_request(n)}
        if hosted.wants_context:
            kwargs["context"] = LocalContext(hosted, "")
        response = await hosted.handler(**kwargs)
        assert response.status_code == status, response.get_body()

    return call


def _requests(list_id: str, item_id: str) -> dict[str, tuple[Callable[[int], func.HttpRequest], int]]:
    headers = {"x-todo-owner": OWNER}
    item_url = f"http://127.0.0.1/api/lists/{list_id}/items/{item_id}"
    items_url = f"http://127.0.0.1/api/lists/{list_id}/items"
    item_params = {"listId": list_id, "itemId": item_id, "route": f"lists/{list_id}/items/{item_id}"}
    items_params = {"listId": list_id, "route": f"lists/{list_id}/items"}
    json_headers = {**headers, "content-type": "application/json", "content-length": "14"}
    return {
        "get_item": (lambda n: func.HttpRequest("GET", item_url, headers=headers, route_params=item_params,
                                                body=b""), 200),
        "post_item": (lambda n: func.HttpRequest("POST", items_url, headers=json_headers, route_params=items_params,
                                                 body=b'{"name":"cpu"}'), 201),
    }  # fmt: skip


async def _cpu_ms(call: Callable[[int], Awaitable[None]], calls: int) -> float:
    for n in range(max(5, calls // 10)):  # warm-up: first-call imports and caches are not per request
        await call(n)
    started = time.process_time()
    for n in range(calls):
        await call(n)
    return round((time.process_time() - started) / calls * 1000, 4)


async def in_process(config: Config, connection_string: str) -> dict[str, Any]:
    """GET item and POST item in ours and in the peer, both on our client configuration (the
    peer's own default client is compared over HTTP): with Azurite, and with in-memory
    repositories (the cost of the code alone)."""
    os.environ["TODO_STORAGE"] = connection_string
    os.environ["TODO_PEER_CLIENT"] = "ours"
    import benchmarks.peer.function_app as peer
    import function_app
    import shared.wiring as service_module
    from inmemory.repositories import FakeIdempotencyRepository, FakeItemRepository, FakeListRepository, FakeStore
    from shared.domain.models import TodoItemWrite, TodoListWrite
    from shared.platform.settings import reset_settings_cache
    from shared.service.todos import TodoService
    from shared.storage.client import close_table_client

    reset_settings_cache()
    table = TableClient.from_connection_string(connection_string, "todo")
    list_id = make_list(table)
    item_id = make_items(table, list_id, 1)[0]
    table.close()
    peer_function = _function(peer.app, "http_app_func")
    functions = {
        "ours": {"get_item": _function(function_app.app, "get_item"),
                 "post_item": _function(function_app.app, "create_item")},
        "peer": {"get_item": peer_function, "post_item": peer_function},
    }  # fmt: skip
    result: dict[str, Any] = {"cpu_ms_per_request": {}, "latency": {}}

    async def measure(kind: str, requests: dict[str, tuple[Callable[[int], func.HttpRequest], int]]) -> None:
        calls = config.cpu_calls * (CODE_ONLY_FACTOR if kind == "code_only" else 1)
        apps = list(functions)
        for probe in PROBES:
            make_request, status = requests[probe]
            callers = {app_name: _caller(functions[app_name][probe], make_request, status) for app_name in apps}
            key = f"{probe}_{kind}"
            rounds: dict[str, list[float]] = {app_name: [] for app_name in apps}
            for round_number in range(CPU_ROUNDS):  # the apps take turns, the order alternating
                for app_name in apps if round_number % 2 == 0 else reversed(apps):
                    rounds[app_name].append(await _cpu_ms(callers[app_name], calls))
            for app_name in apps:
                median_ms = round(statistics.median(rounds[app_name]), 4)
                result["cpu_ms_per_request"].setdefault(app_name, {})[key] = median_ms
                result["latency"].setdefault(app_name, {})[key] = await closed_loop(callers[app_name], 1,
                                                                                   config.seconds / 2)  # fmt: skip

    await measure("with_storage", _requests(list_id, item_id))
    store = FakeStore()
    fake = TodoService(
        FakeListRepository(store), FakeItemRepository(store), FakeIdempotencyRepository(store)
    )
    service_module._service, peer._service = fake, fake
    fake_list = (await fake.create_list(OWNER, TodoListWrite(name="x"), None)).value
    fake_item = (await fake.create_item(OWNER, fake_list.id, TodoItemWrite(name="y"), None)).value
    await measure("code_only", _requests(fake_list.id, fake_item.id))
    service_module._service, peer._service = None, None
    await peer.app.middleware.notify_shutdown()  # type: ignore[no-untyped-call]
    peer.app.startup_task_done = False  # else the library's __del__ calls asyncio.run() at exit
    await close_table_client()
    result["ratio_cpu_ours_to_peer"] = {
        key: round(ours / max(result["cpu_ms_per_request"]["peer"][key], 1e-9), 3)
        for key, ours in result["cpu_ms_per_request"]["ours"].items()
    }
    return result
