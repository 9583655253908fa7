"""The reusable parts of the OpenAPI document (`components`): the models' JSON Schemas, the
problem document's schema, and the shared parameters and headers. Kept apart from the path
building in shared.web.openapi so each stays short; both are built once per process.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from shared.domain.models import TodoItem, TodoItemPatch, TodoItemWrite, TodoList, TodoListPatch, TodoListWrite
from shared.platform.settings import OWNER_HEADER
from shared.web.headers import IDEMPOTENCY_KEY_PATTERN, OWNER_PATTERN
from shared.web.pagination import DEFAULT_TOP, MAX_SKIP, MAX_TOP

SCHEMA_REF = "#/components/schemas/{model}"
MODELS: tuple[type[BaseModel], ...] = (TodoList, TodoListWrite, TodoListPatch, TodoItem, TodoItemWrite, TodoItemPatch)


def header(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "schema": schema or {"type": "string"}}


def components() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for model in MODELS:
        mode: Literal["validation", "serialization"] = (
            "serialization" if model in (TodoList, TodoItem) else "validation"
        )
        schema = model.model_json_schema(by_alias=True, ref_template=SCHEMA_REF, mode=mode)
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    schemas["Problem"] = {
        "type": "object",
        "description": "RFC 9457 problem details",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {
                        "line": {"type": "integer", "description": "an import's line, counted from 1"},
                        "field": {"type": "string", "description": "JSON pointer into the body (or the line)"},
                        "message": {"type": "string"},
                    },
                },
            },
            "unknownIds": {"type": "array", "items": {"type": "string"}},
            "conflictingIds": {"type": "array", "items": {"type": "string"}},
            "conflicts": {
                "type": "array",
                "description": "an import's lines whose ids exist with other content",
                "items": {
                    "type": "object",
                    "properties": {"line": {"type": "integer"}, "kind": {"type": "string"}, "id": {"type": "string"}},
                },
            },
            "limit": {"type": "integer", "description": "the limit a 413 refers to"},
        },
    }
    return {
        "schemas": schemas,
        "parameters": {
            "Owner": {
                "name": OWNER_HEADER,
                "in": "header",
                "required": False,
                "description": "Set by API Management from the caller's identity; clients never send it.",
                "schema": {"type": "string", "pattern": OWNER_PATTERN},
            },
            "top": {
                "name": "top",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_TOP, "default": DEFAULT_TOP},
            },
            "skip": {
                "name": "skip",
                "in": "query",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_SKIP, "default": 0},
            },
            "cursor": {
                "name": "cursor",
                "in": "query",
                "description": "Opaque; copy it from a Link header.",
                "schema": {"type": "string"},
            },
            "If-None-Match": {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}},
            "If-Match": {
                "name": "If-Match",
                "in": "header",
                "description": "Strong ETag(s) or *",
                "schema": {"type": "string"},
            },
            "Idempotency-Key": {
                "name": "Idempotency-Key",
                "in": "header",
                "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
            },
        },
        "headers": {
            "ETag": header("Strong validator of the representation"),
            "Cache-Control": header("private, no-cache on reads; no-store on writes and errors"),
            "X-Request-Id": header("The request's id, also in the logs"),
        },
    }
