"""POST with Idempotency-Key: a retry replays the first answer instead of creating twice."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from tests.support import ApiClient, Azurite, LocalHost, host_env


def test_retry_with_same_key_and_body_replays_the_original(client: ApiClient) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post("/lists", {"name": "once"}, headers=key)
    again = client.post("/lists", {"name": "once"}, headers=key)
    assert first.status == again.status == 201
    assert again.json() == first.json()
    assert again.header("Location") == first.header("Location")
    assert again.header("Idempotent-Replayed") == "true" and first.header("Idempotent-Replayed") is None
    assert [lst["id"] for lst in client.get("/lists").json()] == [first.json()["id"]]


def test_item_creation_is_idempotent_too(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    key = {"Idempotency-Key": "item-1"}
    first = client.post(f"/lists/{lid}/items", {"name": "milk"}, headers=key)
    again = client.post(f"/lists/{lid}/items", {"name": "milk"}, headers=key)
    assert first.status == again.status == 201 and again.json()["id"] == first.json()["id"]
    assert len(client.get(f"/lists/{lid}/items").json()) == 1


def test_same_key_with_a_different_body_is_422_and_creates_nothing(client: ApiClient) -> None:
    key = {"Idempotency-Key": "k-reused"}
    assert client.post("/lists", {"name": "first"}, headers=key).status == 201
    reused = client.post("/lists", {"name": "second"}, headers=key)
    assert reused.status == 422
    assert reused.json()["type"].endswith("idempotency-key-reused")
    assert [lst["name"] for lst in client.get("/lists").json()] == ["first"]


def test_keys_are_scoped_to_the_owner(client: ApiClient, other_client: ApiClient) -> None:
    key = {"Idempotency-Key": "shared-key"}
    mine = client.post("/lists", {"name": "x"}, headers=key)
    theirs = other_client.post("/lists", {"name": "x"}, headers=key)
    assert mine.status == theirs.status == 201
    assert theirs.header("Idempotent-Replayed") is None and theirs.json()["id"] != mine.json()["id"]


def test_concurrent_retries_create_exactly_one(client: ApiClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    key = {"Idempotency-Key": "burst"}
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda _: client.post("/lists", {"name": "burst"}, headers=key), range(10)))
    assert {a.status for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(client.get("/lists").json()) == 1


@pytest.fixture(scope="module")
def short_memory_host(azurite: Azurite) -> Iterator[LocalHost]:
    host = LocalHost(host_env(azurite, TODO_IDEMPOTENCY_TTL_SECONDS="1")).start()
    yield host
    host.stop()


def test_expired_keys_create_again(short_memory_host: LocalHost) -> None:
    client = ApiClient(short_memory_host.base_url)
    key = {"Idempotency-Key": "expires"}
    first = client.post("/lists", {"name": "x"}, headers=key)
    time.sleep(1.5)
    later = client.post("/lists", {"name": "x"}, headers=key)
    assert first.status == later.status == 201
    assert later.json()["id"] != first.json()["id"] and later.header("Idempotent-Replayed") is None
