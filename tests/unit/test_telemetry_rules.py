"""Telemetry rules checked in the test's own process (shared/telemetry.py): storage URLs on the
Azure SDK's spans are cut before the owner's keys, spans name the service and are batched unless
asked otherwise, and each exporter setting connects its exporter once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.settings import settings as azure_settings
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.platform import telemetry

ROOT = Path(__file__).resolve().parents[2]
ENTITY_URL = "https://acct.table.core.windows.net/todo(PartitionKey='owner-1',RowKey='L%7Cabc')?$select=Name"


@pytest.fixture
def sdk_spans() -> Iterator[Any]:
    """The Azure SDK's span class as telemetry installs it (restored afterwards)."""
    before = azure_settings.tracing_implementation()
    telemetry._trace_azure_sdk()
    yield azure_settings.tracing_implementation()
    azure_settings.tracing_implementation = before


def _recorded(span_class: Any, key: str, value: str | int) -> dict[str, Any]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    sdk_span = provider.get_tracer("test").start_span("table call")
    span_class(span=sdk_span).add_attribute(key, value)
    sdk_span.end()
    (finished,) = memory.get_finished_spans()
    return dict(finished.attributes or {})


@pytest.mark.parametrize("key", ["url.full", "http.url"])
def test_storage_urls_on_sdk_spans_lose_entity_keys_and_query(sdk_spans: Any, key: str) -> None:
    recorded = _recorded(sdk_spans, key, ENTITY_URL)
    assert list(recorded.values()) == ["https://acct.table.core.windows.net/todo"]
    assert "owner-1" not in str(recorded)


def test_other_span_attributes_are_left_alone(sdk_spans: Any) -> None:
    assert _recorded(sdk_spans, "db.statement", ENTITY_URL) == {"db.statement": ENTITY_URL}
    assert _recorded(sdk_spans, "url.full", 5) == {"url.full": 5}


def test_installed_spans_are_batched_by_default() -> None:
    memory = InMemorySpanExporter()
    telemetry.install(memory)
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    processors = provider._active_span_processor._span_processors
    assert any(isinstance(p, BatchSpanProcessor) and p.span_exporter is memory for p in processors)
    trace.get_tracer("test").start_span("one").end()
    assert provider.force_flush()
    spans: tuple[ReadableSpan, ...] = memory.get_finished_spans()
    assert [s.name for s in spans] == ["one"]
    assert spans[0].resource.attributes["service.name"] == "todo-api"


FRESH_PROCESS = """
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from shared.platform import telemetry

memory = InMemorySpanExporter()
telemetry.install(memory, batch=False)
trace.get_tracer("test").start_span("first").end()
(span,) = memory.get_finished_spans()
print(span.resource.attributes["service.name"])
"""


