"""Problem details (RFC 9457): the one shape every error of the API takes, and the one table
that says which status each domain error becomes."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
from pydantic import ValidationError

from shared.domain.errors import (
    IdempotencyKeyReused,
    ImportConflict,
    InvalidLines,
    NotFound,
    PreconditionFailed,
    StorageUnavailable,
    TodoError,
    TooManyLines,
    UnknownItems,
)
from shared.web.headers import CACHE_NONE, PROBLEM_JSON

RETRY_AFTER_SECONDS = 2

_PROBLEM_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

DOMAIN_STATUS: dict[type[TodoError], tuple[int, str]] = {
    NotFound: (404, "not-found"),
    PreconditionFailed: (412, "precondition-failed"),
    UnknownItems: (404, "unknown-items"),
    IdempotencyKeyReused: (422, "idempotency-key-reused"),
    StorageUnavailable: (503, "storage-unavailable"),
    InvalidLines: (422, "validation-failed"),
    TooManyLines: (413, "too-many-lines"),
    ImportConflict: (409, "import-conflict"),
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


def problem_type(kind: str) -> str:
    return f"urn:problem-type:todo-api:{kind}"


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


def domain_problem(exc: TodoError) -> func.HttpResponse:
    status, kind = DOMAIN_STATUS.get(type(exc), (500, "internal-error"))
    return problem_response(status, kind, exc.detail, exc.extensions)


def http_problem(exc: HttpProblem) -> func.HttpResponse:
    return problem_response(exc.status, exc.kind, exc.detail, exc.extensions, exc.headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    return "/" + "/".join(str(part) for part in loc) if loc else ""


def validation_problem(exc: ValidationError) -> HttpProblem:
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
