"""What the daily backup costs (`python -m benchmarks.backup [--rows 10000 100000] [--quick] [--out DIR]`).

Loads rows shaped like the app's items into a fresh Azurite (transactions of 100, many partitions
written in parallel), then runs the backup (shared/storage/backup.py) at each size in a fresh
child process and prints rows, duration, blob bytes and peak memory. Memory is the point: the
backup streams pages of 1,000 rows into blocks of 4 MiB, so its peak should not grow with the
table. Two numbers show it: the peak of Python allocations during the run (tracemalloc, in a
second run, since tracing slows Python down) and the growth of the child's resident set over
what it held before the run (sampled every 5 ms). Both grow until the compressed output first
fills a block (about 115,000 rows of this shape make 4 MiB), then stay flat. `make bench` runs
it after the HTTP benchmark and writes backup.json and backup.md beside latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex
from typing import Any

from azure.core.exceptions import ResourceExistsError

from benchmarks.common import ROOT
from devhost.children import Azurite
from shared.domain.ids import new_id

RESULTS = ROOT / "benchmarks" / "results"
TABLE = "todo"
PER_PARTITION = 1000  # an owner with one list of 1,000 items
PARALLEL = 16  # transactions in flight while loading
LIST_IDS: dict[int, str] = {}

# The child: one backup run with the process's settings, measured from inside.
CHILD = """
import asyncio, json, sys, threading, time, tracemalloc
from shared.platform.settings import get_settings
from shared.storage.backup import backup_table, ensure_container
from shared.storage.blobs import container_client
from shared.storage.client import get_table, close_table_client

def rss_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

async def main(traced):
    settings = get_settings()
    await get_table()
    async with container_client(settings) as container:
        await ensure_container(container)
    before = peak = rss_kib()
    running = True

    def sample():
        nonlocal peak
        while running:
            peak = max(peak, rss_kib())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    if traced:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
    report, seconds = await backup_table(settings)
    traced_peak = tracemalloc.get_traced_memory()[1] - base if traced else None
    running = False
    sampler.join()
    await close_table_client()
    print(json.dumps({"rows": report.rows, "seconds": seconds, "bytes": report.bytes, "blocks": report.blocks,
                      "tracemalloc_peak": traced_peak, "rss_before_kib": before, "rss_growth_kib": peak - before}))

asyncio.run(main(sys.argv[1] == "traced"))
"""


def item_row(owner: int, n: int) -> dict[str, Any]:
    """An item row as the app writes one (shared/storage/rows.py): keys with the app's ids (time
    and random hex, which gzip cannot shrink much), text, state and dates."""
    stamp = datetime.now(UTC)
    return {
        "PartitionKey": f"bench-owner-{owner:05d}",
        "RowKey": f"I|{LIST_IDS.setdefault(owner, new_id())}|{new_id()}",
        "Name": f"item {n}: {token_hex(6)}",
        "Description": "something to do, written once" if n % 3 else "",
        "State": ("todo", "inprogress", "done")[n % 3],
        "CreatedDate": stamp,
        "UpdatedDate": stamp,
    }


async def load(connection_string: str, first: int, count: int) -> float:
    """Rows first..first+count-1 (1,000 per partition), in parallel transactions; returns rows per second."""
    from azure.data.tables.aio import TableClient

    started = time.perf_counter()
    gate = asyncio.Semaphore(PARALLEL)
    async with TableClient.from_connection_string(connection_string, TABLE) as table:
        with contextlib.suppress(ResourceExistsError):  # a second size adds to the first's rows
            await table.create_table()

        async def batch(start: int) -> None:
            rows = [item_row(n // PER_PARTITION, n) for n in range(start, min(first + count, start + 100))]
            async with gate:
                await table.submit_transaction([("create", row) for row in rows])

        await asyncio.gather(*(batch(start) for start in range(first, first + count, 100)))
    return count / (time.perf_counter() - started)


def backup_once(connection_string: str, traced: bool) -> dict[str, Any]:
    env = {**os.environ, "TODO_STORAGE": connection_string, "TODO_TABLE_NAME": TABLE, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHILD, "traced" if traced else "plain"], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True, timeout=1800)  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def measure(sizes: list[int]) -> dict[str, Any]:
    azurite = Azurite().start()
    try:
        loaded, runs = 0, []
        for size in sorted(sizes):
            rate = asyncio.run(load(azurite.connection_string, loaded, size - loaded))
            loaded = size
            plain = backup_once(azurite.connection_string, traced=False)
            traced = backup_once(azurite.connection_string, traced=True)
            assert plain["rows"] == traced["rows"] == size, (plain, traced, size)
            run = {
                "rows": size,
                "load_rows_per_s": round(rate),
                "seconds": round(plain["seconds"], 2),
                "rows_per_s": round(size / plain["seconds"]),
                "blob_bytes": plain["bytes"],
                "blocks": plain["blocks"],
                "tracemalloc_peak_mib": round(traced["tracemalloc_peak"] / 2**20, 2),
                "rss_growth_mib": round(plain["rss_growth_kib"] / 1024, 1),
            }
            runs.append(run)
            print(f"backup of {size:>7,} rows: {run['seconds']:6.2f} s ({run['rows_per_s']:,} rows/s), blob "
                  f"{run['blob_bytes']:,} bytes in {run['blocks']} blocks, tracemalloc peak "
                  f"{run['tracemalloc_peak_mib']} MiB, RSS growth {run['rss_growth_mib']} MiB", flush=True)  # fmt: skip
    finally:
        azurite.stop()
    return {"date": datetime.now(UTC).date().isoformat(), "cpu_count": os.cpu_count(), "runs": runs}


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"# Backup benchmark ({result['date']}, {result['cpu_count']} cores, Azurite in memory)",
        "",
        "`python -m benchmarks.backup`: the whole table to one gzip NDJSON blob, each size in a fresh process.",
        "",
        "| rows | seconds | rows/s | blob bytes | blocks | tracemalloc peak MiB | RSS growth MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in result["runs"]:
        lines.append(f"| {run['rows']:,} | {run['seconds']} | {run['rows_per_s']:,} | {run['blob_bytes']:,} | "
                     f"{run['blocks']} | {run['tracemalloc_peak_mib']} | {run['rss_growth_mib']} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[10_000, 100_000, 250_000], help="table sizes, ascending"
    )
    parser.add_argument("--quick", action="store_true", help="1,000 and 3,000 rows (make bench --quick)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    result = measure([1000, 3000] if args.quick else args.rows)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "backup.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "backup.md").write_text(markdown(result))


if __name__ == "__main__":
    main()
