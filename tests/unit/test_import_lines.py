"""The rules of an import's lines (shared/domain/import_lines.py), without storage: what a line
must be, how lines are counted and numbered, and how every bad line is named."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.domain.errors import InvalidLines, TooManyLines
from shared.domain.import_lines import MAX_ERRORS, MAX_LINES, parse_lines
from shared.domain.models import ItemState

LIST_ID = "0190a1b2c3d4" + "a" * 20
ITEM_ID = "0190a1b2c3d5" + "b" * 20
DATES = {"createdDate": "2025-01-02T03:04:05.678000Z", "updatedDate": "2025-01-03T00:00:00Z"}


def a_list(**fields: Any) -> dict[str, Any]:
    return {"kind": "list", "id": LIST_ID, "name": "home", **DATES, **fields}


def an_item(**fields: Any) -> dict[str, Any]:
    return {"kind": "item", "id": ITEM_ID, "listId": LIST_ID, "name": "milk", **DATES, **fields}


def body(*lines: Any) -> bytes:
    return b"\n".join(line if isinstance(line, bytes) else json.dumps(line).encode() for line in lines)


def errors_of(raw: bytes) -> list[tuple[int, str]]:
    with pytest.raises(InvalidLines) as caught:
        parse_lines(raw)
    return [(e["line"], e["field"]) for e in caught.value.extensions["errors"]]


def test_a_list_and_its_item_become_the_resources_with_their_ids_and_dates() -> None:
    batch = parse_lines(body(a_list(description=None), an_item(state="done", completedDate="2025-01-04T00:00:00Z")))
    (todo_list,), (item,) = batch.lists, batch.items
    assert (todo_list.line, todo_list.value.id, todo_list.value.name) == (1, LIST_ID, "home")
    assert todo_list.value.created_date == datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert (item.line, item.value.list_id, item.value.state) == (2, LIST_ID, ItemState.DONE)
    assert item.value.completed_date == datetime(2025, 1, 4, tzinfo=UTC)
    assert batch.outside_lists() == [] and batch.size == 2


def test_optional_fields_take_the_apis_defaults() -> None:
    (item,) = parse_lines(body(an_item())).items
    assert item.value.state is ItemState.TODO
    assert (item.value.description, item.value.due_date, item.value.completed_date) == (None, None, None)


def test_blank_lines_crlf_and_a_final_newline_are_allowed_and_lines_keep_their_numbers() -> None:
    raw = b"\r\n" + json.dumps(a_list()).encode() + b"\r\n  \t\n" + json.dumps(an_item()).encode() + b"\r\n"
    batch = parse_lines(raw)
    assert [line.line for line in batch.lists] == [2] and [line.line for line in batch.items] == [4]


def test_an_empty_body_is_an_empty_import() -> None:
    assert parse_lines(b"").size == 0 and parse_lines(b"\n\n").size == 0


def test_lines_that_are_not_json_objects_are_named() -> None:
    lone_surrogate = json.dumps(a_list(name="\ud800")).encode()  # valid to Python's json, not to the API
    raw = body(b"{nope", b"[1, 2]", b"\xff\xfe{}", b'"text"', lone_surrogate, b"NaN", a_list())
    assert errors_of(raw) == [(1, ""), (2, ""), (3, ""), (4, ""), (5, ""), (6, "")]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"id": LIST_ID, "name": "x", **DATES}, "/kind"),
        ({"kind": "tag", "id": LIST_ID, "name": "x", **DATES}, "/kind"),
        ({"kind": None, "id": LIST_ID, "name": "x", **DATES}, "/kind"),
        (a_list(colour="red"), "/colour"),
        (a_list(created_date="2025-01-01T00:00:00Z"), "/created_date"),  # snake_case is not the API's name
        ({"kind": "list", "id": LIST_ID, **DATES}, "/name"),
        (a_list(name=""), "/name"),
        (a_list(name="x" * 257), "/name"),
        (a_list(name="bell\x07"), "/name"),
        (a_list(name=5), "/name"),
        (a_list(description="x" * 4001), "/description"),
        (a_list(id="0190A1B2C3D4" + "a" * 20), "/id"),
        (a_list(id="../" + "a" * 29), "/id"),
        (a_list(createdDate="1600-12-31T23:59:59Z"), "/createdDate"),
        (a_list(createdDate=1735787045), "/createdDate"),  # a number is not a date here
        (a_list(updatedDate="yesterday"), "/updatedDate"),
        (a_list(updatedDate=None), "/updatedDate"),
        (an_item(state="finished"), "/state"),
        (an_item(state=None), "/state"),
        (an_item(listId="nope"), "/listId"),
        (an_item(dueDate="2025-13-01T00:00:00Z"), "/dueDate"),
        (an_item(items=[]), "/items"),
    ],
)
def test_a_line_breaking_a_field_rule_is_named_with_its_field(line: dict[str, Any], field: str) -> None:
    assert errors_of(body(a_list(id="0190a1b2c3d4" + "c" * 20), line)) == [(2, field)]


def test_a_date_without_an_offset_is_utc_and_one_with_an_offset_is_converted() -> None:
    (todo_list,) = parse_lines(
        body(a_list(createdDate="2025-01-02T03:04:05", updatedDate="2025-01-02T05:04:05+02:00"))
    ).lists
    assert todo_list.value.created_date == todo_list.value.updated_date == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_an_id_on_two_lines_of_one_kind_is_named_on_the_second() -> None:
    raw = body(a_list(), an_item(), a_list(name="again"), an_item(listId="0190a1b2c3d4" + "d" * 20))
    with pytest.raises(InvalidLines) as caught:
        parse_lines(raw)
    assert caught.value.extensions["errors"] == [
        {"line": 3, "field": "/id", "message": f"the list {LIST_ID} is already on line 1"},
        {"line": 4, "field": "/id", "message": f"the item {ITEM_ID} is already on line 2"},
    ]


def test_every_bad_line_is_named_at_once_and_the_detail_lists_them() -> None:
    with pytest.raises(InvalidLines) as caught:
        parse_lines(body(b"x", a_list(), a_list(id="0190a1b2c3d4" + "e" * 20, name=""), b"[]"))
    assert caught.value.detail == "lines 1, 3, 4 cannot be imported; nothing was written"


def test_the_errors_listed_are_bounded() -> None:
    with pytest.raises(InvalidLines) as caught:
        parse_lines(b"\n".join([b'{"kind": "list"}'] * MAX_LINES))  # four fields missing on every line
    assert len(caught.value.extensions["errors"]) == MAX_ERRORS
    assert caught.value.detail == f"lines {', '.join(str(n) for n in range(1, 21))}, ... cannot be imported; " + (
        "nothing was written"
    )


def test_100_lines_are_one_import_and_101_are_too_many_before_any_line_is_read() -> None:
    lines = [a_list(id=f"0190a1b2c3d4{n:020x}") for n in range(MAX_LINES)]
    assert parse_lines(body(*lines) + b"\n\n\n").size == MAX_LINES  # blank lines do not count
    with pytest.raises(TooManyLines) as caught:
        parse_lines(body(*lines, b"not even json"))
    assert caught.value.extensions == {"limit": 100, "lines": 101}


def test_items_of_lists_not_in_the_import_are_the_lists_to_find() -> None:
    other = "0190a1b2c3d4" + "f" * 20
    batch = parse_lines(body(a_list(), an_item(), an_item(id="0190a1b2c3d6" + "b" * 20, listId=other)))
    assert batch.outside_lists() == [other]


def test_every_field_a_line_carries_reaches_the_resource() -> None:
    batch = parse_lines(
        body(a_list(description="the flat"), an_item(description="oat", dueDate="2030-05-06T07:08:09Z"))
    )
    assert batch.lists[0].value.description == "the flat"
    item = batch.items[0].value
    assert (item.description, item.due_date) == ("oat", datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC))


def test_one_bad_line_is_named_in_the_singular_and_an_invalid_id_says_why() -> None:
    with pytest.raises(InvalidLines) as caught:
        parse_lines(body(a_list(), a_list(id="not-an-id")))
    assert caught.value.detail == "line 2 cannot be imported; nothing was written"
    (error,) = caught.value.extensions["errors"]
    assert error["field"] == "/id" and "32 lowercase hexadecimal characters" in error["message"]


def test_exactly_twenty_bad_lines_are_all_listed_without_an_ellipsis() -> None:
    with pytest.raises(InvalidLines) as caught:
        parse_lines(b"\n".join([b"x"] * 20))
    assert caught.value.detail == f"lines {', '.join(str(n) for n in range(1, 21))} cannot be imported; " + (
        "nothing was written"
    )


def test_a_line_of_only_spaces_tabs_and_cr_is_blank_but_other_whitespace_is_not() -> None:
    assert parse_lines(b" \t\r\n" + json.dumps(a_list()).encode()).lists[0].line == 2
    assert errors_of(b"\x0b\n" + json.dumps(a_list()).encode())[0][0] == 1  # a vertical tab is no JSON whitespace
