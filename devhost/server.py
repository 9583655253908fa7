"""Serve a FunctionApp's HTTP functions like `func start` does, for machines without Core Tools.

It indexes the app as the Python worker does (names and raw bindings) and refuses it when the
real host would (devhost.registration), honours host.json's route prefix and local.settings.json
(Values into the environment, Host.CORS for browsers), hands functions the request the host
would (devhost.server.to_func_request) and converts their answer with the azure-functions
library's own HttpResponseConverter, as the worker does. Like the real host: functions are tried
in name order and the first whose template and method match wins; a method no function
registered on a path gives 404; an unhandled exception gives 500 with an empty body; a missing
or wrong function key gives 401 with an empty body (keys are enforced only when
LOCAL_HOST_REQUIRE_KEYS is true, because `func start` does not enforce them); functions that
declare `context` get one; async functions run on the event loop and sync ones in a thread pool.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import inspect
import json
import logging
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import azure.functions as func
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from azure.functions._abc import RetryContext, TraceContext
from azure.functions.http import HttpResponseConverter
from azure.functions.timer import TimerRequest
from multidict import CIMultiDict

from devhost.registration import IndexedFunction, check_registration, index_app
from devhost.routing import CompiledRoute, compile_route
from devhost.timers import CronSchedule, resolve_setting
from shared.web.headers import TRACEPARENT  # the W3C pattern, defined once

logger = logging.getLogger("devhost")
DEFAULT_ALLOWED_HEADERS = "Content-Type, If-Match, If-None-Match, Idempotency-Key, Authorization, X-Request-Id"
DEFAULT_EXPOSED_HEADERS = "ETag, Location, Link, Retry-After, X-Request-Id"
MAX_REQUEST_BYTES = 100 * 1024 * 1024  # the real host's default request size limit


class _OneLineBadRequests(logging.Filter):
    """aiohttp's server answers a request it cannot parse (a NUL byte in a header, a line too
    long) with 400 and logs it through its handler's logger with the parser's traceback
    (web_protocol.RequestHandler.handle_error: `logger.exception`). A client's malformed request
    is not a fault of the host: one warning line, the parser's message with control characters
    escaped, and no traceback. Any other error keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            detail = " ".join(str(exc.message).split()).rstrip(" ^")
            printable = "".join(c if c.isprintable() else repr(c)[1:-1] for c in detail)
            record.msg, record.args = "%s: answered %s: %s", (record.getMessage(), exc.code, printable)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True


# The logger the HTTP server reports request errors to (aiohttp's "aiohttp.server" otherwise).
request_error_logger = logging.getLogger("devhost.requests")
request_error_logger.addFilter(_OneLineBadRequests())


@dataclass(frozen=True)
class HostedFunction:
    name: str
    route: CompiledRoute
    methods: frozenset[str]
    auth_level: func.AuthLevel
    handler: Callable[..., Any]
    is_async: bool
    wants_context: bool = False


@dataclass(frozen=True)
class TimerFunction:
    """A timer-triggered function and its schedule, resolved as the host resolves it."""

    name: str
    schedule: CronSchedule
    arg_name: str
    handler: Callable[..., Any]
    disabled: bool  # AzureWebJobs.<name>.Disabled: the host does not schedule it

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.handler)

    @property
    def wants_context(self) -> bool:
        return "context" in inspect.signature(self.handler).parameters


def collect_timers(indexed: list[IndexedFunction]) -> list[TimerFunction]:
    """The timer functions, with schedules parsed now: a schedule the host would refuse stops
    the local host at start, naming the function."""
    timers = []
    for function in indexed:
        binding = next((b for b in function.bindings if b.get("type") == "timerTrigger"), None)
        if binding is None:
            continue
        try:
            schedule = CronSchedule.parse(resolve_setting(str(binding.get("schedule", ""))))
        except ValueError as exc:
            raise ValueError(f"function {function.name!r}: schedule {binding.get('schedule')!r}: {exc}") from exc
        disabled = os.environ.get(f"AzureWebJobs.{function.name}.Disabled", "").strip().lower() in ("1", "true")
        timers.append(TimerFunction(function.name, schedule, str(binding["name"]), function.handler, disabled))
    return timers


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = "api"
    cors_origins: tuple[str, ...] = ()
    cors_credentials: bool = False
    require_keys: bool = False
    function_key: str | None = None


