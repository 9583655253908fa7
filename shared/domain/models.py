"""Resource models: the JSON contract (camelCase) and the rules each field must satisfy.

One family per resource: a public representation, a write model for POST/PUT and a patch model
for JSON Merge Patch. Read-only fields are accepted and ignored on writes because clients often
send back the representation they received; any other unknown field is rejected.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

NAME_MAX = 256
DESCRIPTION_MAX = 4000


def _as_utc(value: datetime) -> datetime:
    # A date without an offset is read as UTC; every stored date is UTC.
    try:
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 lies past year 9999 in UTC
        raise ValueError("the date is out of range once converted to UTC") from None
    if value.year < MIN_YEAR:
        raise ValueError(f"dates must be from {MIN_YEAR}-01-01 (the storage's earliest date)")
    return value


# Text may hold tabs and line breaks but no other control characters (they break clients and logs).
TEXT_PATTERN = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$"

# Table Storage keeps dates from 1601-01-01 to 9999-12-31; the pattern says so to clients.
MIN_YEAR = 1601
DATE_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "pattern": "^(16(0[1-9]|[1-9][0-9])|1[7-9][0-9]{2}|[2-9][0-9]{3})-",
}
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc), WithJsonSchema(DATE_SCHEMA)]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX, pattern=TEXT_PATTERN)]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX, pattern=TEXT_PATTERN)]


def version_of(representation: bytes) -> str:
    """A strong version of a representation: it changes whenever its bytes change."""
    return hashlib.blake2b(representation, digest_size=12).hexdigest()


class ItemState(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "inprogress"
    DONE = "done"


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def to_json(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()

    def version(self) -> str:
        return version_of(self.to_json())


_READ_ONLY: dict[str, Any] = {"readOnly": True, "description": "read-only: accepted and ignored"}


class _Write(BaseModel):
    """Base of request bodies: strict types, unknown fields rejected, read-only ones ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=False, extra="forbid", strict=True)
    id: Any = Field(default=None, exclude=True, json_schema_extra=_READ_ONLY)
    created_date: Any = Field(default=None, exclude=True, json_schema_extra=_READ_ONLY)
    updated_date: Any = Field(default=None, exclude=True, json_schema_extra=_READ_ONLY)


class TodoList(_Camel):
    id: str
    name: str
    description: str | None = None
    created_date: datetime
    updated_date: datetime


class TodoListWrite(_Write):
    # The widely used Todo web client sends its in-memory items back with the list.
    items: Any = Field(default=None, exclude=True, json_schema_extra=_READ_ONLY)
    name: Name
    description: Description | None = None


class _Patch(_Write):
    """A merge patch may remove optional fields with null, never required ones: those are
    typed without None (null is a 422) yet default to None, which means "not sent"."""


class TodoListPatch(_Patch):
    items: Any = Field(default=None, exclude=True, json_schema_extra=_READ_ONLY)
    name: Name = Field(default=None)  # type: ignore[assignment]  # None only means "not sent"
    description: Description | None = None


class TodoItem(_Camel):
    id: str
    list_id: str
    name: str
    description: str | None = None
    state: ItemState = ItemState.TODO
    due_date: datetime | None = None
    completed_date: datetime | None = None
    created_date: datetime
    updated_date: datetime


class TodoItemWrite(_Write):
    list_id: Any = Field(default=None, exclude=True, json_schema_extra=_READ_ONLY)
    name: Name
    description: Description | None = None
    state: ItemState = ItemState.TODO
    due_date: UtcDatetime | None = None
    completed_date: UtcDatetime | None = None


class TodoItemPatch(_Patch):
    list_id: Any = Field(default=None, exclude=True, json_schema_extra=_READ_ONLY)
    name: Name = Field(default=None)  # type: ignore[assignment]  # None only means "not sent"
    description: Description | None = None
    state: ItemState = Field(default=None)  # type: ignore[assignment]  # None only means "not sent"
    due_date: UtcDatetime | None = None
    completed_date: UtcDatetime | None = None


def read_only_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields a request body may carry but never changes (declared once, with exclude=True)."""
    return frozenset(name for name, info in model.model_fields.items() if info.exclude)


def sent_fields(patch: BaseModel) -> dict[str, Any]:
    """The fields a merge patch actually carried, nulls included (RFC 7396: null removes)."""
    ignored = read_only_fields(type(patch))
    return {name: getattr(patch, name) for name in patch.model_fields_set if name not in ignored}
