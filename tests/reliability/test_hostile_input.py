"""Hostile and malformed input only ever gets a documented 4xx problem, never a 5xx, and never
changes data it should not. Property-based (hypothesis) and hand-picked cases."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shared.domain.ids import new_id
from tests.support import ApiClient, Response

NDJSON = "application/x-ndjson"
INTERNAL_MARKERS = ("Traceback", "azure.", "PartitionKey", "RowKey", 'File "', "/work/", "site-packages", "Exception")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
hostile_text = st.text(max_size=60) | st.sampled_from([
    "' or PartitionKey ne '", "x' or RowKey gt '", "a/b", "a\\b", "a#b", "a?b", "\x00\x01\x1f", "..", "%2F", "\ud800",
])  # fmt: skip


def assert_problem(response: Response) -> None:
    assert response.status < 500, (response.status, response.body[:300])
    if response.header("X-Request-Id") is None:
        # Refused before the app ran: no route matched (404) or the HTTP parser rejected a
        # malformed request line or header (400), as the real Functions host also does.
        assert response.status in (400, 404), response.status
        return
    if response.status >= 400:
        assert response.header("Content-Type") == "application/problem+json"
        document = response.json()
        assert {"type", "title", "status", "detail"} <= set(document)
        assert document["status"] == response.status
        text = response.body.decode()
        assert not any(marker in text for marker in INTERNAL_MARKERS), text


@pytest.fixture
def snapshot(client: ApiClient) -> dict[str, Any]:
    """A list with an item that no hostile request may change."""
    lid = client.new_list("keep")["id"]
    client.new_item(lid, "keep me")
    return {"lid": lid, "items": client.get(f"/lists/{lid}/items").json(), "list": client.get(f"/lists/{lid}").json()}


def assert_unchanged(client: ApiClient, snapshot: dict[str, Any]) -> None:
    lid = snapshot["lid"]
    assert client.get(f"/lists/{lid}").json() == snapshot["list"]
    assert client.get(f"/lists/{lid}/items").json() == snapshot["items"]


@SETTINGS
@given(body=json_values)
def test_any_json_body_on_every_write_is_handled(client: ApiClient, snapshot: dict[str, Any], body: Any) -> None:
    lid = snapshot["lid"]
    item = snapshot["items"][0]["id"]
    other = client.new_list("scratch")["id"]
    for method, path in (
        ("POST", "/lists"),
        ("PUT", f"/lists/{other}"),
        ("PATCH", f"/lists/{other}"),
        ("POST", f"/lists/{other}/items"),
        ("PUT", f"/lists/{lid}/items/state/done"),
    ):
        ctype = "application/merge-patch+json" if method == "PATCH" else "application/json"
        assert_problem(client.request(method, path, body, content_type=ctype))
    assert_problem(client.request("PATCH", f"/lists/{other}/items/{item}", body))
    snapshot["items"] = client.get(f"/lists/{lid}/items").json()  # a valid state batch may legitimately apply
    assert snapshot["items"][0]["id"] == item


date_values = st.builds(
    lambda moment, offset: moment.isoformat() + offset,
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    st.sampled_from(["", "Z", "+14:00", "-12:00", "+01:00", "-05:00", "+23:59"]),
) | st.text(max_size=30)


@SETTINGS
@given(date=date_values)
@example(date="9999-12-31T23:00:00-05:00")  # past year 9999 once in UTC
@example(date="0001-01-01T00:30:00+01:00")  # before year 1 once in UTC
def test_any_date_value_is_stored_or_refused_with_a_4xx(client: ApiClient, snapshot: dict[str, Any], date: str) -> None:
    lid = snapshot["lid"]
    item = snapshot["items"][0]["id"]
    assert_problem(client.post(f"/lists/{lid}/items", {"name": "dated", "dueDate": date}))
    assert_problem(client.patch(f"/lists/{lid}/items/{item}", {"completedDate": date}))
    snapshot["items"] = client.get(f"/lists/{lid}/items?top=1").json()  # a valid date may legitimately apply


@SETTINGS
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_as_a_body_are_refused_cleanly(client: ApiClient, snapshot: dict[str, Any], raw: bytes) -> None:
    assert_problem(client.request("POST", "/lists", raw=raw))
    assert_problem(
        client.request("PATCH", f"/lists/{snapshot['lid']}", raw=raw, content_type="application/merge-patch+json")
    )
    assert_unchanged(client, snapshot)


import_lines = st.lists(
    json_values
    | st.builds(lambda fields, kind: {**fields, "kind": kind}, st.dictionaries(st.text(max_size=12), json_values,
                max_size=4), st.sampled_from(["list", "item"]))
    | st.builds(lambda date, name: {"kind": "list", "id": new_id(), "name": name, "createdDate": date,
                                    "updatedDate": date}, date_values, hostile_text),
    max_size=4,
)  # fmt: skip


@SETTINGS
@given(lines=import_lines, raw=st.binary(max_size=120))
def test_any_import_lines_are_imported_or_refused_with_a_4xx(
    client: ApiClient, snapshot: dict[str, Any], lines: list[Any], raw: bytes
) -> None:
    body = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    for sent in (body, body + raw):
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        assert_problem(client.request("POST", "/me/import", raw=sent, headers=headers, content_type=NDJSON))
    assert_unchanged(client, snapshot)


@SETTINGS
@given(value=hostile_text)
def test_hostile_ids_state_and_query_values(client: ApiClient, snapshot: dict[str, Any], value: str) -> None:
    lid = snapshot["lid"]
    quoted = quote(value.encode("utf-8", "surrogatepass"), safe="")
    for path in (
        f"/lists/{quoted}",
        f"/lists/{lid}/items/{quoted}",
        f"/lists/{lid}/items/state/{quoted}",
        f"/lists?top={quoted}",
        f"/lists?skip={quoted}",
        f"/lists?cursor={quoted}",
        f"/lists/{lid}/items?cursor={quoted}",
    ):
        assert_problem(client.get(path))
        assert_problem(client.delete(path) if "?" not in path else client.get(path))
    header = value.encode("utf-8", "replace").decode("latin-1").replace("\r", "").replace("\n", "")
    assert_problem(client.get("/lists", headers={"If-None-Match": header}))
    assert_unchanged(client, snapshot)


@SETTINGS
@given(value=hostile_text)
def test_hostile_headers_are_refused_or_ignored(client: ApiClient, snapshot: dict[str, Any], value: str) -> None:
    header = value.encode("utf-8", "replace").decode("latin-1").replace("\r", "").replace("\n", "")
    lid = snapshot["lid"]
    for name in ("If-Match", "Idempotency-Key", "X-Request-Id", "traceparent", "X-Todo-Owner"):
        response = client.request(
            "PATCH",
            f"/lists/{lid}",
            {"name": "keep"},
            headers={name: header},
            content_type="application/merge-patch+json",
        )
        assert_problem(response)
    assert client.get(f"/lists/{lid}").json()["name"] == "keep"


def test_deeply_nested_json_is_refused(client: ApiClient) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    assert_problem(client.request("POST", "/lists", raw=deep[:60_000] + deep[-60_000:]))
    nested = json.dumps({"name": "x", "description": None}).encode()
    for depth in (64, 2_000):
        body = b'{"name": "x", "extra": ' + b"[" * depth + b"]" * depth + b"}"
        response = client.request("POST", "/lists", raw=body)
        assert response.status in (400, 413, 422)
        assert_problem(response)
    assert client.request("POST", "/lists", raw=nested).status == 201


def test_oversize_strings_and_batches_are_refused(client: ApiClient, snapshot: dict[str, Any]) -> None:
    lid = snapshot["lid"]
    assert client.post("/lists", {"name": "x" * 257}).status == 422
    assert client.post(f"/lists/{lid}/items", {"name": "x", "description": "d" * 4001}).status == 422
    assert client.put(f"/lists/{lid}/items/state/done", ["a" * 32] * 101).status == 422
    assert client.put(f"/lists/{lid}/items/state/done", []).status == 422
    too_big = client.request("POST", "/lists", raw=b"{" * 70_000)  # invalid JSON, but the size decides first
    assert too_big.status == 413
    assert_problem(too_big)
    assert_unchanged(client, snapshot)


@pytest.mark.parametrize("text", ["a\x00b", "bell\x07", "esc\x1b[31m", "del\x7f"])
def test_control_characters_in_text_are_422(client: ApiClient, text: str) -> None:
    response = client.post("/lists", {"name": text})
    assert response.status == 422
    assert_problem(response)


def test_odata_injection_in_path_values_reads_nothing(client: ApiClient, snapshot: dict[str, Any]) -> None:
    injection = quote("' or PartitionKey ne '", safe="")
    for path in (f"/lists/{injection}", f"/lists/{snapshot['lid']}/items/state/{injection}"):
        response = client.get(path)
        assert response.status == 400
        assert_problem(response)
