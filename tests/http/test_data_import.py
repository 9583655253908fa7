"""POST /me/import through the local host over a real socket: created, replayed, refused
(400, 409, 413, 415, 422) with nothing written, and the round trip the import exists for: what
the API returns, written as NDJSON lines, deleted, imported, reads back identically."""

from __future__ import annotations

import json
import uuid
from typing import Any

from shared.domain.ids import new_id
from tests.support import ApiClient, Response

NDJSON = "application/x-ndjson"


def ndjson(lines: list[dict[str, Any]], newline: str = "\n") -> bytes:
    return "".join(json.dumps(line) + newline for line in lines).encode()


def send(client: ApiClient, body: bytes, key: str | None = None, content_type: str = NDJSON) -> Response:
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.request("POST", "/me/import", raw=body, headers=headers, content_type=content_type)


def list_line(name: str = "imported", **fields: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"kind": "list", "id": new_id(), "name": name, "description": None}
    line |= {"createdDate": "2025-03-01T10:00:00.123000Z", "updatedDate": "2025-03-02T11:30:00Z"}
    return line | fields


def item_line(list_id: str, name: str = "milk", **fields: Any) -> dict[str, Any]:
    line: dict[str, Any] = {"kind": "item", "id": new_id(), "listId": list_id, "name": name, "description": "2 l"}
    line |= {"state": "todo"}
    line |= {"dueDate": None, "completedDate": None}
    line |= {"createdDate": "2025-03-01T10:05:00Z", "updatedDate": "2025-03-01T10:05:00Z"}
    return line | fields


def test_an_import_creates_the_lines_with_their_ids_and_dates(client: ApiClient) -> None:
    todo_list = list_line(description="from a file")
    item = item_line(todo_list["id"], state="done", completedDate="2025-03-03T08:00:00Z")
    response = send(client, ndjson([todo_list, item]), key="first")
    assert response.status == 200, response.body
    assert response.json() == {"created": 2, "unchanged": 0}
    assert response.header("Idempotent-Replayed") is None
    assert response.header("Cache-Control") == "no-store"
    listed = client.get(f"/lists/{todo_list['id']}").json()
    assert listed == {
        **{k: v for k, v in todo_list.items() if k != "kind"},
        "createdDate": "2025-03-01T10:00:00.123000Z",
    }
    read = client.get(f"/lists/{todo_list['id']}/items/{item['id']}").json()
    assert read["completedDate"] == "2025-03-03T08:00:00Z" and read["state"] == "done"
    assert read["createdDate"] == "2025-03-01T10:05:00Z"


def test_a_retry_with_the_same_key_replays_the_first_answer(client: ApiClient) -> None:
    body = ndjson([list_line()])
    first = send(client, body, key="retry-me")
    again = send(client, body, key="retry-me")
    assert first.status == again.status == 200
    assert again.body == first.body and json.loads(again.body) == {"created": 1, "unchanged": 0}
    assert again.header("Idempotent-Replayed") == "true"
    other_key = send(client, body, key="another-key")  # a new request: the list is there already
    assert other_key.json() == {"created": 0, "unchanged": 1} and other_key.header("Idempotent-Replayed") is None


def test_a_key_reused_with_another_body_is_422_and_writes_nothing(client: ApiClient) -> None:
    assert send(client, ndjson([list_line()]), key="once").status == 200
    other = list_line("other")
    response = send(client, ndjson([other]), key="once")
    assert response.status == 422
    assert response.json()["type"].endswith("idempotency-key-reused")
    assert client.get(f"/lists/{other['id']}").status == 404


def test_without_an_idempotency_key_the_import_is_400(client: ApiClient) -> None:
    line = list_line()
    response = send(client, ndjson([line]))
    assert response.status == 400
    assert response.json()["type"].endswith("idempotency-key-required")
    assert client.get(f"/lists/{line['id']}").status == 404


def test_ids_taken_with_other_content_are_409_naming_them_and_nothing_is_written(client: ApiClient) -> None:
    existing = client.new_list("mine")
    same_id_other_name = {"kind": "list", **existing, "name": "not mine"}
    fresh = list_line("fresh")
    response = send(client, ndjson([fresh, same_id_other_name]), key="clash")
    assert response.status == 409, response.body
    problem = response.json()
    assert problem["type"].endswith("import-conflict")
    assert problem["conflictingIds"] == [existing["id"]]
    assert problem["conflicts"] == [{"line": 2, "kind": "list", "id": existing["id"]}]
    assert client.get(f"/lists/{fresh['id']}").status == 404
    assert client.get(f"/lists/{existing['id']}").json() == existing


