"""What every phase shares: the configuration, the verbs, statistics and a closed-loop driver."""

from __future__ import annotations

import asyncio
import os
import platform
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
OWNER = "bench"
# delete last: it consumes items
VERBS = ("get_item", "list_page", "post_item", "patch_item", "put_state", "delete_item")


@dataclass(frozen=True)
class Config:
    concurrencies: tuple[int, ...]
    seconds: float
    background_small: int
    background_large: int
    cold_runs: int
    chart: bool
    repeats: int  # runs per measurement point; the run with the median throughput is reported
    delete_pool: int  # fresh items per DELETE run, more than one run can delete (a 1 s quick run reaches ~400)
    cpu_calls: int  # sequential calls per client-CPU and in-process CPU probe
    scale_samples: int  # timed requests per scale probe
    seed_items: int  # items in each concurrency level's list (GET, PATCH and PUT state pick among them)


FULL = Config((1, 8, 32), 3.0, 100, 100_000, 5, True, 3, 6000, 300, 400, 3200)
QUICK = Config((2,), 1.0, 20, 200, 1, False, 1, 1000, 30, 20, 300)


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
