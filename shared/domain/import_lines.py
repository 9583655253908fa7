"""The lines of a data import (POST /me/import): newline-delimited JSON, one resource per line.

Each line is a JSON object with a `kind` ("list" or "item", shared.domain.exchange) and the fields, camelCase, that the
API returns for that resource (TodoList, TodoItem), ids and dates included, so that what an
export wrote can be imported back as it was. The field rules are the API's own (Name,
Description, UtcDatetime, the id format); unknown fields are refused, as on every write.

Parsing is pure: it needs no storage, so it names every bad line at once (line numbers count
physical lines from 1, blank ones included, so they match an editor's). Whether an item's list
exists among the caller's lists is for the use case to check (shared.service.imports).

Lines are separated by LF. A line may end in CR (CRLF files): CR is JSON whitespace (RFC 8259
section 2), as are the spaces and tabs that make a line blank; blank lines and a final newline
are allowed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from shared.domain.errors import InvalidLines, TooManyLines
from shared.domain.exchange import ITEM_KIND, LIST_KIND
from shared.domain.ids import is_valid_id
from shared.domain.models import Description, ItemState, Name, TodoItem, TodoList, UtcDatetime

# One Table Storage entity-group transaction holds at most 100 operations, and an import is one
# transaction: all its rows are written or none.
MAX_LINES = 100
MAX_ERRORS = 100  # per problem document: enough to fix a file, bounded whatever was sent
BLANK = b" \t\r"  # JSON whitespace besides LF, which separates the lines

T = TypeVar("T", TodoList, TodoItem)


def _valid_id(value: str) -> str:
    if not is_valid_id(value):
        raise ValueError("must be 32 lowercase hexadecimal characters")
    return value


ResourceId = Annotated[str, AfterValidator(_valid_id)]


class _Line(BaseModel):
    """Strict as the API's request bodies: JSON types only, camelCase names only, nothing unknown."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=False, extra="forbid", strict=True, frozen=True
    )


class ListLine(_Line):
    kind: Literal["list"]
    id: ResourceId
    name: Name
    description: Description | None = None
    created_date: UtcDatetime
    updated_date: UtcDatetime

    def resource(self) -> TodoList:
        return TodoList(
            id=self.id,
            name=self.name,
            description=self.description,
            created_date=self.created_date,
            updated_date=self.updated_date,
        )


class ItemLine(_Line):
    kind: Literal["item"]
    id: ResourceId
    list_id: ResourceId
    name: Name
    description: Description | None = None
    state: ItemState = ItemState.TODO
    due_date: UtcDatetime | None = None
    completed_date: UtcDatetime | None = None
    created_date: UtcDatetime
    updated_date: UtcDatetime

    def resource(self) -> TodoItem:
        return TodoItem(
            id=self.id,
            list_id=self.list_id,
            name=self.name,
            description=self.description,
            state=self.state,
            due_date=self.due_date,
            completed_date=self.completed_date,
            created_date=self.created_date,
            updated_date=self.updated_date,
        )


LINE_MODELS: dict[str, type[ListLine] | type[ItemLine]] = {LIST_KIND: ListLine, ITEM_KIND: ItemLine}


@dataclass(frozen=True)
class LineError:
    line: int
    field: str  # a JSON pointer into the line's object; "" for the line as a whole
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class Numbered(Generic[T]):
    """A resource and the line it came from (errors found later still name the line)."""

    line: int
    value: T


@dataclass(frozen=True)
class ImportBatch:
    lists: tuple[Numbered[TodoList], ...]
    items: tuple[Numbered[TodoItem], ...]

    @property
    def size(self) -> int:
        return len(self.lists) + len(self.items)

    def outside_lists(self) -> list[str]:
        """The lists items go into that no line of this request creates: they must already exist."""
        own = {line.value.id for line in self.lists}
        return list(dict.fromkeys(line.value.list_id for line in self.items if line.value.list_id not in own))


def invalid_lines(errors: Iterable[LineError]) -> InvalidLines:
    """The error of a request with bad lines: every line named, nothing written."""
    found = sorted(errors, key=lambda e: e.line)
    numbers = list(dict.fromkeys(e.line for e in found))
    shown = ", ".join(str(n) for n in numbers[:20]) + (", ..." if len(numbers) > 20 else "")
    noun = "line" if len(numbers) == 1 else "lines"
    return InvalidLines(
        f"{noun} {shown} cannot be imported; nothing was written",
        errors=[e.as_json() for e in found[:MAX_ERRORS]],
    )


def parse_lines(body: bytes) -> ImportBatch:
    """The resources of an import body, or TooManyLines (before anything else is checked) or
    InvalidLines naming every bad line."""
    lines = [(number, raw) for number, raw in enumerate(body.split(b"\n"), 1) if raw.strip(BLANK)]
    if len(lines) > MAX_LINES:
        raise TooManyLines(
            f"an import takes at most {MAX_LINES} lines (one transaction); this one has {len(lines)}",
            limit=MAX_LINES,
            lines=len(lines),
        )
    errors: list[LineError] = []
    lists: list[Numbered[TodoList]] = []
    items: list[Numbered[TodoItem]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in lines:
        parsed = _parse_line(number, raw, errors)
        if parsed is None:
            continue
        first = seen.setdefault((parsed.kind, parsed.id), number)
        if first != number:
            errors.append(LineError(number, "/id", f"the {parsed.kind} {parsed.id} is already on line {first}"))
        elif isinstance(parsed, ListLine):
            lists.append(Numbered(number, parsed.resource()))
        else:
            items.append(Numbered(number, parsed.resource()))
    if errors:
        raise invalid_lines(errors)
    return ImportBatch(tuple(lists), tuple(items))


def _parse_line(number: int, raw: bytes, errors: list[LineError]) -> ListLine | ItemLine | None:
    try:
        text = raw.decode("utf-8")
        value = json.loads(text)
    except UnicodeDecodeError:
        errors.append(LineError(number, "", "the line is not UTF-8"))
        return None
    except (ValueError, RecursionError):
        errors.append(LineError(number, "", "the line is not valid JSON"))
        return None
    if not isinstance(value, dict):
        errors.append(LineError(number, "", "expected a JSON object"))
        return None
    kind = value.get("kind")
    model = LINE_MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        problem = "missing" if "kind" not in value else "unknown"
        errors.append(LineError(number, "/kind", f'{problem} kind: expected "{LIST_KIND}" or "{ITEM_KIND}"'))
        return None
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            field = "/" + "/".join(str(part) for part in error["loc"]) if error["loc"] else ""
            errors.append(LineError(number, field, error["msg"]))
        return None
