"""Contract rules of the models that no happy path notices: read-only fields in a merge patch,
dates without an offset (proved in a non-UTC zone), the texts of date errors, and the limits and
patterns declared as module constants (which mutation testing does not vary)."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

from shared.domain.models import (
    DATE_SCHEMA,
    DESCRIPTION_MAX,
    MIN_YEAR,
    NAME_MAX,
    TEXT_PATTERN,
    TodoItem,
    TodoItemPatch,
    TodoItemWrite,
    TodoList,
    TodoListPatch,
    TodoListWrite,
    read_only_fields,
    sent_fields,
)

WRITE_MODELS: list[type[BaseModel]] = [TodoListWrite, TodoListPatch, TodoItemWrite, TodoItemPatch]


@pytest.fixture
def new_york_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machines run in UTC, where reading a naive date as local time is indistinguishable from
    reading it as UTC; a zone five hours away makes the difference visible."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    assert time.localtime(0).tm_hour != 0, "the TZ database is needed to prove this"
    yield
    monkeypatch.undo()
    time.tzset()


def _date_error(body: bytes, model: type[BaseModel] = TodoItemWrite) -> str:
    with pytest.raises(ValidationError) as raised:
        model.model_validate_json(body)
    return str(raised.value.errors()[0]["msg"])


def _read_only(model: type[BaseModel]) -> set[str]:
    properties = model.model_json_schema(by_alias=True)["properties"]
    return {name for name, spec in properties.items() if spec.get("readOnly")}


@pytest.mark.parametrize("model", [TodoItemPatch, TodoListPatch])
def test_merge_patch_drops_every_read_only_field_even_when_invalid(model: type[BaseModel]) -> None:
    fields = {"id": '"x"', "listId": "5", "items": '[{"id": 1}]', "createdDate": '"not-a-date"', "updatedDate": "null"}
    sent = ", ".join(f'"{name}": {fields[name]}' for name in sorted(_read_only(model)))
    assert sent_fields(model.model_validate_json(f'{{{sent}, "description": "d"}}'.encode())) == {"description": "d"}


@pytest.mark.parametrize(
    ("model", "field"), [(model, field) for model in (TodoItemPatch, TodoListPatch) for field in _read_only(model)]
)
def test_each_read_only_field_alone_makes_an_empty_patch(model: type[BaseModel], field: str) -> None:
    assert sent_fields(model.model_validate_json(f'{{"{field}": "not-a-date"}}'.encode())) == {}


def test_read_only_fields_are_the_ones_the_schemas_mark_read_only() -> None:
    declared = read_only_fields(TodoItemPatch) | read_only_fields(TodoListPatch)  # exclude=True, declared once
    assert _read_only(TodoItemPatch) | _read_only(TodoListPatch) == {to_camel(name) for name in declared}
    assert declared == {"id", "list_id", "items", "created_date", "updated_date"}
    assert _read_only(TodoItemPatch) == {"id", "listId", "createdDate", "updatedDate"}
    for model in WRITE_MODELS:
        assert _read_only(model) >= {"id", "createdDate", "updatedDate"}, model


def test_date_without_an_offset_is_read_as_utc_not_local_time(new_york_time: None) -> None:
    parsed = TodoItemWrite.model_validate_json(b'{"name": "a", "dueDate": "2026-03-01T10:00:00"}')
    assert parsed.due_date == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert parsed.due_date is not None and parsed.due_date.tzinfo is UTC
    patch = TodoItemPatch.model_validate_json(b'{"completedDate": "2026-07-01T23:30:00"}')
    assert sent_fields(patch) == {"completed_date": datetime(2026, 7, 1, 23, 30, tzinfo=UTC)}


def test_date_with_an_offset_is_converted_to_utc_not_to_local_time(new_york_time: None) -> None:
    parsed = TodoItemWrite.model_validate_json(b'{"name": "a", "dueDate": "2026-03-01T10:00:00+02:00"}')
    assert parsed.due_date is not None and parsed.due_date.tzinfo is UTC
    assert parsed.due_date.hour == 8
    item = TodoItem(id="i", list_id="l", name="n", due_date=parsed.due_date, created_date=parsed.due_date,
                    updated_date=parsed.due_date)  # fmt: skip
    assert b'"dueDate":"2026-03-01T08:00:00Z"' in item.to_json()


def test_date_errors_tell_the_client_why() -> None:
    assert _date_error(b'{"name": "a", "dueDate": "9999-12-31T23:00:00-05:00"}') == (
        "Value error, the date is out of range once converted to UTC"
    )
    assert _date_error(b'{"completedDate": "1600-12-31T23:59:59Z"}', TodoItemPatch) == (
        "Value error, dates must be from 1601-01-01 (the storage's earliest date)"
    )


def test_earliest_storage_year_is_1601_and_the_schema_pattern_agrees() -> None:
    assert MIN_YEAR == 1601
    pattern = re.compile(str(DATE_SCHEMA["pattern"]))
    for year in ("1601", "1609", "1610", "1699", "1700", "1999", "2026", "9999"):
        assert pattern.match(f"{year}-01-01T00:00:00Z"), year
    for year in ("1600", "1599", "0999", "0001", "160-"):
        assert not pattern.match(f"{year}-01-01T00:00:00Z"), year
    assert DATE_SCHEMA["format"] == "date-time" and DATE_SCHEMA["type"] == "string"
    schema = TodoItemWrite.model_json_schema(by_alias=True)["properties"]["dueDate"]
    assert DATE_SCHEMA in schema["anyOf"]


def test_name_and_description_limits() -> None:
    assert (NAME_MAX, DESCRIPTION_MAX) == (256, 4000)
    assert TodoListWrite.model_validate({"name": "n" * NAME_MAX, "description": "d" * DESCRIPTION_MAX})
    for too_long in ({"name": "n" * (NAME_MAX + 1)}, {"name": "n", "description": "d" * (DESCRIPTION_MAX + 1)}):
        with pytest.raises(ValidationError):
            TodoListWrite.model_validate(too_long)
        with pytest.raises(ValidationError):
            TodoItemPatch.model_validate(too_long)


def test_text_allows_tabs_and_line_breaks_but_no_other_control_character() -> None:
    allowed = "a\tb\nc\rd é ☃"
    assert TodoListWrite.model_validate({"name": allowed, "description": allowed}).description == allowed
    assert re.fullmatch(TEXT_PATTERN, allowed)
    for control in [*range(0, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]:
        text = f"a{chr(control)}b"
        assert not re.fullmatch(TEXT_PATTERN, text), hex(control)
        with pytest.raises(ValidationError):
            TodoItemWrite.model_validate({"name": text})
        with pytest.raises(ValidationError):
            TodoItemWrite.model_validate({"name": "n", "description": text})


@pytest.mark.parametrize("model", WRITE_MODELS)
def test_every_request_model_refuses_unknown_fields_and_snake_case_names(model: type[BaseModel]) -> None:
    with pytest.raises(ValidationError) as raised:
        model.model_validate_json(b'{"name": "a", "colour": "red"}')
    assert [e["type"] for e in raised.value.errors()] == ["extra_forbidden"]
    with pytest.raises(ValidationError):
        model.model_validate_json(b'{"name": "a", "created_date": "x"}')  # only the camelCase alias is known


@pytest.mark.parametrize("model", WRITE_MODELS)
def test_request_models_are_strict_about_types(model: type[BaseModel]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate_json(b'{"name": 5}')
    with pytest.raises(ValidationError):
        model.model_validate_json(b'{"name": "a", "description": 5}')


def test_representation_version_is_a_96_bit_hash_of_its_exact_json() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    todo_list = TodoList(id="a", name="n", created_date=now, updated_date=now)
    assert re.fullmatch(r"[0-9a-f]{24}", todo_list.version())
    assert todo_list.version() == hashlib.blake2b(todo_list.to_json(), digest_size=12).hexdigest()
    assert todo_list.model_copy(update={"name": "m"}).version() != todo_list.version()


def test_representations_are_immutable_and_accept_field_names() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    todo_list = TodoList(id="a", name="n", created_date=now, updated_date=now)
    with pytest.raises(ValidationError):
        todo_list.name = "changed"  # type: ignore[misc]
    assert TodoList.model_validate({"id": "a", "name": "n", "createdDate": now, "updatedDate": now}) == todo_list