def test_more_than_100_lines_is_413_with_the_limit_and_nothing_is_written(client: ApiClient) -> None:
    lines = [list_line(f"l{n}") for n in range(101)]
    response = send(client, ndjson(lines), key="too-many")
    assert response.status == 413
    assert response.json()["limit"] == 100 and response.json()["type"].endswith("too-many-lines")
    assert client.get("/lists").json() == []


def test_the_body_size_limit_still_applies_before_lines_are_counted(client: ApiClient) -> None:
    line = list_line(description="x" * 4000)
    response = send(client, ndjson([{**line, "id": new_id()} for _ in range(17)]), key="big")  # about 70 KB
    assert response.status == 413
    assert response.json()["type"].endswith("body-too-large") and response.json()["maxBytes"] == 65536


def test_bad_lines_are_422_naming_each_line_and_field_and_nothing_is_written(client: ApiClient) -> None:
    good = list_line()
    body = (
        json.dumps(good).encode()
        + b"\n{not json\n\n"
        + json.dumps({**list_line(), "colour": "red"}).encode()
        + b"\n"
        + json.dumps(item_line(new_id())).encode()
        + b"\n"
    )
    response = send(client, body, key="bad-lines")
    assert response.status == 422, response.body
    errors = response.json()["errors"]
    # Line 5's list is checked against storage only once every line is otherwise valid.
    assert [(e["line"], e["field"]) for e in errors] == [(2, ""), (4, "/colour")]
    assert response.json()["detail"] == "lines 2, 4 cannot be imported; nothing was written"
    assert client.get(f"/lists/{good['id']}").status == 404


def test_an_item_without_its_list_is_422_on_its_line(client: ApiClient) -> None:
    orphan = item_line(new_id())
    response = send(client, ndjson([list_line(), orphan]), key="orphan")
    assert response.status == 422
    assert response.json()["errors"] == [
        {"line": 2, "field": "/listId", "message": f"the list {orphan['listId']} is neither a line of this import "
         "nor one of your lists"}
    ]  # fmt: skip
    assert client.get("/lists").json() == []


def test_items_go_into_a_list_the_caller_already_has(client: ApiClient) -> None:
    existing = client.new_list()
    item = item_line(existing["id"])
    response = send(client, ndjson([item], newline="\r\n"), key="into-existing")
    assert response.status == 200 and response.json() == {"created": 1, "unchanged": 0}
    assert [i["id"] for i in client.get(f"/lists/{existing['id']}/items").json()] == [item["id"]]


def test_another_media_type_is_415(client: ApiClient) -> None:
    response = send(client, ndjson([list_line()]), key="json", content_type="application/json")
    assert response.status == 415
    assert response.json()["accepted"] == [NDJSON]


def test_other_methods_are_405_with_allow(client: ApiClient) -> None:
    response = client.get("/me/import")
    assert response.status == 405 and response.header("Allow") == "POST, OPTIONS"


def test_export_erase_import_gives_back_the_same_lists_and_items(client: ApiClient) -> None:
    """What the API returns, as the export writes it, deleted and imported: identical."""
    home = client.new_list("home", description="the flat")
    work = client.new_list("work")
    client.new_item(home["id"], "milk", description="oat", dueDate="2026-12-24T18:00:00Z")
    done = client.new_item(home["id"], "bread", state="done")
    client.patch(f"/lists/{home['id']}/items/{done['id']}", {"name": "rye bread"})
    client.new_item(work["id"], "report", state="inprogress")
    before = {lst["id"]: lst for lst in client.all_pages("/lists")}
    items_before = {lid: client.all_pages(f"/lists/{lid}/items") for lid in before}
    etags = {lid: client.get(f"/lists/{lid}").header("ETag") for lid in before}
    lines = [{"kind": "list", **lst} for lst in before.values()]
    lines += [{"kind": "item", **item} for items in items_before.values() for item in items]
    for lid in before:
        assert client.delete(f"/lists/{lid}").status == 204
    assert client.get("/lists").json() == []

    response = send(client, ndjson(lines), key=f"restore-{uuid.uuid4().hex}")
    assert response.status == 200 and response.json() == {"created": 5, "unchanged": 0}
    assert {lst["id"]: lst for lst in client.all_pages("/lists")} == before
    assert {lid: client.all_pages(f"/lists/{lid}/items") for lid in before} == items_before
    assert {lid: client.get(f"/lists/{lid}").header("ETag") for lid in before} == etags


def test_an_empty_body_is_an_empty_import(client: ApiClient) -> None:
    response = send(client, b"", key="nothing")
    assert response.status == 200 and response.json() == {"created": 0, "unchanged": 0}
    assert send(client, b"", key="nothing").header("Idempotent-Replayed") == "true"
