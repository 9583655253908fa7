"""Does a list page or an item read slow down as other partitions fill up? On its own Azurite:
the other phases leave tens of thousands of rows behind, which would blur "100 other entities"."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from azure.data.tables import TableClient

from benchmarks.common import Config
from benchmarks.data import fill_other_partitions, make_items, make_list
from benchmarks.hosts import serving
from benchmarks.progress import Progress
from devhost.children import Azurite, LocalHost
from devhost.client import ApiClient
from shared.storage.client import CLIENT_OPTIONS


def planned_seconds(config: Config) -> float:
    fill = (config.background_small + config.background_large) / 2500  # seconds to seed, roughly
    return 2 * (config.seconds + 4 * config.scale_samples * 1.25 * 0.004) + fill + 5


def _scale(config: Config, azurite: Azurite, host: LocalHost, progress: Progress) -> dict[str, Any]:
    table = TableClient.from_connection_string(azurite.connection_string, "todo", **CLIENT_OPTIONS)
    list_id = make_list(table, owner="scale")
    item_ids = make_items(table, list_id, 100, owner="scale")
    client = ApiClient(host.base_url, owner="scale")
    low, high = f"I|{list_id}|", f"I|{list_id}|~"

    def median_ms(probe: Callable[[], object]) -> float:
        for _ in range(config.scale_samples // 4):  # warm-up, not timed
            probe()
        samples = []
        for _ in range(config.scale_samples):
            started = time.perf_counter()
            probe()
            samples.append((time.perf_counter() - started) * 1000)
        return round(statistics.median(samples), 3)

    def api_ok(path: str) -> Callable[[], object]:
        def probe() -> None:
            assert client.get(path).status == 200

        return probe

    def measure() -> dict[str, float]:
        return {
            "get_item": median_ms(api_ok(f"/lists/{list_id}/items/{item_ids[5]}")),
            "list_page": median_ms(api_ok(f"/lists/{list_id}/items?top=100")),
            "storage_get_item": median_ms(lambda: table.get_entity("scale", f"I|{list_id}|{item_ids[5]}")),
            "storage_list_page": median_ms(
                lambda: list(
                    table.query_entities(
                        "PartitionKey eq @pk and RowKey gt @lo and RowKey lt @hi",
                        parameters={"pk": "scale", "lo": low, "hi": high},
                    )
                )
            ),
        }

    # Each state settles before it is measured (Azurite collects garbage after a bulk load).
    states = []
    for background in (config.background_small, config.background_large):
        with progress.step("scale", f"{background:,} entities in other partitions", planned_seconds(config) / 2):
            fill_other_partitions(table, background)
            time.sleep(config.seconds)
            states.append(measure())
    table.close()
    small, large = states
    return {
        "background_entities": [config.background_small, config.background_large],
        "p50_ms_small": small,
        "p50_ms_large": large,
        "ratio": {k: round(large[k] / small[k], 3) for k in small},
    }


def scale_on_fresh_storage(config: Config, progress: Progress) -> dict[str, Any]:
    azurite = Azurite().start()
    try:
        with serving("ours", azurite) as host:
            return _scale(config, azurite, host, progress)
    finally:
        azurite.stop()
