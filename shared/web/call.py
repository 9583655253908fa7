"""One request, read and answered with the rules every verb shares. A per-verb function asks
its ApiCall for what it needs (the owner, a path id, a body, the preconditions, a page request)
and gives it the service's result to shape (a resource, a page, a creation, no content).
Every refusal is an HttpProblem, which the handler turns into a problem document.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import azure.functions as func
from pydantic import BaseModel, ValidationError

from shared.domain.exchange import to_line
from shared.domain.ids import is_valid_id
from shared.domain.models import ItemState
from shared.domain.ports import ExportPosition, Page
from shared.platform.settings import OWNER_HEADER, Settings
from shared.service.idempotency import IdempotencyRequest
from shared.service.owner_data import ExportPage
from shared.service.preconditions import Expectation
from shared.web import responses
from shared.web.conditional import if_match_versions, if_none_match_versions
from shared.web.headers import CACHE_NONE, IDEMPOTENCY_KEY, JSON, MERGE_PATCH_JSON, NDJSON, OWNER
from shared.web.pagination import DEFAULT_TOP, MAX_SKIP, MAX_TOP, InvalidCursor, decode_cursor, decode_position
from shared.web.problems import HttpProblem, validation_problem
from shared.web.urls import base_url

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class PageRequest:
    """One page of one collection: the collection's path (which also scopes its cursors, so a
    cursor from one collection or owner is refused on another) and where the page starts."""

    path: str
    top: int
    skip: int = 0
    after: str | None = None


@dataclass(frozen=True)
class StreamRequest:
    """One page of a stream paged by key position (the export): its path, which scopes its
    cursors like a collection's, the most lines wanted, and the position it starts after."""

    path: str
    top: int
    after: ExportPosition | None = None


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
        if not OWNER.fullmatch(value):
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

    def page_request(self, path: str) -> PageRequest:
        """The page of the collection at path (as in the API's URLs, e.g. /lists) this request asks for."""
        top = self._int_param("top", DEFAULT_TOP, 1, MAX_TOP)
        skip = self._int_param("skip", 0, 0, MAX_SKIP)
        cursor = self.req.params.get("cursor")
        after = None
        if cursor:
            try:
                after = decode_cursor(self.settings.cursor_key, self.cursor_scope(path), cursor)
            except InvalidCursor as exc:
                raise HttpProblem(400, "invalid-cursor", str(exc), parameter="cursor") from None
        return PageRequest(path, top, skip, after)

    def stream_request(self, path: str) -> StreamRequest:
        """top (the collections' default and limit, counted in lines) and the signed position."""
        top = self._int_param("top", DEFAULT_TOP, 1, MAX_TOP)
        cursor = self.req.params.get("cursor")
        if not cursor:
            return StreamRequest(path, top)
        try:
            list_id, item_id = decode_position(self.settings.cursor_key, self.cursor_scope(path), cursor)
        except InvalidCursor as exc:
            raise HttpProblem(400, "invalid-cursor", str(exc), parameter="cursor") from None
        return StreamRequest(path, top, ExportPosition(list_id, item_id))

    def cursor_scope(self, path: str) -> str:
        return f"{self.owner}\n{path}"

    # Headers ------------------------------------------------------------------------------

    def expectation(self) -> Expectation:
        """The preconditions of a write: If-Match (strong) and If-None-Match (weak)."""
        matching = if_match_versions(self.req.headers.get("If-Match"))
        unwanted = if_none_match_versions(self.req.headers.get("If-None-Match"))
        any_version, versions = matching or (False, frozenset())
        unwanted_any, unwanted_versions = unwanted or (False, frozenset())
        return Expectation(versions, any_version, unwanted_versions, unwanted_any)

    async def check_collection(self, first_page: Callable[[PageRequest], Awaitable[Page[Any]]], path: str) -> None:
        """Preconditions of a POST, whose target is the collection at path (RFC 9110 13.1.1,
        13.1.2, 13.2.1). The collection's representation is its first page as GET path answers
        it, so its ETag is the one a client read there; it is read only when a condition was
        sent. A collection always exists while its list does: If-Match: * holds and
        If-None-Match: * fails (412). For the items of a missing list first_page raises
        NotFound: 404, as without conditions (RFC 9110 13.2.1 ignores them then).
        The check and the creation are two steps, not one transaction: a creation by someone
        else in between is not detected."""
        expect = self.expectation()
        if expect.is_unconditional:
            return
        page_request = PageRequest(path, DEFAULT_TOP)
        page = await first_page(page_request)
        if expect.versions or expect.unwanted_versions:
            current = self.collection(page, page_request).headers["ETag"].strip('"')
        else:
            current = ""  # exists; its version matters to no condition sent
        expect.check_version(current)

    def idempotency(self) -> IdempotencyRequest | None:
        key = self.req.headers.get("Idempotency-Key")
        if key is None:
            return None
        return self._idempotency(key)

    def required_idempotency(self) -> IdempotencyRequest:
        """An operation that needs a key: without one it is 400, as the IETF draft
        draft-ietf-httpapi-idempotency-key-header says (Error Scenarios)."""
        key = self.req.headers.get("Idempotency-Key")
        if key is None:
            raise HttpProblem(
                400, "idempotency-key-required", "send an Idempotency-Key header: a retry then replays the answer"
            )
        return self._idempotency(key)

    def _idempotency(self, key: str) -> IdempotencyRequest:
        if not IDEMPOTENCY_KEY.fullmatch(key):
            raise HttpProblem(400, "invalid-idempotency-key", "Idempotency-Key must be 1-255 visible ASCII characters")
        return IdempotencyRequest.of(key, self.method, urlsplit(self.req.url).path, self.req.get_body() or b"")

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
            raise validation_problem(exc) from None

    def ndjson_body(self) -> bytes:
        """The raw lines of a newline-delimited JSON body (the size limit and media type checked)."""
        return self._body((NDJSON,))

    def merge_patch(self, model: type[ModelT]) -> ModelT:
        return self.json_body(model, (MERGE_PATCH_JSON, JSON))

    def json_id_list(self, max_ids: int) -> list[str]:
        body = self._body((JSON,))
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            raise HttpProblem(400, "malformed-json", "the body is not valid JSON") from None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _invalid_ids("the body must be a JSON array of item ids", [("", "expected an array of strings")])
        if not 1 <= len(value) <= max_ids:
            raise _invalid_ids(f"send from 1 to {max_ids} item ids", [("", f"expected 1 to {max_ids} ids")])
        bad = [i for i, v in enumerate(value) if not is_valid_id(v)]
        if bad:
            errors = [(f"/{i}", "not a valid id") for i in bad[:20]]
            raise _invalid_ids("item ids must be 32 lowercase hexadecimal characters", errors)
        return value

    # URLs and responses -------------------------------------------------------------------

    def base_url(self) -> str:
        """Absolute base of the API as the client sees it (shared.web.urls says which source)."""
        return base_url(self.req.url, self.req.headers, self.settings)

    def resource(self, value: Any, status: int = 200) -> func.HttpResponse:
        return responses.representation(self.req, value.to_json(), status)

    def created(self, created: Any, location: str) -> func.HttpResponse:
        """201 with the resource as the service serialized it, and where it lives."""
        headers = {"Location": self.base_url() + location}
        if created.replayed:
            headers["Idempotent-Replayed"] = "true"
        return responses.representation(self.req, created.body, 201, headers)

    def collection(self, page: Page[Any], page_request: PageRequest) -> func.HttpResponse:
        link = None
        if page.has_more and page.values:
            link = responses.next_link(
                self.base_url() + page_request.path,
                page_request.top,
                self.settings.cursor_key,
                self.cursor_scope(page_request.path),
                page.values[-1].id,
            )
        return responses.page(self.req, page.values, link)

    def stream(self, page: ExportPage, request: StreamRequest) -> func.HttpResponse:
        """A page of lines as NDJSON, with a Link to the next page while one remains."""
        link = None
        if page.next is not None:
            link = responses.position_link(
                self.base_url() + request.path,
                request.top,
                self.settings.cursor_key,
                self.cursor_scope(request.path),
                page.next.list_id,
                page.next.item_id,
            )
        return responses.paged(self.req, b"".join(to_line(line) for line in page.lines), link, NDJSON)
    def outcome(self, body: bytes, replayed: bool) -> func.HttpResponse:
        """200 with the JSON a write answered (never stored by caches); a replay says so."""
        headers = {"Cache-Control": CACHE_NONE, **({"Idempotent-Replayed": "true"} if replayed else {})}
        return func.HttpResponse(body=body, status_code=200, headers=headers, mimetype=JSON)

    def values(self, values: Iterable[Any]) -> func.HttpResponse:
        return responses.values(values)

    def document(
        self, body: bytes, media_type: str, cache_control: str, headers: dict[str, str] | None = None
    ) -> func.HttpResponse:
        return responses.document(self.req, body, media_type, cache_control, headers)

    def no_content(self) -> func.HttpResponse:
        return responses.no_content()


def _invalid_ids(detail: str, errors: list[tuple[str, str]]) -> HttpProblem:
    return HttpProblem(
        422, "validation-failed", detail, errors=[{"field": field, "message": message} for field, message in errors]
    )
