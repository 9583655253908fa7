"""The OpenAPI 3.1 document, built from the functions the app registers and the pydantic
models that validate requests: one source of truth, so the document cannot drift from the code
(tests compare both). Built once per process, on first request, never at import time.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import azure.functions as func
from pydantic import BaseModel

from shared.domain.ids import ID_PATTERN
from shared.domain.import_lines import MAX_LINES
from shared.service.todos import MAX_BATCH_IDS
from shared.web.headers import IDEMPOTENCY_KEY_PATTERN
from shared.web.openapi_components import SCHEMA_REF, components, header
from shared.web.openapi_operations import OPERATIONS, Operation
from shared.web.routes import NOT_AN_OPERATION

ID_SCHEMA = {"type": "string", "pattern": ID_PATTERN}


COMMON_HEADERS = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
PROBLEM_STATUS = {
    400: "Malformed request: id, paging value, header or JSON",
    401: "The gateway did not identify the caller",
    403: "In Azure, App Service authentication refused an identity other than the gateway's",
    404: "No such resource for this caller",
    409: "Lines name ids that exist with other content (conflictingIds); nothing was written",
    411: "The body was sent without Content-Length (e.g. chunked): the Functions host drops such bodies",
    412: "A precondition failed: If-Match does not match, or If-None-Match does (on a write)",
    413: "The body is larger than the documented limit (bytes, or lines of an import: limit)",
    415: "The body's media type is not one the operation takes (JSON, merge patch JSON, NDJSON)",
    422: "The body is JSON but its values are invalid",
    503: "Storage is unavailable or slow, or the service is misconfigured: retry after Retry-After seconds",
}


def _problem_response(status: int) -> dict[str, Any]:
    if status == 401:
        # In Azure, App Service authentication refuses a caller that is not the gateway before
        # the app runs, with its own body; the app's own 401 (no owner header) is a problem.
        return {"description": PROBLEM_STATUS[401]}
    headers = dict(COMMON_HEADERS)
    if status == 503:
        headers["Retry-After"] = header("Seconds to wait before retrying", {"type": "integer"})
    return {
        "description": PROBLEM_STATUS[status],
        "headers": headers,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": SCHEMA_REF.format(model=model.__name__)}


def _parameters(template: str, operation: Operation, method: str) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for name in ("listId", "itemId"):
        if "{" + name + "}" in template:
            parameters.append({"name": name, "in": "path", "required": True, "schema": ID_SCHEMA})
    if "{state}" in template:
        parameters.append(
            {"name": "state", "in": "path", "required": True, "schema": {"$ref": "#/components/schemas/ItemState"}}
        )
    if operation.tag == "meta":
        if "{name}" in template:
            parameters.append({"name": "name", "in": "path", "required": True, "schema": {"type": "string"}})
        return parameters
    parameters.append({"$ref": "#/components/parameters/Owner"})
    if operation.kind == "collection":
        parameters += [
            {"$ref": "#/components/parameters/top"},
            {"$ref": "#/components/parameters/skip"},
            {"$ref": "#/components/parameters/cursor"},
        ]
    if operation.kind == "stream":  # paged by key position only: no skip
        parameters += [{"$ref": "#/components/parameters/top"}, {"$ref": "#/components/parameters/cursor"}]
    if method == "GET" and operation.kind in ("resource", "collection", "stream"):
        parameters.append({"$ref": "#/components/parameters/If-None-Match"})
        parameters.append({"$ref": "#/components/parameters/If-Match"})
    if operation.conditional and method in ("POST", "PUT", "PATCH", "DELETE"):
        parameters.append({"$ref": "#/components/parameters/If-Match"})
        parameters.append({"$ref": "#/components/parameters/If-None-Match"})
    if operation.idempotent_create:
        parameters.append({"$ref": "#/components/parameters/Idempotency-Key"})
    if operation.idempotency_required:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "Required (400 without); a retry with the same key and body replays the answer",
                "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
            }
        )
    return parameters


def _request_body(operation: Operation, method: str) -> dict[str, Any] | None:
    if operation.body is None:
        return None
    if operation.body == "ids":
        schema: dict[str, Any] = {"type": "array", "items": ID_SCHEMA, "minItems": 1, "maxItems": MAX_BATCH_IDS}
        return {"required": True, "content": {"application/json": {"schema": schema}}}
    if operation.body == "ndjson":
        lines = {
            "type": "string",
            "format": "binary",  # the raw body, as clients send it (and generators make a bytes parameter of)
            "description": (
                f"Up to {MAX_LINES} lines, each a JSON object: kind list or item and the fields the API returns "
                "for a TodoList or TodoItem (ids and dates included); blank lines and CRLF allowed."
            ),
        }
        return {"required": True, "content": {"application/x-ndjson": {"schema": lines}}}
    assert isinstance(operation.body, type)
    media = ["application/merge-patch+json", "application/json"] if method == "PATCH" else ["application/json"]
    return {"required": True, "content": {m: {"schema": _ref(operation.body)} for m in media}}


def _success(operation: Operation, method: str) -> dict[str, Any]:
    headers = dict(COMMON_HEADERS)
    etag = {"$ref": "#/components/headers/ETag"}
    cache = {"$ref": "#/components/headers/Cache-Control"}
    if operation.kind == "document":
        content = {
            operation.media_type: {
                "schema": {"type": "object"} if operation.media_type.endswith("json") else {"type": "string"}
            }
        }
        return {
            "200": {
                "description": operation.summary,
                "headers": {**headers, "ETag": etag, "Cache-Control": cache},
                "content": content,
            }
        }
    if operation.kind == "outcome":
        count = {"type": "integer", "minimum": 0}
        summary = {
            "type": "object",
            "required": ["created", "unchanged"],
            "properties": {"created": count, "unchanged": count},
        }
        replayed = header("true when an Idempotency-Key replayed an earlier answer")
        return {
            "200": {
                "description": "Imported: rows created, and lines skipped because they exist with the same content",
                "headers": {**headers, "Idempotent-Replayed": replayed},
                "content": {"application/json": {"schema": summary}},
            }
        }
    if operation.kind == "no-content":
        return {"204": {"description": "Deleted", "headers": headers}}
    if operation.kind == "stream":
        return _stream(operation, headers)
    assert operation.model is not None
    if operation.kind == "values":
        schema: dict[str, Any] = {"type": "array", "items": _ref(operation.model)}
        return {
            "200": {
                "description": "The named items, updated",
                "headers": headers,
                "content": {"application/json": {"schema": schema}},
            }
        }
    if operation.kind == "collection":
        link = header('RFC 8288 link to the next page: <url>; rel="next" (absent on the last page)')
        schema = {"type": "array", "items": _ref(operation.model)}
        ok = {
            "description": "One page",
            "headers": {**headers, "ETag": etag, "Cache-Control": cache, "Link": link},
            "content": {"application/json": {"schema": schema}},
        }
        return {
            "200": ok,
            "304": {
                "description": "Not modified (If-None-Match matched)",
                "headers": {**headers, "ETag": etag, "Cache-Control": cache},
            },
        }
    body = {"application/json": {"schema": _ref(operation.model)}}
    if operation.kind == "created":
        location = header("Absolute URL of the new resource", {"type": "string", "format": "uri"})
        replayed = header("true when an Idempotency-Key replayed an earlier creation")
        created = {
            "description": "Created",
            "content": body,
            "links": operation.links,
            "headers": {**headers, "ETag": etag, "Location": location, "Idempotent-Replayed": replayed},
        }
        return {"201": created}
    ok = {"description": "The resource", "headers": {**headers, "ETag": etag, "Cache-Control": cache}, "content": body}
    if method == "GET":
        return {
            "200": ok,
            "304": {
                "description": "Not modified (If-None-Match matched)",
                "headers": {**headers, "ETag": etag, "Cache-Control": cache},
            },
        }
    return {"200": ok}


_LINK = 'RFC 8288 link to the next page: <url>; rel="next" (absent on the last page)'
_NOT_MODIFIED = "Not modified (If-None-Match matched)"
_STREAM = (
    "One JSON object per line (NDJSON): each a TodoList or TodoItem exactly as the API represents it, with "
    '"kind" ("list" or "item") first; every list is followed by its items, lists and items in id order. '
    "top counts lines. A page may hold fewer lines than top, even none: only a missing Link ends the export."
)


def _stream(operation: Operation, headers: dict[str, Any]) -> dict[str, Any]:
    """A page of lines: the media type of the lines, the Link to the next page, 304 like a collection."""
    etag, cache = {"$ref": "#/components/headers/ETag"}, {"$ref": "#/components/headers/Cache-Control"}
    return {
        "200": {
            "description": _STREAM,
            "headers": {**headers, "ETag": etag, "Cache-Control": cache, "Link": header(_LINK)},
            "content": {operation.media_type: {"schema": {"type": "string"}}},
        },
        "304": {"description": _NOT_MODIFIED, "headers": {**headers, "ETag": etag, "Cache-Control": cache}},
    }


def _registered(app: func.FunctionRegister) -> list[tuple[str, str, list[str]]]:
    """(function name, route template, methods) for every HTTP function the app registers."""
    app.functions_bindings = None  # get_functions() refuses a second call otherwise
    try:
        found = []
        for function in app.get_functions():
            trigger = function.get_trigger()
            route = getattr(trigger, "route", None)
            if route is None:
                continue
            methods = [str(getattr(m, "value", m)).upper() for m in (getattr(trigger, "methods", None) or [])]
            found.append((str(function.get_function_name()), route, methods))
        return found
    finally:
        app.functions_bindings = None


def build_document(app: func.FunctionRegister, server_url: str = "/api") -> dict[str, Any]:
    """The document; server_url is the API's base as the reader of the document reaches it."""
    paths: dict[str, dict[str, Any]] = {}
    for name, template, methods in _registered(app):
        if name.endswith(NOT_AN_OPERATION):
            continue
        operation = OPERATIONS.get(name)
        if operation is None:
            raise LookupError(f"function {name} has no OpenAPI description in shared/web/openapi_operations.py")
        for method in methods:
            if method == "HEAD":
                continue  # answered like GET everywhere; stated in the description
            responses = _success(operation, method)
            for status in operation.errors:
                responses[str(status)] = _problem_response(status)
            if operation.tag != "meta":
                responses["401"] = _problem_response(401)
                responses["403"] = _problem_response(403)
            entry: dict[str, Any] = {
                "operationId": operation.operation_id,
                "summary": operation.summary,
                "tags": [operation.tag],
                "parameters": _parameters(template, operation, method),
                "responses": responses,
            }
            body = _request_body(operation, method)
            if body:
                entry["requestBody"] = body
            paths.setdefault("/" + template, {})[method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Todo API",
            "version": "1.1.0",
            "description": (
                "Lists and items. HEAD is answered wherever GET is; a method a path does not serve gets 405 with "
                "Allow. Errors are RFC 9457 problem documents. Behind API Management callers authenticate with "
                "Entra ID or a subscription key and the gateway sets the owner header; the app itself "
                "takes no key (in Azure only the gateway's managed identity can reach it)."
            ),
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": "lists"}, {"name": "items"}, {"name": "me"}, {"name": "meta"}],
        "paths": paths,
        "components": components(),
    }


_described: list[func.FunctionRegister] = []


def describe(app: func.FunctionRegister) -> None:
    """Name the app the served document describes. function_app.py passes it in once every
    blueprint is registered, so nothing the app imports imports function_app back."""
    _described[:] = [app]
    document_bytes.cache_clear()


@lru_cache(maxsize=8)
def document_bytes(server_url: str = "/api") -> bytes:
    """The served document, for the base URL its reader uses (a few distinct ones at most: the
    gateway's, the app's own host; each is built once per process)."""
    if not _described:
        raise LookupError("no app to describe: function_app.py calls shared.web.openapi.describe(app)")
    return json.dumps(build_document(_described[0], server_url), separators=(",", ":")).encode()