def test_install_in_a_fresh_process_sets_up_the_provider_that_names_the_service() -> None:
    # A fresh process: in this one another test may have set the global provider already.
    telemetry.install(InMemorySpanExporter(), batch=False)  # (also here, so mutation testing selects this test)
    done = subprocess.run([sys.executable, "-c", FRESH_PROCESS], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "todo-api"


def test_install_can_export_each_span_as_it_ends() -> None:
    memory = InMemorySpanExporter()
    telemetry.install(memory, batch=False)
    trace.get_tracer("test").start_span("immediate").end()
    assert [s.name for s in memory.get_finished_spans()] == ["immediate"]


@pytest.fixture
def unconfigured(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """configure() as on a fresh process, with install() recorded instead of run."""
    installed: list[tuple[str, bool]] = []
    monkeypatch.setattr(telemetry, "_configured", False)

    def install(exporter: Any, batch: bool = True) -> None:
        installed.append((type(exporter).__name__, batch))

    monkeypatch.setattr(telemetry, "install", install)
    monkeypatch.setattr(telemetry, "_trace_azure_sdk", lambda: installed.append(("redacting plugin", True)))
    for name in (telemetry.EXPORTER_SETTING, telemetry.CONNECTION_SETTING):
        monkeypatch.delenv(name, raising=False)
    return installed


@pytest.mark.parametrize(
    ("exporter", "expected"),
    [("console", ("ConsoleSpanExporter", False)), (" OTLP ", ("OTLPSpanExporter", True))],
)
def test_exporter_setting_connects_its_exporter_once(
    unconfigured: list[tuple[str, bool]], monkeypatch: pytest.MonkeyPatch, exporter: str, expected: tuple[str, bool]
) -> None:
    monkeypatch.setenv(telemetry.EXPORTER_SETTING, exporter)
    telemetry.configure()
    telemetry.configure()
    assert unconfigured == [expected, ("redacting plugin", True)]


def test_nothing_is_connected_without_a_setting(unconfigured: list[tuple[str, bool]]) -> None:
    telemetry.configure()
    assert unconfigured == [] and telemetry._configured is False
    assert not telemetry.wanted({}) and not telemetry.wanted({telemetry.CONNECTION_SETTING: " "})
    assert telemetry.wanted({telemetry.CONNECTION_SETTING: "InstrumentationKey=x"})
    assert telemetry.wanted({telemetry.EXPORTER_SETTING: "console"})


def test_each_wrapped_request_is_one_server_span_with_its_route_name_id_and_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio

    import azure.functions as func

    from shared.web.call import ApiCall
    from shared.web.handler import api_handler
    from tests.unit.http_requests import request

    memory = InMemorySpanExporter()
    telemetry.install(memory, batch=False)
    monkeypatch.setenv(telemetry.EXPORTER_SETTING, "memory")
    monkeypatch.setattr(telemetry, "_configured", True)

    async def get_item(call: ApiCall) -> func.HttpResponse:
        return func.HttpResponse(status_code=503)

    wrapped = api_handler(get_item)  # wrapped here, so the wrapping itself runs under test
    req = request("GET", "/lists/a1/items/b2", headers={"X-Request-Id": "r-span"},
                  route_params={"listId": "a1", "itemId": "b2"})  # fmt: skip

    async def serve() -> None:
        await wrapped(req)

    asyncio.run(serve())
    (span,) = [s for s in memory.get_finished_spans() if s.attributes and s.attributes.get("faas.trigger") == "http"]
    attributes = dict(span.attributes or {})
    assert span.name == "GET /api/lists/{listId}/items/{itemId}"
    assert attributes["faas.name"] == "get_item" and attributes["todo.request_id"] == "r-span"
    assert attributes["http.response.status_code"] == 503 and attributes["error.type"] == "503"


def test_storage_urls_are_cut_at_the_first_parenthesis() -> None:
    url = "https://acct.table.core.windows.net/todo(PartitionKey='a(b',RowKey='c')?$top=1"
    assert telemetry.redact_url(url) == "https://acct.table.core.windows.net/todo"


def test_azure_monitor_is_configured_only_when_no_provider_exists(
    unconfigured: list[tuple[str, bool]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import azure.monitor.opentelemetry as distribution
    from opentelemetry.trace import ProxyTracerProvider

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(distribution, "configure_azure_monitor", lambda **kwargs: calls.append(kwargs))
    monkeypatch.setenv(telemetry.CONNECTION_SETTING, "InstrumentationKey=00000000-0000-0000-0000-000000000000")
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: TracerProvider())
    telemetry.configure()  # the worker configured the distribution already: do not export twice
    assert calls == [] and unconfigured == [("redacting plugin", True)]
    monkeypatch.setattr(telemetry, "_configured", False)
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: ProxyTracerProvider())
    telemetry.configure()
    assert calls == [{"logger_name": "todo"}]


@pytest.mark.parametrize(("status", "error"), [(499, False), (500, True), (503, True)])
def test_only_server_errors_mark_the_request_span_as_failed(status: int, error: bool) -> None:
    from opentelemetry.trace import StatusCode

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    span = provider.get_tracer("test").start_span("GET /api/lists")
    telemetry.RequestSpan(span).finish(status)
    span.end()
    (finished,) = memory.get_finished_spans()
    assert (finished.status.status_code is StatusCode.ERROR) == error
    assert (finished.attributes or {}).get("error.type") == (str(status) if error else None)
    assert (finished.attributes or {})["http.response.status_code"] == status
