"""The storage baseline: the same operations straight on Azurite with the async client, at the
same concurrency (the limit the API is measured against), and the client's CPU per call."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from azure.data.tables import TableClient, UpdateMode
from azure.data.tables.aio import TableClient as AsyncTableClient
from azure.data.tables.aio import TableServiceClient

from benchmarks.common import VERBS, Config, closed_loop, median_run
from benchmarks.data import make_items, make_list, now
from benchmarks.progress import Progress
from shared.domain.ids import new_id
from shared.domain.models import TodoItem
from shared.storage.client import client_options
from shared.storage.rows import item_entity

MEASURES = (*VERBS, "get_item_with_list")
CPU_PROBES = ("get_entity", "update_entity", "transaction_of_2")


def planned_seconds(config: Config) -> float:
    return len(config.concurrencies) * (3.0 + len(MEASURES) * config.repeats * (config.seconds + 0.3))


async def _storage_round(
    table: AsyncTableClient,
    sync_table: TableClient,
    config: Config,
    concurrency: int,
    results: dict[str, dict[str, Any]],
    progress: Progress,
) -> None:
    """One concurrency level of the storage-direct measurements (fresh list and items)."""
    list_id = make_list(sync_table, owner="raw")
    ids = make_items(sync_table, list_id, config.seed_items, owner="raw")
    low, high = f"I|{list_id}|", f"I|{list_id}|~"

    async def get_item(n: int) -> None:
        await table.get_entity("raw", f"I|{list_id}|{ids[n % 100]}")

    async def get_item_with_list(n: int) -> None:
        """What the contract makes GET item do: the item and its list, read in parallel (an
        item is visible only while its list exists)."""
        await asyncio.gather(
            table.get_entity("raw", f"L|{list_id}"), table.get_entity("raw", f"I|{list_id}|{ids[n % 100]}")
        )

    async def list_page(n: int) -> None:
        pager = table.query_entities(
            "PartitionKey eq @pk and RowKey gt @lo and RowKey lt @hi",
            parameters={"pk": "raw", "lo": low, "hi": high},
            results_per_page=100,
        )
        async for _page in pager.by_page():
            break

    async def post_item(n: int) -> None:
        item = TodoItem(id=new_id(), list_id=list_id, name="raw", created_date=now(), updated_date=now())
        await table.create_entity(item_entity("raw", item))

    async def patch_item(n: int) -> None:
        entity = {"PartitionKey": "raw", "RowKey": f"I|{list_id}|{ids[n % 100]}", "Name": f"r{n}",
                  "State": "todo", "CreatedDate": now(), "UpdatedDate": now()}  # fmt: skip
        await table.update_entity(entity, mode=UpdateMode.REPLACE)  # If-Match: *, as the API's

    pool: list[str] = []

    async def delete_item(n: int) -> bool:
        if not pool:
            return False
        await table.delete_entity("raw", f"I|{list_id}|{pool.pop()}")
        return True

    async def put_state(n: int) -> None:
        start = (n * 50) % (len(ids) // 50 * 50)
        state = "done" if (n // 64) % 2 == 0 else "todo"
        await table.submit_transaction([
            ("update", {"PartitionKey": "raw", "RowKey": f"I|{list_id}|{i}", "State": state},
             {"mode": UpdateMode.MERGE}) for i in ids[start : start + 50]])  # fmt: skip

    operations: dict[str, Callable[[int], Awaitable[bool | None]]] = {
        "get_item": get_item,
        "list_page": list_page,
        "post_item": post_item,
        "patch_item": patch_item,
        "put_state": put_state,
        "delete_item": delete_item,
        "get_item_with_list": get_item_with_list,
    }
    for name in MEASURES:
        runs = []
        for repeat in range(config.repeats):
            with progress.step("storage", f"{name} c={concurrency} run {repeat + 1}", config.seconds + 0.3):
                if name == "delete_item":  # each run deletes items nobody deleted before
                    pool[:] = make_items(sync_table, list_id, config.delete_pool, owner="raw")
                runs.append(await closed_loop(operations[name], concurrency, config.seconds))
        results[name][str(concurrency)] = median_run(runs)


async def storage_benchmarks(config: Config, connection_string: str, progress: Progress) -> dict[str, dict[str, Any]]:
    sync_table = TableClient.from_connection_string(connection_string, "todo")
    results: dict[str, dict[str, Any]] = {name: {} for name in MEASURES}
    # The same client as the API's (shared.storage.client), so the limit is a fair one.
    options = our_client_options(connection_string)
    async with AsyncTableClient.from_connection_string(connection_string, "todo", **options) as table:
        for concurrency in config.concurrencies:
            await _storage_round(table, sync_table, config, concurrency, results, progress)
    sync_table.close()
    return results


def our_client_options(connection_string: str) -> dict[str, Any]:
    """The options shared.storage.client gives the API's client, for this connection string."""
    return client_options(TableServiceClient.from_connection_string(connection_string).credential)


async def client_cpu_per_call(config: Config, connection_string: str, options: dict[str, Any]) -> dict[str, float]:
    """Python CPU the storage client spends per call, sequentially: what decides whether a
    write is a point call or an entity-group transaction (MIME multipart in azure-core)."""
    calls = config.cpu_calls
    cpu: dict[str, float] = {}
    async with AsyncTableClient.from_connection_string(connection_string, "todo", **options) as table:
        base = {"PartitionKey": "cpu", "Name": "n"}
        await table.upsert_entity({**base, "RowKey": "L"})
        for n in range(calls):
            await table.upsert_entity({**base, "RowKey": f"r{n}"})
        probes: dict[str, Callable[[int], Awaitable[Any]]] = {
            "get_entity": lambda n: table.get_entity("cpu", f"r{n}"),
            "update_entity": lambda n: table.update_entity({**base, "RowKey": f"r{n}"}, mode=UpdateMode.REPLACE),
            "transaction_of_2": lambda n: table.submit_transaction(
                [("update", {"PartitionKey": "cpu", "RowKey": "L"}, {"mode": UpdateMode.MERGE}),
                 ("update", {**base, "RowKey": f"r{n}"}, {"mode": UpdateMode.REPLACE})]),
        }  # fmt: skip
        for name, probe in probes.items():
            started = time.process_time()
            for n in range(calls):
                await probe(n)
            cpu[name] = round((time.process_time() - started) / calls * 1000, 3)
    return cpu
