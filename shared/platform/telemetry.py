"""Traces: one server span per API request, the Azure SDK's spans for every Table call under it.

Why this shape:
- Cold start: nothing of OpenTelemetry is imported unless APPLICATIONINSIGHTS_CONNECTION_STRING
  (Azure) or TODO_TELEMETRY_EXPORTER (a developer machine) is set; otherwise every hook here is
  a constant check.
- In Azure the Python worker configures the Azure Monitor distribution itself when
  PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY=true, and calling configure_azure_monitor again
  would export everything twice; so the app configures it only when no tracer provider exists.
  https://learn.microsoft.com/azure/azure-functions/opentelemetry-howto
- The worker attaches the host's trace context before the function runs; when there is none
  (the local host) the caller's W3C traceparent is continued (a malformed one starts a trace).
- Privacy: the Table SDK's HTTP spans carry the request URL, whose entity path names the
  owner (`todo(PartitionKey='<owner>',...)`) and whose continuation parameters do too, so the
  tracing plugin used here keeps only scheme, host and path up to the table. The server span
  carries the route template, never the path, query, owner or any header.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import azure.functions as func

EXPORTER_SETTING = "TODO_TELEMETRY_EXPORTER"  # console | otlp (OTEL_EXPORTER_OTLP_ENDPOINT), local use
CONNECTION_SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
_configured = False


def wanted(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return bool((env.get(CONNECTION_SETTING) or "").strip() or (env.get(EXPORTER_SETTING) or "").strip())


def redact_url(url: str) -> str:
    """scheme://host/account/table: no entity keys, no query (filters, continuation keys)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path.split("(", 1)[0]
    return f"{parts.scheme}://{parts.netloc}{path}"


def install(exporter: Any, batch: bool = True) -> None:
    """Send spans to this exporter (console, OTLP, or a test's in-memory one), and trace the
    Azure SDK's calls with the redacting plugin."""
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": "todo-api"}))
        trace.set_tracer_provider(provider)
    provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
    _trace_azure_sdk()


def _trace_azure_sdk() -> None:
    from azure.core.settings import settings
    from azure.core.tracing.ext.opentelemetry_span import OpenTelemetrySpan

    class RedactingSpan(OpenTelemetrySpan):  # type: ignore[misc]
        def add_attribute(self, key: str, value: str | int) -> None:
            if key in ("url.full", "http.url") and isinstance(value, str):
                value = redact_url(value)
            super().add_attribute(key, value)

    settings.tracing_implementation = RedactingSpan


def configure() -> None:
    """Once per process, on the first request: connect the exporters the settings ask for."""
    global _configured
    if _configured or not wanted():
        return
    _configured = True
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    exporter = (os.environ.get(EXPORTER_SETTING) or "").strip().lower()
    if exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        install(ConsoleSpanExporter(), batch=False)
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        install(OTLPSpanExporter())  # OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4318
    elif not isinstance(trace.get_tracer_provider(), TracerProvider):
        from azure.monitor.opentelemetry import configure_azure_monitor

        # Entra ingestion: the exporter reads APPLICATIONINSIGHTS_AUTHENTICATION_STRING
        # (Authorization=AAD;ClientId=<the app's identity>); no key is involved.
        configure_azure_monitor(logger_name="todo")
    _trace_azure_sdk()  # after the distribution, which installs the plugin without redaction


@dataclass
class RequestSpan:
    """What the request log line needs from the span; empty when telemetry is off."""

    span: Any = None

    @property
    def ids(self) -> dict[str, str]:
        if self.span is None:
            return {}
        context = self.span.get_span_context()
        return {"traceId": f"{context.trace_id:032x}", "spanId": f"{context.span_id:016x}"}

    def finish(self, status: int, kind: str | None = None) -> None:
        if self.span is None:
            return
        from opentelemetry.trace import Status, StatusCode

        self.span.set_attribute("http.response.status_code", status)
        if status >= 500:  # OpenTelemetry HTTP conventions: only 5xx is a server span error
            self.span.set_status(Status(StatusCode.ERROR, kind))
            self.span.set_attribute("error.type", str(status))


def route_template(req: func.HttpRequest) -> str:
    """The path with each route parameter's value put back as {name}: low cardinality."""
    from urllib.parse import unquote, urlsplit

    names = {value: name for name, value in (req.route_params or {}).items()}
    segments = [f"{{{names[unquote(s)]}}}" if unquote(s) in names else s for s in urlsplit(req.url).path.split("/")]
    return "/".join(segments)


@contextmanager
def request_span(req: func.HttpRequest, function_name: str, request_id: str) -> Iterator[RequestSpan]:
    """A server span around one API request, current while the function runs (so the Table
    SDK's spans become its children)."""
    if not wanted():
        yield RequestSpan()
        return
    configure()
    from opentelemetry import context, trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    parent = None
    if not trace.get_current_span().get_span_context().is_valid:  # no host context: the caller's
        carrier = {k: v for k, v in req.headers.items() if k.lower() in ("traceparent", "tracestate")}
        parent = TraceContextTextMapPropagator().extract(carrier)
    route = route_template(req)
    method = req.method.upper()
    attributes = {
        "http.request.method": method,
        "http.route": route,
        "faas.trigger": "http",
        "faas.name": function_name,
        "todo.request_id": request_id,
    }
    tracer = trace.get_tracer("todo-api")
    span = tracer.start_span(f"{method} {route}", context=parent, kind=trace.SpanKind.SERVER, attributes=attributes)
    token = context.attach(trace.set_span_in_context(span, parent))
    try:
        yield RequestSpan(span)
    finally:
        context.detach(token)
        span.end()
