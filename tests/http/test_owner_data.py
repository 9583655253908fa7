"""GET /me/export and DELETE /me through the local host over a real socket: the NDJSON lines,
paging by following Link (every line once), the caching headers, writes between pages as
docs/data.md states them, refusals as problem documents, and the erase."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.data.tables import TableClient

from tests.support import ApiClient, Azurite, Response

NDJSON = "application/x-ndjson"


@pytest.fixture
def raw_table(azurite: Azurite) -> Iterator[TableClient]:
    table = TableClient.from_connection_string(azurite.connection_string, "todo")
    yield table
    table.close()


def lines_of(response: Response) -> list[dict[str, Any]]:
    assert response.body == b"" or response.body.endswith(b"\n")
    return [json.loads(line) for line in response.body.decode().splitlines()]


def next_url(response: Response) -> str | None:
    link = response.header("Link")
    if link is None:
        return None
    assert link.endswith('>; rel="next"')
    return link[1 : link.index(">")]


def export_all(client: ApiClient, url: str = "/me/export") -> tuple[list[dict[str, Any]], int]:
    lines: list[dict[str, Any]] = []
    pages = 0
    next_page: str | None = url
    while next_page:
        response = client.get(next_page)
        assert response.status == 200, response.body
        lines += lines_of(response)
        pages += 1
        next_page = next_url(response)
    return lines, pages


def fill(client: ApiClient, items_per_list: list[int]) -> list[dict[str, Any]]:
    """Lists with these many items; the lines an export must give: each resource as GET gives it."""
    expected: list[dict[str, Any]] = []
    for n, count in enumerate(items_per_list):
        time.sleep(0.002)  # ids start with the creation millisecond: lists sort as created
        todo_list = client.new_list(f"list {n}", description=None if n % 2 else "with a description")
        items = [client.new_item(todo_list["id"], f"item {m}", dueDate="2030-01-01T00:00:00Z") for m in range(count)]
        expected.append({"kind": "list", **client.get(f"/lists/{todo_list['id']}").json()})
        for item in sorted(items, key=lambda i: i["id"]):
            expected.append({"kind": "item", **item})
    return expected


def test_following_link_gives_every_line_once_each_as_the_api_represents_it(
    client: ApiClient, other_client: ApiClient
) -> None:
    expected = fill(client, [3, 0, 2, 1])
    fill(other_client, [2])
    whole = client.get("/me/export")
    assert whole.status == 200 and whole.header("Content-Type") == NDJSON and next_url(whole) is None
    assert lines_of(whole) == expected
    assert list(lines_of(whole)[1]) == ["kind", *client.get(f"/lists/{expected[0]['id']}/items").json()[0]]
    for top in (1, 2, 5):
        lines, pages = export_all(client, f"/me/export?top={top}")
        assert lines == expected, f"top={top}"
        assert pages >= len(expected) // top
    first = client.get("/me/export?top=2")
    link = next_url(first)
    assert link is not None and link.startswith(client.base_url + "/me/export?")
    assert parse_qs(urlsplit(link).query)["top"] == ["2"]


def test_the_export_is_cached_like_a_collection_and_head_answers_like_get(client: ApiClient) -> None:
    fill(client, [1])
    response = client.get("/me/export")
    etag = response.header("ETag") or ""
    assert response.header("Cache-Control") == "private, no-cache" and etag.startswith('"')
    assert response.header("Vary") == "X-Todo-Owner"
    head = client.request("HEAD", "/me/export")
    assert head.status == 200 and head.body == b"" and head.header("ETag") == etag
    assert head.header("Content-Type") == NDJSON
    not_modified = client.get("/me/export", headers={"If-None-Match": etag})
    assert not_modified.status == 304 and not_modified.header("ETag") == etag
    assert not_modified.header("Cache-Control") == "private, no-cache"
    assert client.get("/me/export", headers={"If-Match": '"stale"'}).status == 412
    client.new_list("changed")
    assert client.get("/me/export", headers={"If-None-Match": etag}).status == 200


@pytest.mark.parametrize(
    "query",
    ["cursor=garbage", "top=0", "top=1001", "top=many"],
)
def test_a_bad_paging_value_is_a_400_problem(client: ApiClient, query: str) -> None:
    response = client.get(f"/me/export?{query}")
    assert response.status == 400 and response.header("Content-Type") == "application/problem+json"
    assert response.header("Cache-Control") == "no-store"
    assert response.json()["type"].endswith(":invalid-cursor" if "cursor" in query else ":invalid-query")


def test_a_cursor_of_another_collection_or_owner_is_refused(client: ApiClient, other_client: ApiClient) -> None:
    fill(client, [2, 2])
    lists_link = next_url(client.get("/lists?top=1"))
    assert lists_link is not None
    lists_cursor = parse_qs(urlsplit(lists_link).query)["cursor"][0]
    assert client.get(f"/me/export?cursor={lists_cursor}").status == 400
    export_link = next_url(client.get("/me/export?top=1"))
    assert export_link is not None
    export_cursor = parse_qs(urlsplit(export_link).query)["cursor"][0]
    refused = other_client.get(f"/me/export?cursor={export_cursor}")
    assert refused.status == 400 and refused.json()["detail"] == "the cursor is not valid for this collection"
    assert client.get(f"/lists?cursor={export_cursor}").status == 400


def test_writes_between_pages_ahead_appear_newest_behind_do_not_deleted_ones_vanish(client: ApiClient) -> None:
    fill(client, [3, 2, 2, 1])
    first, second, third, fourth = (todo_list["id"] for todo_list in client.get("/lists").json())
    first_items = client.get(f"/lists/{first}/items").json()
    third_items = client.get(f"/lists/{third}/items").json()
    page = client.get("/me/export?top=2")  # the first list and its first item
    assert [line["id"] for line in lines_of(page)] == [first, first_items[0]["id"]]
    assert client.patch(f"/lists/{first}", {"name": "renamed behind"}).status == 200
    assert client.patch(f"/lists/{first}/items/{first_items[0]['id']}", {"name": "renamed behind"}).status == 200
    ahead = client.patch(f"/lists/{third}/items/{third_items[0]['id']}", {"name": "renamed ahead"}).json()
    added = client.new_item(fourth, "added ahead")
    assert client.delete(f"/lists/{second}").status == 204
    assert client.delete(f"/lists/{third}/items/{third_items[1]['id']}").status == 204
    link = next_url(page)
    assert link is not None
    rest, _ = export_all(client, link)
    fourth_items = sorted(item["id"] for item in client.get(f"/lists/{fourth}/items").json())
    assert added["id"] in fourth_items
    assert [line["id"] for line in rest] == [
        first_items[1]["id"],
        first_items[2]["id"],
        third,
        ahead["id"],
        fourth,
        *fourth_items,
    ]
    assert {"kind": "item", **ahead} in rest  # with its newest content
    assert all(line["name"] != "renamed behind" for line in rest)


def test_items_of_the_cursors_list_deleted_mid_export_do_not_appear(client: ApiClient) -> None:
    expected = fill(client, [4, 1])
    page = client.get("/me/export?top=2")
    first = lines_of(page)[0]["id"]
    assert client.delete(f"/lists/{first}").status == 204
    link = next_url(page)
    assert link is not None
    rest, _ = export_all(client, link)
    assert rest == expected[5:]  # the second list and its item only


def test_methods_the_routes_do_not_serve_are_405_with_allow(client: ApiClient) -> None:
    post = client.post("/me/export", {"x": 1})
    assert post.status == 405 and post.header("Allow") == "GET, HEAD, OPTIONS"
    get = client.get("/me")
    assert get.status == 405 and get.header("Allow") == "DELETE, OPTIONS"


def test_erase_removes_every_row_of_the_caller_and_nothing_of_anyone_else(
    client: ApiClient, other_client: ApiClient, raw_table: TableClient
) -> None:
    fill(client, [2, 1])
    assert client.post("/lists", {"name": "k"}, headers={"Idempotency-Key": "erase"}).status == 201
    others = fill(other_client, [2])
    erased = client.delete("/me")
    assert erased.status == 204 and erased.body == b"" and erased.header("Cache-Control") == "no-store"
    export = client.get("/me/export")
    assert export.status == 200 and export.body == b"" and next_url(export) is None
    assert client.get("/lists").json() == []
    assert list(raw_table.query_entities("PartitionKey eq @pk", parameters={"pk": client.owner})) == []
    assert lines_of(other_client.get("/me/export")) == others
    assert client.delete("/me").status == 204  # safe to repeat
    again = client.post("/lists", {"name": "k"}, headers={"Idempotency-Key": "erase"})
    assert again.status == 201 and again.header("Idempotent-Replayed") is None  # the key was forgotten
