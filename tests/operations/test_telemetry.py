"""Traces of real requests, caught with the OpenTelemetry SDK's in-memory exporter: the local
host runs in this process on a real socket, with storage in Azurite (a table per test)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import function_app
from devhost.server import HostConfig, LocalFunctionsHost
from shared.platform import telemetry
from shared.platform.settings import reset_settings_cache
from shared.storage.client import close_table_client
from tests.support import DEV_ACCOUNT_KEY, ROOT, ApiClient, Response, connection_string, free_port

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    from azure.core.settings import settings

    memory = InMemorySpanExporter()
    telemetry.install(memory, batch=False)
    yield memory
    settings.tracing_implementation = None  # later tests run without SDK tracing


@pytest.fixture
async def traced(
    table_name: str, exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ApiClient]:
    """The local host in this process, with telemetry on (its exporter is the in-memory one)."""
    monkeypatch.setenv(telemetry.EXPORTER_SETTING, "memory")
    monkeypatch.setattr(telemetry, "_configured", True)  # installed by the exporter fixture
    runner = web.AppRunner(LocalFunctionsHost(function_app.app, HostConfig()).web_app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    exporter.clear()
    try:
        yield ApiClient(f"http://127.0.0.1:{port}/api")
    finally:
        await runner.cleanup()


async def call(client: ApiClient, method: str, path: str, **kwargs: Any) -> Response:
    """The client is blocking: run it off the loop that serves the request."""
    return await asyncio.to_thread(client.request, method, path, **kwargs)


def server_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.kind is SpanKind.SERVER]


def children(exporter: InMemorySpanExporter, parent: ReadableSpan) -> list[ReadableSpan]:
    spans = exporter.get_finished_spans()
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


async def new_item(client: ApiClient) -> tuple[str, str]:
    todo_list = await call(client, "POST", "/lists", body={"name": "l"})
    item = await call(client, "POST", f"/lists/{todo_list.json()['id']}/items", body={"name": "i"})
    return todo_list.json()["id"], item.json()["id"]


async def test_one_get_item_is_one_server_span_with_two_table_calls_as_its_children(
    traced: ApiClient, exporter: InMemorySpanExporter
) -> None:
    list_id, item_id = await new_item(traced)
    exporter.clear()

    answer = await call(traced, "GET", f"/lists/{list_id}/items/{item_id}")

    assert answer.status == 200
    (server,) = server_spans(exporter)
    assert server.name == "GET /api/lists/{listId}/items/{itemId}"
    assert server.attributes is not None
    assert server.attributes["todo.request_id"] == answer.header("X-Request-Id")
    assert server.attributes["http.response.status_code"] == 200
    table_calls = children(exporter, server)
    assert sorted(s.name for s in table_calls) == ["TableClient.get_entity", "TableClient.get_entity"]
    for table_call in table_calls:  # each with the HTTP request to Table Storage beneath it
        (http,) = children(exporter, table_call)
        assert http.kind is SpanKind.CLIENT and http.attributes is not None
        assert http.attributes["http.response.status_code"] in (200, 404)
    assert {s.context.trace_id for s in exporter.get_finished_spans()} == {server.context.trace_id}


async def test_the_callers_traceparent_becomes_the_parent(traced: ApiClient, exporter: InMemorySpanExporter) -> None:
    await call(traced, "GET", "/lists", headers={"traceparent": TRACEPARENT})

    (server,) = server_spans(exporter)
    assert server.parent is not None and server.parent.is_remote
    assert f"{server.context.trace_id:032x}" == TRACEPARENT.split("-")[1]
    assert f"{server.parent.span_id:016x}" == TRACEPARENT.split("-")[2]


async def test_a_malformed_traceparent_starts_a_new_trace(traced: ApiClient, exporter: InMemorySpanExporter) -> None:
    answer = await call(traced, "GET", "/lists", headers={"traceparent": "00-zz-yy-01"})

    assert answer.status == 200
    (server,) = server_spans(exporter)
    assert server.parent is None


async def test_a_storage_fault_marks_the_request_and_table_spans_as_errors(
    traced: ApiClient, exporter: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    await close_table_client()
    monkeypatch.setenv("TODO_STORAGE", connection_string(free_port()))  # nothing listens there
    reset_settings_cache()

    answer = await call(traced, "GET", "/lists/" + "0" * 32)

    assert answer.status == 503
    (server,) = server_spans(exporter)
    assert server.status.status_code is StatusCode.ERROR
    table_spans = [s for s in exporter.get_finished_spans() if s is not server]
    assert table_spans and all(s.status.status_code is StatusCode.ERROR for s in table_spans)
    assert any(s.kind is SpanKind.CLIENT for s in table_spans)


async def test_no_span_or_log_line_holds_a_body_an_owner_id_or_a_key(
    traced: ApiClient, exporter: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    owner = "owner-in-clear-7f3a"
    client = ApiClient(traced.base_url, owner=owner)
    secrets = [owner, "body-text-91c2", "idempotency-key-5d1e", DEV_ACCOUNT_KEY, DEV_ACCOUNT_KEY[:20]]
    with caplog.at_level(logging.DEBUG):
        created = await call(
            client, "POST", "/lists", body={"name": "body-text-91c2"}, headers={"Idempotency-Key": secrets[2]}
        )
        list_id = created.json()["id"]
        for _ in range(3):
            await call(client, "POST", f"/lists/{list_id}/items", body={"name": "body-text-91c2"})
        page = await call(client, "GET", f"/lists/{list_id}/items?top=1")
        next_link = page.header("Link") or ""
        await call(client, "GET", next_link[next_link.index("<") + 1 : next_link.index(">")])
        await call(client, "PATCH", f"/lists/{list_id}", body={"description": "body-text-91c2"})
        await call(client, "DELETE", f"/lists/{list_id}")

    spans = exporter.get_finished_spans()
    assert len(server_spans(exporter)) == 8
    everything = "\n".join([s.to_json() for s in spans] + [r.getMessage() for r in caplog.records])
    assert "devstoreaccount1" in everything  # the storage URLs are there, without their keys
    for secret in secrets:
        assert secret not in everything


async def test_the_request_log_line_carries_the_trace_and_span_ids(
    traced: ApiClient, exporter: InMemorySpanExporter, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="todo.api"):
        await call(traced, "GET", "/lists", headers={"traceparent": TRACEPARENT})

    (server,) = server_spans(exporter)
    (line,) = [json.loads(r.getMessage()) for r in caplog.records if r.name == "todo.api"]
    assert line["traceId"] == f"{server.context.trace_id:032x}" == TRACEPARENT.split("-")[1]
    assert line["spanId"] == f"{server.context.span_id:016x}"


def test_the_entity_path_and_query_are_cut_from_storage_urls() -> None:
    url = "https://acct.table.core.windows.net/todo(PartitionKey='someone',RowKey='L%7Cx')?NextPartitionKey=a"
    assert telemetry.redact_url(url) == "https://acct.table.core.windows.net/todo"


@pytest.mark.parametrize("setting", [None, telemetry.CONNECTION_SETTING])
def test_importing_the_app_loads_telemetry_only_when_it_is_configured(setting: str | None) -> None:
    env = {k: v for k, v in os.environ.items() if k not in (telemetry.CONNECTION_SETTING, telemetry.EXPORTER_SETTING)}
    if setting:
        env[setting] = "InstrumentationKey=00000000-0000-0000-0000-000000000000"
    probe = (
        "import sys, function_app; from shared.platform import telemetry; "
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry', 'azure.monitor'))), telemetry.wanted())"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ("[] True" if setting else "[] False")
