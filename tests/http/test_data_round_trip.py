"""The caller's data taken out and put back through the local host over a real socket: an export
(followed page by page), an erase, then an import of the exported lines as they came, gives back
the same lists and items, ids, dates and versions included."""

from __future__ import annotations

import uuid

from tests.http.test_owner_data import next_url
from tests.support import ApiClient

NDJSON = "application/x-ndjson"
IMPORT_LIMIT = 100  # lines per import request (one entity-group transaction)


def export_bytes(client: ApiClient, top: int) -> tuple[list[bytes], int]:
    """Every exported line, as bytes, by following Link from the first page; and the page count."""
    lines: list[bytes] = []
    pages = 0
    url: str | None = f"/me/export?top={top}"
    while url:
        page = client.get(url)
        assert page.status == 200, page.body
        lines += page.body.splitlines(keepends=True)
        pages += 1
        url = next_url(page)
    return lines, pages


def list_versions(client: ApiClient) -> dict[str, str | None]:
    return {lst["id"]: client.get(f"/lists/{lst['id']}").header("ETag") for lst in client.all_pages("/lists")}


def test_export_then_erase_then_import_gives_back_the_same_lists_and_items(client: ApiClient) -> None:
    for n in range(5):
        todo_list = client.new_list(f"list {n}", description=None if n % 2 else "described")
        for m in range(30):
            item = client.new_item(todo_list["id"], f"item {m}", dueDate="2031-02-03T04:05:06.789Z")
            if m % 3 == 0:
                assert client.patch(f"/lists/{todo_list['id']}/items/{item['id']}", {"state": "done"}).status == 200
    versions = list_versions(client)
    exported, pages = export_bytes(client, top=40)
    assert len(exported) == 5 + 5 * 30 and pages >= 4  # several pages, and more lines than one import takes

    assert client.delete("/me").status == 204
    assert export_bytes(client, top=40)[0] == []
    assert client.get("/lists").json() == []

    created = 0
    for start in range(0, len(exported), IMPORT_LIMIT):  # an export's order: each list before its items
        chunk = b"".join(exported[start : start + IMPORT_LIMIT])
        answer = client.request(
            "POST", "/me/import", raw=chunk, content_type=NDJSON, headers={"Idempotency-Key": uuid.uuid4().hex}
        )
        assert answer.status == 200, answer.body
        created += answer.json()["created"]
    assert created == len(exported)

    assert export_bytes(client, top=40)[0] == exported  # byte for byte: ids, dates, states, all fields
    assert list_versions(client) == versions
