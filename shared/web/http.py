"""HTTP semantics of the API, in one place: request parsing, validators and conditional
requests, problem details (RFC 9457), paging links, caching headers, request ids and logging.

Per-verb functions are written as `async def handler(call: ApiCall) -> func.HttpResponse` and
wrapped with @api_handler, which gives the Functions worker the signature it requires
(`req: func.HttpRequest`) and turns every failure into a problem response.
"""

import asyncio
import hashlib
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import azure.functions as func
from pydantic import BaseModel, ValidationError

from shared.web.conditional import if_match_fails, if_match_versions, if_none_match_versions, none_match, strong_etag
from shared.platform.settings import OWNER_HEADER, Settings, get_settings
from shared.domain.errors import (
    IdempotencyKeyReused,
    NotFound,
    PreconditionFailed,
    StorageUnavailable,
    TodoError,
    UnknownItems,
)
from shared.web.gateway import caller_is_trusted
from shared.domain.ids import is_valid_id
from shared.domain.models import ItemState
from shared.web.pagination import (
    DEFAULT_TOP,
    MAX_SKIP,
    MAX_TOP,
    InvalidCursor,
    PageRequest,
    decode_cursor,
    encode_cursor,
)
from shared.storage.repositories import Page
from shared.service.todos import Expectation, IdempotencyRequest
from shared.storage.client import start_round_trip_count
from shared.platform.telemetry import RequestSpan, request_span

logger = logging.getLogger("todo.api")
ModelT = TypeVar("ModelT", bound=BaseModel)

NOT_AN_OPERATION = "_other_methods"  # suffix of the functions that only answer 405
PROBLEM_JSON = "application/problem+json"
JSON = "application/json"
MERGE_PATCH_JSON = "application/merge-patch+json"
CACHE_READ = "private, no-cache"  # private data; reuse only after revalidating the ETag
CACHE_NONE = "no-store"  # writes and errors are never stored
RETRY_AFTER_SECONDS = 2
EXPOSED_HEADERS = "ETag, Location, Link, Retry-After, X-Request-Id, Idempotent-Replayed"
_OWNER = re.compile(r"^[A-Za-z0-9._@:-]{1,128}$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_FORWARDED_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$")

