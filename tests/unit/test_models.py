"""The JSON contract: field names, required fields, read-only fields and merge patch."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.domain.models import (
    ItemState,
    TodoItem,
    TodoItemPatch,
    TodoItemWrite,
    TodoListPatch,
    TodoListWrite,
    sent_fields,
)


def test_unknown_fields_are_rejected_by_name() -> None:
    with pytest.raises(ValidationError) as raised:
        TodoListWrite.model_validate_json(b'{"name": "a", "colour": "red"}')
    assert raised.value.errors()[0]["loc"] == ("colour",)


def test_read_only_fields_sent_back_are_accepted_and_ignored() -> None:
    body = b'{"id": "x", "listId": "y", "name": "a", "createdDate": "z", "updatedDate": 1}'
    parsed = TodoItemWrite.model_validate_json(body)
    assert parsed.name == "a"
    assert "id" not in parsed.model_dump()


def test_name_is_required_bounded_and_typed() -> None:
    for body in (b"{}", b'{"name": ""}', b'{"name": 5}', b'{"name": "' + b"x" * 257 + b'"}'):
        with pytest.raises(ValidationError):
            TodoListWrite.model_validate_json(body)


def test_state_and_dates_are_validated() -> None:
    with pytest.raises(ValidationError):
        TodoItemWrite.model_validate_json(b'{"name": "a", "state": "finished"}')
    with pytest.raises(ValidationError):
        TodoItemWrite.model_validate_json(b'{"name": "a", "dueDate": "tomorrow"}')
    parsed = TodoItemWrite.model_validate_json(b'{"name": "a", "dueDate": "2026-03-01T10:00:00+02:00"}')
    assert parsed.due_date == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_merge_patch_keeps_nulls_and_omits_absent_fields() -> None:
    patch = TodoItemPatch.model_validate_json(b'{"description": null, "state": "done"}')
    assert sent_fields(patch) == {"description": None, "state": ItemState.DONE}


def test_merge_patch_cannot_null_a_required_field() -> None:
    with pytest.raises(ValidationError):
        TodoListPatch.model_validate_json(b'{"name": null}')


def test_representation_uses_camel_case_and_utc() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    item = TodoItem(id="i", list_id="l", name="n", created_date=now, updated_date=now)
    assert item.to_json() == (
        b'{"id":"i","listId":"l","name":"n","description":null,"state":"todo","dueDate":null,'
        b'"completedDate":null,"createdDate":"2026-01-02T03:04:05Z","updatedDate":"2026-01-02T03:04:05Z"}'
    )


def test_dates_before_the_storage_range_are_rejected() -> None:
    with pytest.raises(ValidationError):
        TodoItemWrite.model_validate_json(b'{"name": "a", "dueDate": "0437-11-19T08:53:27Z"}')
    assert TodoItemWrite.model_validate_json(b'{"name": "a", "dueDate": "1601-01-01T00:00:00Z"}').due_date


@pytest.mark.parametrize(
    "date", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00", "9999-12-31T22:00:00-03:00"]
)
def test_dates_that_leave_the_calendar_once_in_utc_are_validation_errors(date: str) -> None:
    with pytest.raises(ValidationError):
        TodoItemWrite.model_validate_json(f'{{"name": "a", "dueDate": "{date}"}}'.encode())
    with pytest.raises(ValidationError):
        TodoItemPatch.model_validate_json(f'{{"completedDate": "{date}"}}'.encode())


def test_patch_schema_marks_required_fields_as_non_nullable() -> None:
    schema = TodoItemPatch.model_json_schema(by_alias=True)
    assert schema["properties"]["name"]["type"] == "string"
    assert "required" not in schema


def test_a_lists_items_sent_back_by_a_todo_client_are_accepted_and_ignored() -> None:
    body = b'{"name": "a", "items": [{"id": "x", "name": "milk"}], "id": "l"}'
    for model in (TodoListWrite, TodoListPatch):
        parsed = model.model_validate_json(body)
        assert "items" not in parsed.model_dump() and "items" not in parsed.model_dump(by_alias=True)
    assert sent_fields(TodoListPatch.model_validate_json(body)) == {"name": "a"}
    with pytest.raises(ValidationError):  # items are a list's field, not an item's
        TodoItemWrite.model_validate_json(b'{"name": "a", "items": []}')
