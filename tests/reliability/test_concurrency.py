"""Concurrent writers: conditional updates never lose an update, creates never collide, and a
list deleted while items are being added leaves no orphan rows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.reliability.conftest import orphan_items, partition_rows
from tests.support import ApiClient, Azurite


def test_50_conditional_updates_one_winner_per_etag_generation(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    iid = client.new_item(lid)["id"]
    path = f"/lists/{lid}/items/{iid}"
    applied: list[str] = []
    for generation in range(3):
        etag = client.get(path).header("ETag") or ""

        def attempt(n: int, etag: str = etag, generation: int = generation) -> tuple[int, str]:
            name = f"g{generation}-w{n}"
            return client.patch(path, {"name": name}, headers={"If-Match": etag}).status, name

        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(attempt, range(50)))
        winners = [name for status, name in results if status == 200]
        assert len(winners) == 1, results
        assert sorted(status for status, _ in results) == [200] + [412] * 49
        applied += winners
        assert client.get(path).json()["name"] == winners[0]  # the acknowledged update is the one kept
    assert len(applied) == 3


def test_200_concurrent_creates_make_200_distinct_resources(client: ApiClient) -> None:
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda n: client.post("/lists", {"name": f"list {n}"}), range(200)))
    assert [a.status for a in answers].count(201) == 200
    ids = {a.json()["id"] for a in answers}
    assert len(ids) == 200
    listed = client.get("/lists?top=1000").json()
    assert {lst["id"] for lst in listed} == ids


def test_deleting_a_list_while_items_are_added_leaves_no_orphans(client: ApiClient, azurite: Azurite) -> None:
    for _ in range(3):
        lid = client.new_list()["id"]
        for n in range(20):
            client.new_item(lid, f"before {n}")

        def add(n: int, lid: str = lid) -> int:
            return client.post(f"/lists/{lid}/items", {"name": f"during {n}"}).status

        with ThreadPoolExecutor(max_workers=12) as pool:
            adds = [pool.submit(add, n) for n in range(60)]
            deletion = pool.submit(client.delete, f"/lists/{lid}")
            statuses = [f.result() for f in adds]
        assert deletion.result().status == 204
        assert set(statuses) <= {201, 404}
        assert client.get(f"/lists/{lid}/items").status == 404
    rows = partition_rows(azurite, client.owner)
    assert orphan_items(rows) == []
    assert [r for r in rows if r["RowKey"].startswith("I|")] == []