_PROBLEM_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class HttpProblem(Exception):
    """A request the API refuses before reaching the service (bad header, body, query...)."""

    def __init__(self, status: int, kind: str, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.detail = detail
        self.extensions = extensions
        self.headers: dict[str, str] = {}


_DOMAIN_STATUS: dict[type[TodoError], tuple[int, str]] = {
    NotFound: (404, "not-found"),
    PreconditionFailed: (412, "precondition-failed"),
    UnknownItems: (404, "unknown-items"),
    IdempotencyKeyReused: (422, "idempotency-key-reused"),
    StorageUnavailable: (503, "storage-unavailable"),
}


def problem_type(kind: str) -> str:
    return f"urn:problem-type:todo-api:{kind}"


class ApiCall:
    """One request, with the parsing rules every verb shares."""

    def __init__(self, req: func.HttpRequest, settings: Settings, request_id: str, needs_owner: bool = True) -> None:
        self.req = req
        self.settings = settings
        self.request_id = request_id
        self.method = req.method.upper()
        # Public documents are the same for everyone: they neither read nor require an owner.
        self.owner = self._owner() if needs_owner else settings.default_owner

    # Identity -----------------------------------------------------------------------------

    def _owner(self) -> str:
        value: str | None = self.req.headers.get(OWNER_HEADER)
        if value is None:
            if self.settings.owner_header_required:
                detail = f"the gateway did not identify the caller ({OWNER_HEADER})"
                problem = HttpProblem(401, "unauthenticated", detail)
                problem.headers["WWW-Authenticate"] = 'Bearer realm="todo-api"'  # RFC 9110 15.5.2
                raise problem
            return self.settings.default_owner
        if not _OWNER.fullmatch(value):
            raise HttpProblem(400, "invalid-owner", f"{OWNER_HEADER} must be 1-128 letters, digits or ._@:-")
        return value

    # Path and query -----------------------------------------------------------------------

    def path_id(self, name: str) -> str:
        value: str = self.req.route_params.get(name, "")
        if not is_valid_id(value):
            raise HttpProblem(400, "invalid-id", f"{name} must be 32 lowercase hexadecimal characters", parameter=name)
        return value

    def path_state(self) -> ItemState:
        value = self.req.route_params.get("state", "")
        try:
            return ItemState(value)
        except ValueError:
            allowed = ", ".join(s.value for s in ItemState)
            raise HttpProblem(400, "invalid-state", f"state must be one of: {allowed}", parameter="state") from None

    def _int_param(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.req.params.get(name)
        if raw is None or raw == "":
            return default
        if not raw.isascii() or not raw.isdigit() or len(raw) > 7 or not low <= int(raw) <= high:
            raise HttpProblem(400, "invalid-query", f"{name} must be an integer from {low} to {high}", parameter=name)
        return int(raw)

    def page_request(self, scope: str) -> PageRequest:
        top = self._int_param("top", DEFAULT_TOP, 1, MAX_TOP)
        skip = self._int_param("skip", 0, 0, MAX_SKIP)
        cursor = self.req.params.get("cursor")
        after = None
        if cursor:
            try:
                after = decode_cursor(self.settings.cursor_key, self._cursor_scope(scope), cursor)
            except InvalidCursor as exc:
                raise HttpProblem(400, "invalid-cursor", str(exc), parameter="cursor") from None
        return PageRequest(top=top, skip=skip, after=after)

    def _cursor_scope(self, scope: str) -> str:
        return f"{self.owner}\n{scope}"

    # Headers ------------------------------------------------------------------------------

    def expectation(self) -> Expectation:
        """The preconditions of a write: If-Match (strong) and If-None-Match (weak)."""
        matching = if_match_versions(self.req.headers.get("If-Match"))
        unwanted = if_none_match_versions(self.req.headers.get("If-None-Match"))
        any_version, versions = matching or (False, frozenset())
        unwanted_any, unwanted_versions = unwanted or (False, frozenset())
        return Expectation(versions, any_version, unwanted_versions, unwanted_any)

    def idempotency(self) -> IdempotencyRequest | None:
        key = self.req.headers.get("Idempotency-Key")
        if key is None:
            return None
        if not _IDEMPOTENCY_KEY.fullmatch(key):
            raise HttpProblem(400, "invalid-idempotency-key", "Idempotency-Key must be 1-255 visible ASCII characters")
        route = urlsplit(self.req.url).path.lower()
        fingerprint = hashlib.sha256(f"{self.method} {route}\n".encode() + (self.req.get_body() or b"")).hexdigest()
        return IdempotencyRequest(key=key, fingerprint=fingerprint)

    # Bodies -------------------------------------------------------------------------------

    def _body(self, media_types: Iterable[str]) -> bytes:
        body = self.req.get_body() or b""
        limit = self.settings.max_body_bytes
        declared = self.req.headers.get("Content-Length")
        if len(body) > limit or (declared and declared.isdigit() and int(declared) > limit):
            raise HttpProblem(413, "body-too-large", f"the body must be at most {limit} bytes", maxBytes=limit)
        if not body and (declared is None or self.req.headers.get("Transfer-Encoding")):
            # The Functions host forwards a body only with Content-Length > 0: a chunked body
            # arrives empty (its headers still say chunked), which a parse error would misreport.
            raise HttpProblem(411, "length-required", "send the body with a Content-Length header (not chunked)")
        content_type = (self.req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        allowed = tuple(media_types)
        if content_type not in allowed:
            raise HttpProblem(
                415, "unsupported-media-type", f"send the body as {' or '.join(allowed)}", accepted=list(allowed)
            )
        return body

    def json_body(self, model: type[ModelT], media_types: Iterable[str] = (JSON,)) -> ModelT:
        body = self._body(media_types)
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            raise _validation_problem(exc) from None

    def merge_patch(self, model: type[ModelT]) -> ModelT:
        return self.json_body(model, (MERGE_PATCH_JSON, JSON))

    def json_id_list(self, max_ids: int) -> list[str]:
        body = self._body((JSON,))
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            raise HttpProblem(400, "malformed-json", "the body is not valid JSON") from None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise HttpProblem(
                422,
                "validation-failed",
                "the body must be a JSON array of item ids",
                errors=[{"field": "", "message": "expected an array of strings"}],
            )
        if not 1 <= len(value) <= max_ids:
            raise HttpProblem(
                422,
                "validation-failed",
                f"send from 1 to {max_ids} item ids",
                errors=[{"field": "", "message": f"expected 1 to {max_ids} ids"}],
            )
        bad = [i for i, v in enumerate(value) if not is_valid_id(v)]
        if bad:
            raise HttpProblem(
                422,
                "validation-failed",
                "item ids must be 32 lowercase hexadecimal characters",
                errors=[{"field": f"/{i}", "message": "not a valid id"} for i in bad[:20]],
            )
        return value

    # URLs ---------------------------------------------------------------------------------

    def base_url(self) -> str:
        """Absolute base of the API as the client sees it (the gateway's when behind APIM)."""
        if self.settings.public_base_url:
            return self.settings.public_base_url
        parts = urlsplit(self.req.url)
        # Only the first (client-facing) value of each, and only if it is well formed.
        proto = (self.req.headers.get("X-Forwarded-Proto") or "").split(",")[0].strip().lower()
        host = (self.req.headers.get("X-Forwarded-Host") or "").split(",")[0].strip()
        proto = proto if proto in ("http", "https") else parts.scheme
        host = host if _FORWARDED_HOST.fullmatch(host) else parts.netloc
        return f"{proto}://{host}/api"

    # Responses ----------------------------------------------------------------------------

    def resource(
        self, value: Any, status: int = 200, location: str | None = None, replayed: bool = False
    ) -> func.HttpResponse:
        body = value.to_json()
        etag = strong_etag(value.version())
        headers = {"ETag": etag, "Cache-Control": CACHE_READ if self.method in ("GET", "HEAD") else CACHE_NONE}
        if location:
            headers["Location"] = self.base_url() + location
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return self._representation(body, etag, headers, status)

    def collection(self, page: Page[Any], scope: str, path: str, page_request: PageRequest) -> func.HttpResponse:
        body = b"[" + b",".join(v.to_json() for v in page.values) + b"]"
        headers = {"Cache-Control": CACHE_READ}
        if page.has_more and page.values:
            cursor = encode_cursor(self.settings.cursor_key, self._cursor_scope(scope), page.values[-1].id)
            query = urlencode({"top": page_request.top, "cursor": cursor})
            headers["Link"] = f'<{self.base_url()}{path}?{query}>; rel="next"'
        # The page's validator covers its Link too: a 304 must not hide that a next page appeared.
        validated = body + b"\n" + headers.get("Link", "").encode()
        etag = strong_etag(hashlib.blake2b(validated, digest_size=12).hexdigest())
        headers["ETag"] = etag
        return self._representation(body, etag, headers, 200)

    def _representation(self, body: bytes, etag: str, headers: dict[str, str], status: int) -> func.HttpResponse:
        headers["Vary"] = OWNER_HEADER
        if self.method in ("GET", "HEAD"):
            if if_match_fails(self.req.headers.get("If-Match"), etag):
                raise HttpProblem(412, "precondition-failed", "the resource does not match If-Match")
            if none_match(self.req.headers.get("If-None-Match"), etag):
                # RFC 9110 15.4.5: a 304 repeats the validators and caching headers of the 200.
                # Its own Content-Type too: the worker would otherwise add text/plain to it.
                return func.HttpResponse(status_code=304, headers=headers, mimetype=JSON)
        return func.HttpResponse(body=body, status_code=status, headers=headers, mimetype=JSON)

    def values(self, values: Iterable[Any]) -> func.HttpResponse:
        """The result of a batch write: a JSON array, never stored by caches."""
        body = b"[" + b",".join(v.to_json() for v in values) + b"]"
        return func.HttpResponse(body=body, status_code=200, headers={"Cache-Control": CACHE_NONE}, mimetype=JSON)

    def document(
        self, body: bytes, media_type: str, cache_control: str, headers: dict[str, str] | None = None
    ) -> func.HttpResponse:
        """A static document (OpenAPI, pages, assets) with a strong ETag, so 304s work."""
        etag = strong_etag(hashlib.blake2b(body, digest_size=12).hexdigest())
        all_headers = {"ETag": etag, "Cache-Control": cache_control, **(headers or {})}
        if none_match(self.req.headers.get("If-None-Match"), etag):
            return func.HttpResponse(status_code=304, headers=all_headers, mimetype=media_type)
        return func.HttpResponse(body=body, status_code=200, headers=all_headers, mimetype=media_type)

    def no_content(self) -> func.HttpResponse:
        return func.HttpResponse(status_code=204, headers={"Cache-Control": CACHE_NONE})


def _field_path(loc: tuple[Any, ...]) -> str:
    return "/" + "/".join(str(part) for part in loc) if loc else ""


def _validation_problem(exc: ValidationError) -> HttpProblem:
    errors = exc.errors(include_url=False, include_input=False)
    if any(e["type"] == "json_invalid" for e in errors):
        return HttpProblem(400, "malformed-json", "the body is not valid JSON (UTF-8)")
    if any(e["type"] == "model_type" for e in errors):
        return HttpProblem(
            422,
            "validation-failed",
            "the body must be a JSON object",
            errors=[{"field": "", "message": "expected a JSON object"}],
        )
    fields = [{"field": _field_path(e["loc"]), "message": e["msg"]} for e in errors[:50]]
    names = ", ".join(sorted({f["field"] or "(body)" for f in fields}))
    return HttpProblem(422, "validation-failed", f"invalid or unknown fields: {names}", errors=fields)


def problem_response(
    status: int, kind: str, detail: str, extensions: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    document = {
        "type": problem_type(kind),
        "title": _PROBLEM_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **(extensions or {}),
    }
    all_headers = {"Cache-Control": CACHE_NONE, **(headers or {})}
    if status == 503:
        all_headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return func.HttpResponse(body=json.dumps(document), status_code=status, headers=all_headers, mimetype=PROBLEM_JSON)


def method_not_allowed(allowed: Iterable[str]) -> Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]:
    """A function owning every method a route does not serve: 405 with Allow (the real host
    would answer 404), and OPTIONS answered with Allow."""
    allow = ", ".join([*allowed, "OPTIONS"])

    async def handler(call: ApiCall) -> func.HttpResponse:
        if call.method == "OPTIONS":
            return func.HttpResponse(status_code=204, headers={"Allow": allow, "Cache-Control": CACHE_NONE})
        raise _MethodNotAllowed(allow)

    return public_handler(handler)


ROUTABLE_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def guard_other_methods(bp: func.Blueprint, route: str, served: Iterable[str], auth_level: func.AuthLevel) -> None:
    """Register, for one route, the function that owns every method the route does not serve.

    The real Functions host answers an unregistered method with 404; this function makes it a
    405 with Allow (and answers OPTIONS). Its name ends in NOT_AN_OPERATION so the OpenAPI
    document and the gateway's route table leave it out."""
    served = list(served)
    others = [m for m in ROUTABLE_METHODS if m not in served]
    name = re.sub(r"[^a-z0-9]+", "_", route.lower()).strip("_") + NOT_AN_OPERATION
    bp.function_name(name)(bp.route(route=route, methods=others, auth_level=auth_level)(method_not_allowed(served)))


class _MethodNotAllowed(HttpProblem):
    def __init__(self, allow: str) -> None:
        super().__init__(405, "method-not-allowed", f"this resource supports {allow}")
        self.headers = {"Allow": allow}


def _request_id(req: func.HttpRequest) -> str:
    given: str | None = req.headers.get("X-Request-Id")
    if given and _REQUEST_ID.fullmatch(given):
        return given
    trace = _TRACEPARENT.fullmatch((req.headers.get("traceparent") or "").strip().lower())
    if trace and trace.group(1) != "0" * 32:
        return trace.group(1)
    return uuid.uuid4().hex  # a malformed traceparent starts a new trace, never an error


def _admit(req: func.HttpRequest, settings: Settings) -> None:
    """Before any data is touched: a broken deployment answers 503 (its fault is logged once, by
    setting name, in shared.platform.settings) and, when configured, a caller App Service did not identify
    as the gateway answers 403 (defence in depth behind Easy Auth, see shared.web.gateway)."""
    if settings.configuration_fault:
        raise HttpProblem(503, "misconfigured", "the service is not configured correctly; try again later")
    if settings.trusted_caller_id and not caller_is_trusted(req.headers, settings.trusted_caller_id):
        raise HttpProblem(403, "untrusted-caller", "this API is called through its gateway only")


def api_handler(
    handler: Callable[[ApiCall], Awaitable[func.HttpResponse]], needs_owner: bool = True
) -> Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]:
    """Wrap a per-verb handler: parse identity, enforce the deadline, map errors, add headers."""

    async def serve(req: func.HttpRequest, request_id: str, span: RequestSpan) -> func.HttpResponse:
        started = time.perf_counter()
        settings = get_settings()
        counter = start_round_trip_count()
        try:
            if needs_owner:
                _admit(req, settings)
            call = ApiCall(req, settings, request_id, needs_owner)
            async with asyncio.timeout(settings.storage_timeout_seconds):  # no extra task, unlike wait_for
                response = await handler(call)
        except HttpProblem as exc:
            response = problem_response(exc.status, exc.kind, exc.detail, exc.extensions, exc.headers)
        except TodoError as exc:
            status, kind = _DOMAIN_STATUS.get(type(exc), (500, "internal-error"))
            response = problem_response(status, kind, exc.detail, exc.extensions)
        except TimeoutError:
            response = problem_response(503, "storage-unavailable", "storage did not answer in time")
        except Exception:
            logger.exception(json.dumps({"event": "unhandled-error", "requestId": request_id}))
            response = problem_response(
                500, "internal-error", "an unexpected error occurred; it has been logged", {"requestId": request_id}
            )
        response = _finish(req, response, request_id)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if settings.server_timing:
            # W3C Server Timing: each metric names itself, its duration in ms and a description.
            response.headers["Server-Timing"] = (
                f'app;dur={elapsed_ms:.1f};desc="function", '
                f'storage;desc="{counter.count} calls";dur={counter.seconds * 1000:.1f}'
            )
        span.finish(response.status_code)
        logger.info(
            json.dumps(
                {
                    "event": "request",
                    "requestId": request_id,
                    "method": req.method,
                    "url": urlsplit(req.url).path,
                    "status": response.status_code,
                    "durationMs": round(elapsed_ms, 2),
                    "storageCalls": counter.count,
                    **span.ids,
                }
            )
        )
        return response

    async def function(req: func.HttpRequest) -> func.HttpResponse:
        request_id = _request_id(req)
        with request_span(req, function.__name__, request_id) as span:
            return await serve(req, request_id, span)

    function.__name__ = getattr(handler, "__name__", "handler")
    function.__qualname__ = function.__name__
    function.__doc__ = handler.__doc__
    # The worker reads these annotations to bind the trigger: they must be real objects.
    function.__annotations__ = {"req": func.HttpRequest, "return": func.HttpResponse}
    return function


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


def public_handler(
    handler: Callable[[ApiCall], Awaitable[func.HttpResponse]],
) -> Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]:
    """api_handler for content that is the same for everyone: no owner is read or required."""
    return api_handler(handler, needs_owner=False)