def load_local_settings(project_dir: Path) -> dict[str, Any]:
    """Create local.settings.json from the sample when missing; copy Values into the
    environment without overriding variables already set (so tests and CI can point
    elsewhere); return the whole document."""
    settings_path = project_dir / "local.settings.json"
    sample = project_dir / "local.settings.sample.json"
    if not settings_path.exists() and sample.exists():
        shutil.copyfile(sample, settings_path)
    if not settings_path.exists():
        return {}
    document: dict[str, Any] = json.loads(settings_path.read_text())
    for name, value in (document.get("Values") or {}).items():
        os.environ.setdefault(name, str(value))
    return document


def host_config(project_dir: Path, local_settings: dict[str, Any]) -> HostConfig:
    host_json = json.loads((project_dir / "host.json").read_text())
    prefix = host_json.get("extensions", {}).get("http", {}).get("routePrefix", "api")
    host_section = local_settings.get("Host") or {}
    origins = tuple(o.strip().rstrip("/") for o in str(host_section.get("CORS") or "").split(",") if o.strip())
    require = os.environ.get("LOCAL_HOST_REQUIRE_KEYS", "false").lower() in ("1", "true", "yes")
    return HostConfig(
        route_prefix=prefix,
        cors_origins=origins,
        cors_credentials=bool(host_section.get("CORSCredentials", False)),
        require_keys=require,
        function_key=os.environ.get("LOCAL_HOST_FUNCTION_KEY") or None,
    )


def collect_functions(app: func.FunctionRegister, route_prefix: str) -> list[HostedFunction]:
    """Index the app as the worker does, refuse it as the host would, and keep the HTTP
    functions in the host's order: by name, the first whose template and method match wins."""
    return _http_functions(index_app(app), route_prefix)


def _http_functions(indexed: list[IndexedFunction], route_prefix: str) -> list[HostedFunction]:
    check_registration(indexed)
    hosted: list[HostedFunction] = []
    for function in indexed:
        if function.trigger is None:
            continue
        handler = function.handler
        hosted.append(
            HostedFunction(
                name=function.name,
                route=compile_route(route_prefix, function.route),
                methods=function.methods,
                auth_level=function.auth_level,
                handler=handler,
                is_async=inspect.iscoroutinefunction(handler),
                wants_context="context" in inspect.signature(handler).parameters,
            )
        )
    hosted.sort(key=lambda f: f.name.lower())
    return hosted


