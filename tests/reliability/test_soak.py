"""A bounded soak: mixed traffic for SOAK_SECONDS (20 in `make test`; `SOAK_SECONDS=300 make
test` for the 5-minute run), then zero 5xx and flat memory. Numbers go to artifacts/soak.json."""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support import ApiClient, Azurite, LocalHost, host_env

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "20"))
WORKERS = 8
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def soak_host(azurite: Azurite) -> Iterator[LocalHost]:
    host = LocalHost(host_env(azurite)).start()
    yield host
    host.stop()


def _traffic(client: ApiClient, until: float, statuses: Counter[int], lock: threading.Lock) -> None:
    rng = random.Random()
    list_id = client.new_list("soak")["id"]
    item_ids: list[str] = []
    while time.monotonic() < until:
        roll = rng.random()
        if roll < 0.3 or not item_ids:
            response = client.post(f"/lists/{list_id}/items", {"name": "soak item"})
            if response.status == 201:
                item_ids.append(response.json()["id"])
        elif roll < 0.6:
            response = client.get(f"/lists/{list_id}/items/{rng.choice(item_ids)}")
        elif roll < 0.75:
            response = client.get(f"/lists/{list_id}/items?top=50")
        elif roll < 0.9:
            item = rng.choice(item_ids)
            etag = client.get(f"/lists/{list_id}/items/{item}").header("ETag") or ""
            response = client.patch(f"/lists/{list_id}/items/{item}", {"state": "done"}, headers={"If-Match": etag})
        elif len(item_ids) > 50:
            response = client.delete(f"/lists/{list_id}")
            list_id, item_ids = client.new_list("soak")["id"], []
        else:
            response = client.delete(f"/lists/{list_id}/items/{item_ids.pop()}")
        with lock:
            statuses[response.status] += 1


@pytest.mark.slow
@pytest.mark.timeout(SOAK_SECONDS + 120)  # the suite's 300 s limit would cut a 5-minute soak
def test_mixed_traffic_has_no_server_errors_and_flat_memory(soak_host: LocalHost) -> None:
    assert soak_host.process is not None
    pid = soak_host.process.pid
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    warmup = time.monotonic() + min(5.0, SOAK_SECONDS / 4)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        clients = [ApiClient(soak_host.base_url) for _ in range(WORKERS)]
        futures = [pool.submit(_traffic, c, time.monotonic() + SOAK_SECONDS, statuses, lock) for c in clients]
        while time.monotonic() < warmup:
            time.sleep(0.1)
        after_warmup = rss_mib(pid)
        for future in futures:
            future.result()
    at_end = rss_mib(pid)
    report = {"seconds": SOAK_SECONDS, "workers": WORKERS, "requests": sum(statuses.values()),
              "statuses": dict(statuses), "rss_mib_after_warmup": round(after_warmup, 1),
              "rss_mib_at_end": round(at_end, 1)}  # fmt: skip
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "soak.json").write_text(json.dumps(report, indent=2))
    assert sum(statuses.values()) > 100
    assert not [s for s in statuses if s >= 500], report
    assert set(statuses) <= {200, 201, 204, 412}, report
    assert at_end - after_warmup < 40, report
