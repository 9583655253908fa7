"""Storage round trips per request (counted by an azure-core hook, reported in Server-Timing),
and the cascade delete of a large list. Counts do not drift: any change here is a design change
and belongs in the README's table."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from shared.domain.ids import new_id
from tests.support import ApiClient, Azurite


def test_round_trips_per_verb(client: ApiClient) -> None:
    client.get("/lists")  # the first request of a process also creates the table
    created = client.post("/lists", {"name": "a"})
    lid = created.json()["id"]
    item = client.post(f"/lists/{lid}/items", {"name": "x"})
    iid = item.json()["id"]
    other = client.new_item(lid)["id"]
    fifty = [iid, other] + [client.new_item(lid)["id"] for _ in range(48)]
    list_path, item_path = f"/lists/{lid}", f"/lists/{lid}/items/{iid}"
    counts = {
        "POST /lists": created.storage_calls,
        "POST item": item.storage_calls,
        "GET /lists": client.get("/lists").storage_calls,
        "GET list": client.get(list_path).storage_calls,
        "PUT list": client.put(list_path, {"name": "b"}).storage_calls,
        "PATCH list": client.patch(list_path, {"name": "c"}).storage_calls,
        "GET items": client.get(f"{list_path}/items").storage_calls,
        "GET item": client.get(item_path).storage_calls,
        "PUT item": client.put(item_path, {"name": "y"}).storage_calls,
        "PATCH item": client.patch(item_path, {"name": "z"}).storage_calls,
        "GET by state": client.get(f"{list_path}/items/state/todo").storage_calls,
        "PUT state (2 ids)": client.put(f"{list_path}/items/state/done", [iid, other]).storage_calls,
        "PUT state (50 ids)": client.put(f"{list_path}/items/state/inprogress", fifty).storage_calls,
        "DELETE item": client.delete(item_path).storage_calls,
        "POST /lists with Idempotency-Key": client.post(
            "/lists", {"name": "k"}, headers={"Idempotency-Key": "cost"}
        ).storage_calls,
        "replayed POST": client.post("/lists", {"name": "k"}, headers={"Idempotency-Key": "cost"}).storage_calls,
    }
    counts["DELETE list (49 items)"] = client.delete(list_path).storage_calls
    lines = (
        f'{{"kind":"list","id":"{lid}","name":"c","createdDate":"2026-01-01T00:00:00Z",'
        f'"updatedDate":"2026-01-01T00:00:00Z"}}\n{{"kind":"item","id":"{iid}","listId":"{lid}","name":"z",'
        f'"createdDate":"2026-01-01T00:00:00Z","updatedDate":"2026-01-01T00:00:00Z"}}\n'
    ).encode()

    def import_lines() -> int:
        response = client.request(
            "POST",
            "/me/import",
            raw=lines,
            headers={"Idempotency-Key": "import-cost"},
            content_type="application/x-ndjson",
        )
        assert response.status == 200, response.body
        return response.storage_calls

    counts["POST /me/import (a list and an item)"] = import_lines()
    counts["replayed import"] = import_lines()
    assert counts == {
        "POST /lists": 1,
        "POST item": 1,
        "GET /lists": 1,
        "GET list": 1,
        "PUT list": 2,
        "PATCH list": 2,
        "GET items": 2,
        "GET item": 2,
        "PUT item": 3,  # list and item read in parallel, then a conditional point write
        "PATCH item": 3,
        "GET by state": 2,
        "PUT state (2 ids)": 3,  # list read and one range query in parallel, then one transaction
        "PUT state (50 ids)": 3,
        "DELETE item": 3,
        "POST /lists with Idempotency-Key": 1,
        "replayed POST": 2,
        "DELETE list (49 items)": 4,
        # the lists' and the items' range and the key's record read in parallel, then one transaction
        "POST /me/import (a list and an item)": 4,
        "replayed import": 3,
    }


def test_an_import_of_100_lists_writes_its_record_after_the_transaction(client: ApiClient) -> None:
    dates = '"createdDate":"2026-01-01T00:00:00Z","updatedDate":"2026-01-01T00:00:00Z"'
    lines = "".join(f'{{"kind":"list","id":"{new_id()}","name":"l{n}",{dates}}}\n' for n in range(100)).encode()
    response = client.request(
        "POST", "/me/import", raw=lines, headers={"Idempotency-Key": "hundred"}, content_type="application/x-ndjson"
    )
    assert response.status == 200 and response.json() == {"created": 100, "unchanged": 0}
    # the lists' range and the record read in parallel (no item lines: no items' range), the
    # transaction of 100 creates, then the record on its own
    assert response.storage_calls == 4
    assert len(client.all_pages("/lists")) == 100


def test_conditional_get_costs_the_same_as_a_full_get(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    etag = client.get(f"/lists/{lid}").header("ETag") or ""
    response = client.get(f"/lists/{lid}", headers={"If-None-Match": etag})
    assert response.status == 304 and response.storage_calls == 1


def test_deleting_a_list_of_1000_items_leaves_no_rows(client: ApiClient, azurite: Azurite) -> None:
    lid = client.new_list("big")["id"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda n: client.post(f"/lists/{lid}/items", {"name": f"i{n}"}).status, range(1001)))
    assert statuses.count(201) == 1001
    response = client.delete(f"/lists/{lid}")
    assert response.status == 204
    # 1 read + 1 list delete + 2 key queries (1000, then 1) + 11 transactions of at most 100
    assert response.storage_calls == 1 + 1 + 2 + 11
    assert client.get(f"/lists/{lid}/items").status == 404

    from azure.data.tables import TableClient

    table = TableClient.from_connection_string(azurite.connection_string, "todo")
    rows = list(table.query_entities("PartitionKey eq @pk", parameters={"pk": client.owner}))
    table.close()
    assert rows == []


def test_an_export_page_costs_two_parallel_range_queries_and_an_erase_a_few_per_step(client: ApiClient) -> None:
    """A page reads the lists from the cursor's list and the items after the cursor, in parallel,
    whatever the caller owns; the erase pays per step one key query and one transaction per 100
    rows, and the item step one read of which lists still exist."""
    client.get("/lists")  # the table exists
    for n in range(3):
        lid = client.new_list(f"l{n}")["id"]
        for m in range(n):
            client.new_item(lid, f"i{m}")
    assert client.post("/lists", {"name": "k"}, headers={"Idempotency-Key": "export-cost"}).status == 201
    first = client.get("/me/export?top=2")
    link = first.header("Link") or ""
    assert first.storage_calls == 2 and link
    assert client.get(link[1 : link.index(">")]).storage_calls == 2
    assert client.get("/me/export").storage_calls == 2
    # lists: keys + 1 transaction; records: keys + 1 transaction; items: keys + lists alive + 1 transaction
    assert client.delete("/me").storage_calls == 2 + 2 + 3
    assert client.delete("/me").storage_calls == 3  # nothing left: one key query per step