class LocalFunctionsHost:
    def __init__(self, app: func.FunctionRegister, config: HostConfig) -> None:
        self.config = config
        indexed = index_app(app)
        self.functions = _http_functions(indexed, config.route_prefix)
        self.timers = {timer.name.lower(): timer for timer in collect_timers(indexed)}
        self._timer_tasks: list[asyncio.Task[None]] = []

    def web_app(self) -> web.Application:
        application = web.Application(client_max_size=MAX_REQUEST_BYTES, handler_args={"logger": request_error_logger})
        # Every path reaches handle(), including ones with encoded line breaks ("." alone would
        # leave those to aiohttp's own text/plain 404, which the Functions host never sends).
        application.router.add_route("*", "/{tail:[\\s\\S]*}", self.handle)
        return application

    def _find(self, path: str, method: str) -> tuple[HostedFunction, dict[str, str]] | None:
        for hosted in self.functions:
            params = hosted.route.match(path)
            if params is not None and method in hosted.methods:
                return hosted, params
        return None

    def _origin_allowed(self, origin: str | None) -> bool:
        if not origin:
            return False
        return "*" in self.config.cors_origins or origin.rstrip("/") in self.config.cors_origins

    def _cors_headers(self, origin: str) -> dict[str, str]:
        headers = {
            "Access-Control-Allow-Origin": origin
            if "*" not in self.config.cors_origins or self.config.cors_credentials
            else "*"
        }
        if self.config.cors_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        return headers

    def _key_ok(self, request: web.Request, hosted: HostedFunction | None) -> bool:
        """hosted None: the admin API, which always needs a key when keys are required."""
        if not self.config.require_keys or (hosted is not None and hosted.auth_level == func.AuthLevel.ANONYMOUS):
            return True
        given = request.headers.get("x-functions-key") or request.query.get("code") or ""
        expected = self.config.function_key or ""
        return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())

    async def run_timer(self, name: str, past_due: bool = False) -> None:
        """Invoke a timer function once, as the host does on schedule or when asked to."""
        timer = self.timers[name.lower()]
        now = datetime.now(UTC)
        status = {"Last": now.isoformat(), "Next": timer.schedule.next_after(now).isoformat()}
        kwargs: dict[str, Any] = {timer.arg_name: TimerRequest(past_due=past_due, schedule_status=status)}
        if timer.wants_context:
            kwargs["context"] = LocalContext(timer, "")
        if timer.is_async:
            await timer.handler(**kwargs)
        else:
            await asyncio.get_running_loop().run_in_executor(None, functools.partial(timer.handler, **kwargs))

    async def start_timers(self, _: web.Application | None = None) -> None:
        """Run every enabled timer function on its schedule until the host stops."""
        for timer in self.timers.values():
            if not timer.disabled:
                self._timer_tasks.append(asyncio.create_task(self._run_on_schedule(timer)))

    async def stop_timers(self, _: web.Application | None = None) -> None:
        for task in self._timer_tasks:
            task.cancel()
        await asyncio.gather(*self._timer_tasks, return_exceptions=True)
        self._timer_tasks.clear()

    async def _run_on_schedule(self, timer: TimerFunction) -> None:
        due = timer.schedule.next_after(datetime.now(UTC))
        while True:
            await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
            now = datetime.now(UTC)
            try:
                await self.run_timer(timer.name, past_due=(now - due).total_seconds() > 1)
            except Exception:
                logger.exception("function %s failed", timer.name)  # as the host: logged, retried next time
            due = timer.schedule.next_after(datetime.now(UTC))

    async def _admin_invoke(self, request: web.Request) -> web.Response:
        """POST /admin/functions/{name}: run a non-HTTP function now, the host's admin API shape
        (learn.microsoft.com/azure/azure-functions/functions-manually-run-non-http). The host
        answers 202 at once; this host answers 202 once the run is over, so a test need not
        poll, and 500 (empty body) if the function raised."""
        name = request.path.rstrip("/").rsplit("/", 1)[-1].lower()
        if request.method != "POST" or name not in self.timers:
            return web.Response(status=404)
        if self.config.require_keys and not self._key_ok(request, None):
            return web.Response(status=401)
        try:
            await self.run_timer(name)
        except Exception:
            logger.exception("function %s failed", name)
            return web.Response(status=500)
        return web.Response(status=202)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if re.fullmatch(r"/admin/functions/[^/]+/?", request.path, re.IGNORECASE):
            return await self._admin_invoke(request)
        origin = request.headers.get("Origin")
        cors = self._cors_headers(origin) if origin and self._origin_allowed(origin) else {}
        if request.method == "OPTIONS" and origin and "Access-Control-Request-Method" in request.headers:
            return self._preflight(request, cors)
        found = self._find(request.path, request.method)
        if found is None:
            return web.Response(status=404, headers=_vary_origin(cors))
        hosted, route_params = found
        if not self._key_ok(request, hosted):
            return web.Response(status=401, headers=_vary_origin(cors))
        func_request = await to_func_request(request, route_params)
        kwargs: dict[str, Any] = {"req": func_request}
        if hosted.wants_context:
            kwargs["context"] = LocalContext(hosted, request.headers.get("traceparent", ""))
        try:
            if hosted.is_async:
                result = await hosted.handler(**kwargs)
            else:
                call = functools.partial(hosted.handler, **kwargs)
                result = await asyncio.get_running_loop().run_in_executor(None, call)
        except Exception:
            logger.exception("function %s failed", hosted.name)
            return web.Response(status=500, headers=_vary_origin(cors))
        return _to_web_response(result, request.method, cors)

    def _preflight(self, request: web.Request, cors: dict[str, str]) -> web.Response:
        if not cors:
            return web.Response(status=204, headers={"Vary": "Origin"})
        requested = request.headers.get("Access-Control-Request-Headers", "")
        allowed_headers = ", ".join(
            dict.fromkeys(
                [h.strip() for h in DEFAULT_ALLOWED_HEADERS.split(",")]
                + [h.strip() for h in requested.split(",") if h.strip()]
            )
        )
        headers = {
            **cors,
            "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
            "Access-Control-Allow-Headers": allowed_headers,
            "Access-Control-Max-Age": "600",
            "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        }
        return web.Response(status=204, headers=headers)


def _vary_origin(cors: dict[str, str], existing: str | None = None) -> dict[str, str]:
    values = [v.strip() for v in (existing or "").split(",") if v.strip()]
    if cors and "origin" not in {v.lower() for v in values}:
        values.append("Origin")
    return {**cors, **({"Vary": ", ".join(values)} if values else {})}


async def to_func_request(request: web.Request, route_params: dict[str, str]) -> func.HttpRequest:
    """The request as the host hands it to the worker (azure-functions-host ToRpcHttp): header
    names lowercased and repeated values joined with ','; query keys merged ignoring case (ASP.NET
    Core's QueryCollection), repeated values joined with ',', empty values dropped; the body only
    when Content-Length > 0, so a chunked body never reaches the function."""
    headers: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        headers.setdefault(name.lower(), []).append(value)
    query: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for name, value in request.query.items():
        query.setdefault(spelling.setdefault(name.lower(), name), []).append(value)
    declared = request.content_length
    body = await request.read() if declared is not None and declared > 0 else b""
    return func.HttpRequest(
        method=request.method,
        url=str(request.url),
        headers={name: ",".join(values) for name, values in headers.items()},
        params={name: ",".join(values) for name, values in query.items() if ",".join(values)},
        route_params=route_params,
        body=body,
    )


class _TraceContext(TraceContext):
    def __init__(self, trace_parent: str) -> None:
        self._parent = trace_parent

    @property
    def trace_parent(self) -> str:
        return self._parent

    @property
    def trace_state(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _NoRetry(RetryContext):
    """HTTP triggers have no retry policy: the first and only attempt."""

    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> Any:
        return None


class LocalContext(func.Context):
    """The `context` argument the worker passes to functions that declare one."""

    _storage = threading.local()

    def __init__(self, hosted: HostedFunction | TimerFunction, trace_parent: str) -> None:
        self._hosted = hosted
        self._invocation_id = str(uuid.uuid4())
        fresh = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"
        self._trace = _TraceContext(trace_parent if TRACEPARENT.fullmatch(trace_parent) else fresh)

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        return self._storage

    @property
    def function_name(self) -> str:
        return self._hosted.name

    @property
    def function_directory(self) -> str:
        return str(Path(inspect.getfile(self._hosted.handler)).resolve().parent)

    @property
    def trace_context(self) -> TraceContext:
        return self._trace

    @property
    def retry_context(self) -> RetryContext:
        return _NoRetry()


def _to_web_response(result: Any, method: str, cors: dict[str, str]) -> web.Response:
    """Convert with the azure-functions library's own HttpResponseConverter, as the worker does,
    then write its status, headers (content-type added by the converter when missing: text/plain,
    and a charset only on text/* types) and body as the host does."""
    if not isinstance(result, func.HttpResponse):
        result = func.HttpResponse(str(result) if result is not None else None)
    datum = HttpResponseConverter.encode(result, expected_type=func.HttpResponse)
    status = int(datum.value["status_code"].value)
    headers = CIMultiDict((name, str(value.value)) for name, value in datum.value["headers"].items())
    for cookie in datum.value.get("cookies") or []:
        for morsel in cookie.values():
            headers.add("Set-Cookie", morsel.OutputString())
    vary = headers.popall("Vary", None)
    headers.update(_vary_origin(cors, ", ".join(vary) if vary else None))
    if cors and "Access-Control-Expose-Headers" not in headers:
        headers["Access-Control-Expose-Headers"] = DEFAULT_EXPOSED_HEADERS
    body: bytes = datum.value["body"].value or b""
    if method == "HEAD" or status in (204, 304):
        return web.Response(status=status, headers=headers)
    return web.Response(status=status, body=body, headers=headers)
