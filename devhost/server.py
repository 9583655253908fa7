"""Serve a FunctionApp's HTTP functions like `func start` does, for machines without Core Tools.

It reads each function's route, methods and auth level from the azure-functions library's own
metadata, honours host.json's route prefix and local.settings.json (Values into the
environment, Host.CORS for browsers), builds real func.HttpRequest objects and converts the
returned func.HttpResponse. Like the real host: a method no function registered on a path gives
404, an unhandled exception gives 500 with an empty body, a missing or wrong function key gives
401 with an empty body (keys are enforced only when LOCAL_HOST_REQUIRE_KEYS is true, because
`func start` does not enforce them), async functions run on the event loop and sync ones in
a thread pool.
"""

from __future__ import annotations

import asyncio
import hmac
import inspect
import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import azure.functions as func
from aiohttp import web
from azure.functions.decorators.http import HttpTrigger

from devhost.routing import CompiledRoute, compile_route

logger = logging.getLogger("devhost")
ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
DEFAULT_ALLOWED_HEADERS = "Content-Type, If-Match, If-None-Match, Idempotency-Key, Authorization, X-Request-Id"
DEFAULT_EXPOSED_HEADERS = "ETag, Location, Link, Retry-After, X-Request-Id"
MAX_REQUEST_BYTES = 100 * 1024 * 1024  # the real host's default request size limit


@dataclass(frozen=True)
class HostedFunction:
    name: str
    route: CompiledRoute
    methods: frozenset[str]
    auth_level: func.AuthLevel
    handler: Callable[..., Any]
    is_async: bool


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


def collect_functions(app: func.FunctionApp, route_prefix: str) -> list[HostedFunction]:
    """Read the HTTP functions the app registered, most specific routes first."""
    app.functions_bindings = None  # get_functions() raises on a second call otherwise
    hosted: list[HostedFunction] = []
    for function in app.get_functions():
        trigger = function.get_trigger()
        if not isinstance(trigger, HttpTrigger):
            continue
        methods = frozenset(str(getattr(m, "value", m)).upper() for m in (trigger.methods or ALL_METHODS))
        name = str(function.get_function_name() or function.get_user_function().__name__)
        template = trigger.route or name
        handler = function.get_user_function()
        hosted.append(
            HostedFunction(
                name=name,
                route=compile_route(route_prefix, template),
                methods=methods,
                auth_level=trigger.auth_level or func.AuthLevel.FUNCTION,
                handler=handler,
                is_async=inspect.iscoroutinefunction(handler),
            )
        )
    hosted.sort(key=lambda f: f.route.precedence)
    return hosted


class LocalFunctionsHost:
    def __init__(self, app: func.FunctionApp, config: HostConfig) -> None:
        self.config = config
        self.functions = collect_functions(app, config.route_prefix)

    def web_app(self) -> web.Application:
        application = web.Application(client_max_size=MAX_REQUEST_BYTES)
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

    def _key_ok(self, request: web.Request, hosted: HostedFunction) -> bool:
        if not self.config.require_keys or hosted.auth_level == func.AuthLevel.ANONYMOUS:
            return True
        given = request.headers.get("x-functions-key") or request.query.get("code") or ""
        expected = self.config.function_key or ""
        return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())

    async def handle(self, request: web.Request) -> web.StreamResponse:
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
        body = await request.read()
        func_request = func.HttpRequest(
            method=request.method,
            url=str(request.url),
            headers={k: ", ".join(request.headers.getall(k)) for k in request.headers},
            params={k: request.query.getone(k) for k in request.query},
            route_params=route_params,
            body=body,
        )
        try:
            if hosted.is_async:
                result = await hosted.handler(func_request)
            else:
                result = await asyncio.get_running_loop().run_in_executor(None, hosted.handler, func_request)
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


def _to_web_response(result: Any, method: str, cors: dict[str, str]) -> web.Response:
    if not isinstance(result, func.HttpResponse):
        result = func.HttpResponse(str(result) if result is not None else None)
    headers: dict[str, str] = {}
    for name, value in result.headers.items():
        headers[name] = value
    body = result.get_body() or b""
    lowered = {k.lower() for k in headers}
    if "content-type" not in lowered and result.status_code not in (204, 304) and (body or method == "HEAD"):
        headers["Content-Type"] = f"{result.mimetype}; charset={result.charset}"
    vary = next((headers.pop(k) for k in list(headers) if k.lower() == "vary"), None)
    headers.update(_vary_origin(cors, vary))
    if cors and "access-control-expose-headers" not in lowered:
        headers["Access-Control-Expose-Headers"] = DEFAULT_EXPOSED_HEADERS
    if method == "HEAD" or result.status_code in (204, 304):
        return web.Response(status=result.status_code, headers=headers)
    return web.Response(status=result.status_code, body=body, headers=headers)
