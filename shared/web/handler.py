"""The wrapper every HTTP function goes through: a request in, a finished response out.

Per-verb functions are written as `async def handler(call: ApiCall) -> func.HttpResponse` and
wrapped with @api_handler, which gives the Functions worker the signature it requires
(`req: func.HttpRequest`) and runs the same steps for every request: admit, serve within the
storage deadline, turn any failure into a problem document, add the shared headers, measure,
log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import azure.functions as func

from shared.domain.errors import TodoError
from shared.platform.roundtrips import RoundTripCounter, start_round_trip_count
from shared.platform.settings import Settings, get_settings
from shared.platform.telemetry import RequestSpan, request_span
from shared.web.call import ApiCall
from shared.web.gateway import admit_gateway
from shared.web.headers import EXPOSED_HEADERS, REQUEST_ID, TRACEPARENT
from shared.web.problems import HttpProblem, domain_problem, http_problem, problem_response

logger = logging.getLogger("todo.api")
Handler = Callable[[ApiCall], Awaitable[func.HttpResponse]]
Function = Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]


def api_handler(handler: Handler, needs_owner: bool = True) -> Function:
    """Wrap a per-verb handler into the function the worker calls."""

    async def function(req: func.HttpRequest) -> func.HttpResponse:
        request_id = _request_id(req)
        with request_span(req, function.__name__, request_id) as span:
            started = time.perf_counter()
            settings = get_settings()
            counter = start_round_trip_count()
            response = await _respond(req, handler, settings, request_id, needs_owner)
            response = _finish(req, response, request_id)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if settings.server_timing:
                response.headers["Server-Timing"] = _server_timing(elapsed_ms, counter)
            span.finish(response.status_code)
            _log_request(req, response, request_id, elapsed_ms, counter, span)
            return response

    function.__name__ = getattr(handler, "__name__", "handler")
    function.__qualname__ = function.__name__
    function.__doc__ = handler.__doc__
    # The worker reads these annotations to bind the trigger: they must be real objects.
    function.__annotations__ = {"req": func.HttpRequest, "return": func.HttpResponse}
    return function


def public_handler(handler: Handler) -> Function:
    """api_handler for content that is the same for everyone: no owner is read or required."""
    return api_handler(handler, needs_owner=False)


async def _respond(
    req: func.HttpRequest, handler: Handler, settings: Settings, request_id: str, needs_owner: bool
) -> func.HttpResponse:
    """The handler's answer, or the problem document its failure stands for."""
    try:
        if needs_owner:
            await _admit(req, settings)
        call = ApiCall(req, settings, request_id, needs_owner)
        async with asyncio.timeout(settings.storage_timeout_seconds):  # no extra task, unlike wait_for
            return await handler(call)
    except HttpProblem as exc:
        return http_problem(exc)
    except TodoError as exc:
        return domain_problem(exc)
    except TimeoutError:
        return problem_response(503, "storage-unavailable", "storage did not answer in time")
    except Exception:
        logger.exception(json.dumps({"event": "unhandled-error", "requestId": request_id}))
        return problem_response(
            500, "internal-error", "an unexpected error occurred; it has been logged", {"requestId": request_id}
        )


async def _admit(req: func.HttpRequest, settings: Settings) -> None:
    """Before any data is touched: a broken deployment answers 503 (its fault is logged once, by
    setting name, in shared.platform.settings) and, when configured, a request without a valid
    token of the gateway's identity answers 401 (the app's own check, whatever Easy Auth did:
    shared.web.gateway)."""
    if settings.configuration_fault:
        raise HttpProblem(503, "misconfigured", "the service is not configured correctly; try again later")
    if settings.caller_token is not None:
        await admit_gateway(req.headers, settings.caller_token)


def _request_id(req: func.HttpRequest) -> str:
    given: str | None = req.headers.get("X-Request-Id")
    if given and REQUEST_ID.fullmatch(given):
        return given
    trace = TRACEPARENT.fullmatch((req.headers.get("traceparent") or "").strip().lower())
    if trace and trace.group(1) != "0" * 32:
        return trace.group(1)
    return uuid.uuid4().hex  # a malformed traceparent starts a new trace, never an error


def _finish(req: func.HttpRequest, response: func.HttpResponse, request_id: str) -> func.HttpResponse:
    response.headers["X-Request-Id"] = request_id
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if req.method.upper() == "HEAD" and response.get_body():
        # HEAD answers like GET without the content (RFC 9110 9.3.2).
        return func.HttpResponse(
            status_code=response.status_code, headers=dict(response.headers), mimetype=response.mimetype
        )
    return response


def _server_timing(elapsed_ms: float, counter: RoundTripCounter) -> str:
    """W3C Server Timing: each metric names itself, its duration in ms and a description."""
    return (
        f'app;dur={elapsed_ms:.1f};desc="function", '
        f'storage;desc="{counter.count} calls";dur={counter.seconds * 1000:.1f}'
    )


def _log_request(
    req: func.HttpRequest,
    response: func.HttpResponse,
    request_id: str,
    elapsed_ms: float,
    counter: RoundTripCounter,
    span: RequestSpan,
) -> None:
    line = {
        "event": "request",
        "requestId": request_id,
        "method": req.method,
        "url": urlsplit(req.url).path,
        "status": response.status_code,
        "durationMs": round(elapsed_ms, 2),
        "storageCalls": counter.count,
        **span.ids,
    }
    logger.info(json.dumps(line))
