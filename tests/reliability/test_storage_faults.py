"""Storage that hangs or disappears: every request ends in bounded time with 503 and
Retry-After (or succeeds), acknowledged writes survive, and no partial state is visible."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.reliability.conftest import orphan_items, partition_rows
from tests.support import ApiClient, Azurite, LocalHost, Response, host_env

DEADLINE_SECONDS = 3  # TODO_STORAGE_TIMEOUT_SECONDS for these hosts
BOUND_SECONDS = DEADLINE_SECONDS + 3  # what a caller may wait at most, with scheduling slack

pytestmark = pytest.mark.slow


@pytest.fixture
def fault_pair() -> Iterator[tuple[Azurite, LocalHost]]:
    azurite = Azurite().start()
    host = LocalHost(host_env(azurite, TODO_STORAGE_TIMEOUT_SECONDS=str(DEADLINE_SECONDS))).start()
    yield azurite, host
    host.stop()
    if azurite.process and azurite.process.poll() is None:
        os.kill(azurite.process.pid, signal.SIGCONT)
    azurite.stop()


def _load(client: ApiClient, list_id: str, stop: threading.Event) -> list[tuple[Response, float]]:
    results: list[tuple[Response, float]] = []
    n = 0
    while not stop.is_set():
        started = time.monotonic()
        response = client.post(f"/lists/{list_id}/items", {"name": f"write {n}"})
        results.append((response, time.monotonic() - started))
        n += 1
    return results


def _assert_bounded_503s(results: list[tuple[Response, float]]) -> list[str]:
    acknowledged = []
    for response, elapsed in results:
        assert elapsed < BOUND_SECONDS, elapsed
        assert response.status in (201, 503), (response.status, response.body[:200])
        if response.status == 503:
            assert response.header("Retry-After") == "2"
            assert response.json()["type"].endswith("storage-unavailable")
        else:
            acknowledged.append(response.json()["id"])
    return acknowledged


def test_hung_storage_gives_bounded_503s_and_keeps_acknowledged_writes(fault_pair: tuple[Azurite, LocalHost]) -> None:
    azurite, host = fault_pair
    client = ApiClient(host.base_url)
    list_id = client.new_list()["id"]
    assert azurite.process is not None
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(_load, client, list_id, stop) for _ in range(6)]
        time.sleep(1.0)
        os.kill(azurite.process.pid, signal.SIGSTOP)  # storage hangs mid-load
        time.sleep(DEADLINE_SECONDS + 2)
        os.kill(azurite.process.pid, signal.SIGCONT)
        time.sleep(1.5)
        stop.set()
        results = [r for f in futures for r in f.result()]
    statuses = [r.status for r, _ in results]
    assert 503 in statuses and 201 in statuses
    acknowledged = _assert_bounded_503s(results)

    listed = {item["id"] for item in client.all_pages(f"/lists/{list_id}/items?top=1000")}
    assert set(acknowledged) <= listed  # nothing acknowledged was lost
    assert orphan_items(partition_rows(azurite, client.owner)) == []


def test_an_erase_cut_off_by_hung_storage_is_a_bounded_503_and_a_retry_removes_every_row(
    fault_pair: tuple[Azurite, LocalHost],
) -> None:
    azurite, host = fault_pair
    client = ApiClient(host.base_url)
    for n in range(3):
        list_id = client.new_list(f"l{n}")["id"]
        for m in range(40):
            client.new_item(list_id, f"i{m}")
    assert azurite.process is not None
    os.kill(azurite.process.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        cut_off = client.delete("/me")
        assert time.monotonic() - started < BOUND_SECONDS
        assert cut_off.status == 503 and cut_off.header("Retry-After") == "2"
    finally:
        os.kill(azurite.process.pid, signal.SIGCONT)
    assert client.delete("/me").status == 204
    assert client.get("/lists").json() == [] and client.get("/me/export").body == b""
    assert partition_rows(azurite, client.owner) == []


def test_stopped_storage_gives_fast_503s_never_500(fault_pair: tuple[Azurite, LocalHost]) -> None:
    azurite, host = fault_pair
    client = ApiClient(host.base_url)
    list_id = client.new_list()["id"]
    azurite.stop()
    for method, path, body in (
        ("GET", "/lists", None),
        ("GET", f"/lists/{list_id}", None),
        ("POST", "/lists", {"name": "x"}),
        ("DELETE", f"/lists/{list_id}", None),
        ("POST", f"/lists/{list_id}/items", {"name": "x"}),
        ("GET", "/me/export", None),
        ("DELETE", "/me", None),
    ):
        started = time.monotonic()
        response = client.request(method, path, body)
        assert time.monotonic() - started < BOUND_SECONDS
        assert response.status == 503 and response.header("Retry-After") == "2"

    restarted = Azurite(port=azurite.port).start()  # an empty account on the same address
    try:
        first = client.post("/lists", {"name": "after restart"})
        assert first.status in (201, 503)  # 503 at most once while the table is created again
        if first.status == 503:
            first = client.post("/lists", {"name": "after restart"})
        assert first.status == 201
        assert [lst["name"] for lst in client.get("/lists").json()] == ["after restart"]
    finally:
        restarted.stop()
