"""Runs every measurement and writes benchmarks/results/latest.{json,md} and throughput.png."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from azure.data.tables import TableClient, UpdateMode
from azure.data.tables.aio import TableClient as AsyncTableClient

from shared.ids import new_id
from shared.models import TodoItem, TodoList
from shared.repositories import _item_entity, _list_entity
from shared.storage import CLIENT_OPTIONS
from tests.support import ApiClient, Azurite, LocalHost, host_env

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
OWNER = "bench"
VERBS = (
    "get_item",
    "list_page",
    "post_item",
    "patch_item",
    "put_state",
    "delete_item",
)  # delete last: it consumes items
# Table Storage (Standard, LRS) list price per 10,000 transactions, USD; re-check before use.
PRICE_PER_10K_TRANSACTIONS = 0.00036


@dataclass(frozen=True)
class Config:
    concurrencies: tuple[int, ...]
    seconds: float
    background_small: int
    background_large: int
    cold_runs: int
    chart: bool
    repeats: int  # runs per measurement point; the run with the median throughput is reported
    delete_pool: int  # fresh items per DELETE run, more than one run can delete


FULL = Config((1, 8, 32), 3.0, 100, 100_000, 5, True, 3, 6000)
QUICK = Config((1, 2), 1.0, 20, 200, 1, False, 1, 1500)


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median throughput (its own latencies), every run's throughput, and
    the errors of all runs."""
    ordered = sorted(runs, key=lambda run: float(run["rps"]))
    median = {**ordered[len(ordered) // 2], "rps_runs": [run["rps"] for run in ordered]}
    for errors in ("non_2xx", "socket_errors"):  # counted over every run, not only the median one
        if errors in median:
            median[errors] = sum(run[errors] for run in runs)
    return median


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def summarize(latencies_ms: list[float], seconds: float) -> dict[str, float]:
    return {
        "rps": round(len(latencies_ms) / seconds, 1),
        "p50_ms": round(percentile(latencies_ms, 0.5), 2),
        "p95_ms": round(percentile(latencies_ms, 0.95), 2),
        "p99_ms": round(percentile(latencies_ms, 0.99), 2),
    }


# Data -----------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def make_list(table: TableClient, owner: str = OWNER) -> str:
    todo_list = TodoList(id=new_id(), name="bench", created_date=_now(), updated_date=_now())
    table.create_entity(_list_entity(owner, todo_list))
    return todo_list.id


def make_items(table: TableClient, list_id: str, count: int, owner: str = OWNER) -> list[str]:
    ids = []
    for start in range(0, count, 100):
        batch = []
        for _ in range(min(100, count - start)):
            item = TodoItem(id=new_id(), list_id=list_id, name="seed", created_date=_now(), updated_date=_now())
            ids.append(item.id)
            batch.append(("create", _item_entity(owner, item)))
        table.submit_transaction(batch)  # type: ignore[arg-type]
    return ids


def fill_other_partitions(table: TableClient, total: int) -> None:
    """Entities in other owners' partitions: a well-partitioned API must not notice them."""
    owners = max(1, total // 1000)
    per_owner = total // owners
    for n in range(owners):
        make_items(table, f"filler{n:04d}", per_owner, owner=f"filler-{n:04d}")


# HTTP with wrk ----------------------------------------------------------------------------------


def run_wrk(base: str, verb: str, list_id: str, ids_file: Path, concurrency: int, seconds: float) -> dict[str, Any]:
    threads = min(concurrency, 2)
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(concurrency),
        "-d",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "benchmarks" / "load.lua"),
        base,
        "--",
        verb,
        list_id,
        str(ids_file),
        str(threads),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    match = re.search(r"WRK_JSON (\{.*\})", output)
    if not match:
        raise RuntimeError(f"wrk printed no summary:\n{output}")
    raw = json.loads(match.group(1))
    duration = raw["duration_us"] / 1e6
    return {
        "rps": round(raw["requests"] / duration, 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "requests": raw["requests"],
        "non_2xx": raw["non_2xx"],
        "socket_errors": raw["socket_errors"],
    }


def write_ids(lines: list[str]) -> Path:
    handle = tempfile.NamedTemporaryFile("w", suffix=".ids", delete=False)  # noqa: SIM115
    handle.write("\n".join(lines) + "\n")
    handle.close()
    return Path(handle.name)


def http_benchmarks(config: Config, azurite: Azurite, host: LocalHost) -> dict[str, dict[str, Any]]:
    table = TableClient.from_connection_string(azurite.connection_string, "todo")
    results: dict[str, dict[str, Any]] = {verb: {} for verb in VERBS}
    base = host.base_url.removesuffix("/api")
    for concurrency in config.concurrencies:
        list_id = make_list(table)
        ids = make_items(table, list_id, 3200)
        batches = [",".join(f'"{i}"' for i in ids[n : n + 50]) for n in range(0, len(ids), 50)]
        files = {"default": write_ids(ids[:100]), "put_state": write_ids(batches)}
        for verb in VERBS:
            runs = []
            for _ in range(config.repeats):
                if verb == "delete_item":  # each run deletes items nobody deleted before
                    ids_file = write_ids(make_items(table, list_id, config.delete_pool))
                else:
                    ids_file = files.get(verb, files["default"])
                runs.append(run_wrk(base, verb, list_id, ids_file, concurrency, config.seconds))
                if verb == "delete_item":
                    ids_file.unlink()
            results[verb][str(concurrency)] = median_run(runs)
        for path in files.values():
            path.unlink()
    table.close()
    return results


# Storage directly -------------------------------------------------------------------------------


async def closed_loop(
    operation: Callable[[int], Awaitable[bool | None]], concurrency: int, seconds: float
) -> dict[str, float]:
    """Each worker calls operation(n) back to back until the time is up or it returns False
    (nothing left to do, e.g. every item of a DELETE pool is gone)."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def worker() -> None:
        while time.perf_counter() < deadline:
            n = next(counter)
            started = time.perf_counter()
            if await operation(n) is False:
                return
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return summarize(latencies, time.perf_counter() - started)


async def _storage_round(
    table: AsyncTableClient,
    sync_table: TableClient,
    config: Config,
    concurrency: int,
    results: dict[str, dict[str, Any]],
) -> None:
    """One concurrency level of the storage-direct measurements (fresh list and items)."""
    list_id = make_list(sync_table, owner="raw")
    ids = make_items(sync_table, list_id, 3200, owner="raw")
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
        item = TodoItem(id=new_id(), list_id=list_id, name="raw", created_date=_now(), updated_date=_now())
        await table.create_entity(_item_entity("raw", item))

    async def patch_item(n: int) -> None:
        entity = {
            "PartitionKey": "raw",
            "RowKey": f"I|{list_id}|{ids[n % 100]}",
            "Name": f"r{n}",
            "State": "todo",
            "CreatedDate": _now(),
            "UpdatedDate": _now(),
        }
        await table.update_entity(entity, mode=UpdateMode.REPLACE)  # If-Match: *, as the API's

    pool: list[str] = []

    async def delete_item(n: int) -> bool:
        if not pool:
            return False
        await table.delete_entity("raw", f"I|{list_id}|{pool.pop()}")
        return True

    async def put_state(n: int) -> None:
        start = (n * 50) % (min(len(ids), 3200) // 50 * 50)
        state = "done" if (n // 64) % 2 == 0 else "todo"
        await table.submit_transaction([
            ("update", {"PartitionKey": "raw", "RowKey": f"I|{list_id}|{i}", "State": state},
             {"mode": UpdateMode.MERGE}) for i in ids[start : start + 50]])  # fmt: skip

    operations = {
        "get_item": get_item,
        "list_page": list_page,
        "post_item": post_item,
        "patch_item": patch_item,
        "put_state": put_state,
        "delete_item": delete_item,
    }
    async def measure(operation: Callable[[int], Awaitable[bool | None]], fill_pool: bool = False) -> dict[str, Any]:
        runs = []
        for _ in range(config.repeats):
            if fill_pool:  # each run deletes items nobody deleted before
                pool[:] = make_items(sync_table, list_id, config.delete_pool, owner="raw")
            runs.append(await closed_loop(operation, concurrency, config.seconds))
        return median_run(runs)

    results["get_item_with_list"][str(concurrency)] = await measure(get_item_with_list)
    for verb in VERBS:
        results[verb][str(concurrency)] = await measure(operations[verb], fill_pool=verb == "delete_item")


async def storage_benchmarks(config: Config, azurite: Azurite) -> dict[str, dict[str, Any]]:
    sync_table = TableClient.from_connection_string(azurite.connection_string, "todo")
    results: dict[str, dict[str, Any]] = {verb: {} for verb in (*VERBS, "get_item_with_list")}
    # The same client settings as the API's (shared.storage), so the limit is a fair one.
    async with AsyncTableClient.from_connection_string(azurite.connection_string, "todo", **CLIENT_OPTIONS) as table:
        for concurrency in config.concurrencies:
            await _storage_round(table, sync_table, config, concurrency, results)
    sync_table.close()
    return results


# In-process handler -----------------------------------------------------------------------------


async def client_cpu_per_call(config: Config, azurite: Azurite) -> dict[str, float]:
    """Python CPU the storage client spends per call, sequentially: what decides whether a
    write is a point call or an entity-group transaction (MIME multipart in azure-core)."""
    calls = 300 if config is FULL else 30
    cpu: dict[str, float] = {}
    async with AsyncTableClient.from_connection_string(azurite.connection_string, "todo", **CLIENT_OPTIONS) as table:
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


async def in_process(config: Config, azurite: Azurite) -> dict[str, Any]:
    """GET item through the registered function object, no HTTP: with Azurite, and with
    in-memory repositories (the pure cost of our code per request)."""
    os.environ["TODO_STORAGE"] = azurite.connection_string
    import azure.functions as func

    import function_app
    import shared.service as service_module
    from shared.config import reset_settings_cache
    from tests.fakes import FakeIdempotencyRepository, FakeItemRepository, FakeListRepository, FakeStore

    reset_settings_cache()
    handler = next(
        f.get_user_function() for f in function_app.app.get_functions() if f.get_function_name() == "get_item"
    )
    table = TableClient.from_connection_string(azurite.connection_string, "todo")
    list_id = make_list(table)
    item_id = make_items(table, list_id, 1)[0]
    table.close()
    request = func.HttpRequest(
        "GET",
        f"http://x/api/lists/{list_id}/items/{item_id}",
        headers={"X-Todo-Owner": OWNER},
        route_params={"listId": list_id, "itemId": item_id},
        body=b"",
    )

    async def call(_: int) -> None:
        response = await handler(request)
        assert response.status_code == 200, response.get_body()

    with_storage = await closed_loop(call, 1, config.seconds)
    store = FakeStore()
    service_module._service = service_module.TodoService(
        FakeListRepository(store), FakeItemRepository(store), FakeIdempotencyRepository(store)
    )
    service = service_module._service
    from shared.models import TodoItemWrite, TodoListWrite

    fake_list = (await service.create_list(OWNER, TodoListWrite(name="x"), None)).value
    fake_item = (await service.create_item(OWNER, fake_list.id, TodoItemWrite(name="y"), None)).value
    request = func.HttpRequest(
        "GET",
        "http://x/",
        headers={"X-Todo-Owner": OWNER},
        route_params={"listId": fake_list.id, "itemId": fake_item.id},
        body=b"",
    )
    pure = await closed_loop(call, 1, config.seconds)
    service_module._service = None
    return {"get_item_with_storage": with_storage, "get_item_code_only": pure}


# Cold start, imports, memory, costs, scale -----------------------------------------------------


def cold_start(config: Config, azurite: Azurite) -> dict[str, Any]:
    imports = []
    for _ in range(max(3, config.cold_runs)):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "import time; t=time.perf_counter(); import function_app; print((time.perf_counter()-t)*1000)",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        imports.append(float(out))
    first_request = []
    for _ in range(config.cold_runs):
        started = time.perf_counter()
        host = LocalHost(host_env(azurite)).start()
        response = ApiClient(host.base_url, owner=OWNER).get("/lists")
        first_request.append((time.perf_counter() - started) * 1000)
        assert response.status == 200
        host.stop()
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import function_app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    rows = []
    for line in trace.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]) / 1000, parts[2].rstrip()))
    # heaviest modules by cumulative time (nested ones included), function_app itself excluded
    top_level = sorted((r for r in rows if r[1].strip() != "function_app"), reverse=True)
    return {
        "import_ms_median": round(statistics.median(imports), 1),
        "process_start_to_first_response_ms_median": round(statistics.median(first_request), 1),
        "import_breakdown_ms": [{"module": name.strip(), "cumulative_ms": round(ms, 1)} for ms, name in top_level[:10]],
    }


def storage_costs(host: LocalHost, azurite: Azurite) -> dict[str, Any]:
    client = ApiClient(host.base_url, owner="cost")
    lid = client.new_list()["id"]
    items = [client.new_item(lid)["id"] for _ in range(52)]
    counts = {
        "get_item": client.get(f"/lists/{lid}/items/{items[0]}").storage_calls,
        "list_page": client.get(f"/lists/{lid}/items?top=100").storage_calls,
        "post_item": client.post(f"/lists/{lid}/items", {"name": "x"}).storage_calls,
        "patch_item": client.patch(
            f"/lists/{lid}/items/{items[0]}", {"name": "z"}, headers={"If-Match": "*"}
        ).storage_calls,
        "put_state": client.put(f"/lists/{lid}/items/state/done", items[2:52]).storage_calls,
        "delete_item": client.delete(f"/lists/{lid}/items/{items[1]}").storage_calls,
    }
    return {
        verb: {"transactions": n, "usd_per_million_requests": round(n * 1e6 / 1e4 * PRICE_PER_10K_TRANSACTIONS, 3)}
        for verb, n in counts.items()
    } | {"apim_cache_hit": {"transactions": 0, "usd_per_million_requests": 0.0}}


def scale(config: Config, azurite: Azurite, host: LocalHost) -> dict[str, Any]:
    """p50 of GET item and a list page with few vs many entities in other partitions, through
    the API and straight on storage (so Azurite's own behaviour can be told from ours)."""
    table = TableClient.from_connection_string(azurite.connection_string, "todo", **CLIENT_OPTIONS)
    list_id = make_list(table, owner="scale")
    item_ids = make_items(table, list_id, 100, owner="scale")
    client = ApiClient(host.base_url, owner="scale")
    low, high = f"I|{list_id}|", f"I|{list_id}|~"
    samples_per_probe = 400 if config is FULL else 20

    def median_ms(probe: Callable[[], object]) -> float:
        for _ in range(samples_per_probe // 4):  # warm-up, not timed
            probe()
        samples = []
        for _ in range(samples_per_probe):
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
    fill_other_partitions(table, config.background_small)
    time.sleep(config.seconds)
    small = measure()
    fill_other_partitions(table, config.background_large)
    time.sleep(config.seconds)
    large = measure()
    table.close()
    return {
        "background_entities": [config.background_small, config.background_large],
        "p50_ms_small": small,
        "p50_ms_large": large,
        "ratio": {k: round(large[k] / small[k], 3) for k in small},
    }


def scale_on_fresh_storage(config: Config) -> dict[str, Any]:
    """The scale probe on its own Azurite and host: the other measurements leave tens of
    thousands of rows behind, which would blur "100 other entities"."""
    azurite = Azurite().start()
    host = LocalHost(host_env(azurite, LOG_LEVEL="WARNING")).start()
    try:
        ApiClient(host.base_url, owner=OWNER).get("/lists")  # creates the table
        return scale(config, azurite, host)
    finally:
        host.stop()
        azurite.stop()


def vm_hwm_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def run(config: Config, out_dir: Path) -> dict[str, Any]:
    azurite = Azurite().start()
    host = LocalHost(host_env(azurite, LOG_LEVEL="WARNING")).start()
    try:
        ApiClient(host.base_url, owner=OWNER).get("/lists")  # creates the table
        result: dict[str, Any] = {
            "machine": machine(),
            "config": config.__dict__,
            "load_generator": "wrk 4.1 (Debian), Lua script benchmarks/load.lua",
        }
        result["http"] = http_benchmarks(config, azurite, host)
        assert host.process is not None
        result["server_peak_rss_mib"] = vm_hwm_mib(host.process.pid)
        result["storage_direct"] = asyncio.run(storage_benchmarks(config, azurite))
        result["ratio_http_to_storage"] = {
            verb: {
                c: round(result["http"][verb][c]["rps"] / max(result["storage_direct"][verb][c]["rps"], 0.001), 3)
                for c in result["http"][verb]
            }
            for verb in VERBS
        }
        result["ratio_get_item_to_contract_storage"] = {
            c: round(h["rps"] / max(result["storage_direct"]["get_item_with_list"][c]["rps"], 0.001), 3)
            for c, h in result["http"]["get_item"].items()
        }
        result["storage_transactions"] = storage_costs(host, azurite)
        result["scale"] = scale_on_fresh_storage(config)
        result["in_process"] = asyncio.run(in_process(config, azurite))
        result["client_cpu_ms_per_call"] = asyncio.run(client_cpu_per_call(config, azurite))
        result["cold_start"] = cold_start(config, azurite)
    finally:
        host.stop()
        azurite.stop()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(result, indent=2))
    (out_dir / "latest.md").write_text(markdown(result))
    if config.chart:
        chart(result, out_dir / "throughput.png")
    return result


def _spread(run: dict[str, Any]) -> str:
    rates = run["rps_runs"]
    return f"{min(rates):g} to {max(rates):g}"


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"Measured {m['date']} on {m['cores']} cores ({m['cpu']}), Python {m['python']}, Azurite in memory, "
        f"load from {result['load_generator']}. Each point: the median of {result['config']['repeats']} runs of "
        f"{result['config']['seconds']:g} s (the range of the runs in brackets).",
        "",
        "| verb | concurrency | API req/s (runs) | p50 ms | p95 ms | p99 ms | storage req/s (runs) | API / storage "
        "| non-2xx |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for verb in VERBS:
        for c, h in result["http"][verb].items():
            s = result["storage_direct"][verb][c]
            lines.append(
                f"| {verb} | {c} | {h['rps']} ({_spread(h)}) | {h['p50_ms']} | {h['p95_ms']} | {h['p99_ms']} | "
                f"{s['rps']} ({_spread(s)}) | "
                f"{result['ratio_http_to_storage'][verb][c]} | {h['non_2xx']} |"
            )
    ip, cs, sc, cpu = result["in_process"], result["cold_start"], result["scale"], result["client_cpu_ms_per_call"]
    lines += [
        "",
        f"- Storage client CPU per call (sequential): get_entity {cpu['get_entity']} ms, update_entity "
        f"{cpu['update_entity']} ms, transaction of 2 operations {cpu['transaction_of_2']} ms.",
        f"- In-process GET item (no HTTP), c=1: p50 {ip['get_item_with_storage']['p50_ms']} ms with Azurite, "
        f"{ip['get_item_code_only']['p50_ms']} ms with in-memory repositories (our code alone).",
        f"- Cold start: import of function_app {cs['import_ms_median']} ms (median); process start to first "
        f"response {cs['process_start_to_first_response_ms_median']} ms (median, includes table creation).",
        f"- Peak RSS of the serving process under load: {result['server_peak_rss_mib']} MiB.",
        f"- Scale: p50 with {sc['background_entities'][0]:,} vs {sc['background_entities'][1]:,} entities in other "
        f"partitions: GET item ratio {sc['ratio']['get_item']}, list page ratio {sc['ratio']['list_page']} "
        f"(straight on Azurite: {sc['ratio']['storage_get_item']} and {sc['ratio']['storage_list_page']}).",
        "- GET item against the storage work the contract requires (list and item read in parallel): "
        + ", ".join(f"c={c} {r}" for c, r in result["ratio_get_item_to_contract_storage"].items())
        + ".",
        "",
        "| verb | storage transactions per request | USD per million requests (storage) |",
        "|---|---|---|",
    ]
    for verb, cost in result["storage_transactions"].items():
        lines.append(f"| {verb} | {cost['transactions']} | {cost['usd_per_million_requests']} |")
    lines += [
        "",
        "Heaviest imports (cumulative ms): "
        + ", ".join(f"{row['module']} {row['cumulative_ms']}" for row in cs["import_breakdown_ms"][:6]),
    ]
    return "\n".join(lines) + "\n"


def chart(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 5))
    for index, verb in enumerate(VERBS):
        color = f"C{index}"  # one colour per verb: solid for the API, dotted for storage
        points = result["http"][verb]
        axis.plot(
            [int(c) for c in points],
            [p["rps"] for p in points.values()],
            marker="o",
            color=color,
            label=f"{verb} (API)",
        )
        direct = result["storage_direct"][verb]
        axis.plot(
            [int(c) for c in direct],
            [p["rps"] for p in direct.values()],
            linestyle=":",
            color=color,
            alpha=0.7,
            label=f"{verb} (storage)",
        )
    axis.set_xscale("log", base=2)
    axis.set_yscale("log")
    axis.set_xlabel("concurrency")
    axis.set_ylabel("requests per second")
    axis.set_title("Todo API throughput vs concurrency (solid: API over HTTP; dotted: storage directly)")
    axis.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
