"""Load over HTTP: wrk drives one served app per verb and concurrency (C and epoll, so the load
generator costs a few percent of a core instead of as much as the server it measures)."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azure.data.tables import TableClient

from benchmarks.common import ROOT, VERBS, Config, median_run
from benchmarks.data import make_items, make_list, write_ids
from benchmarks.progress import Progress

SEED_SECONDS = 3.0  # planned time to seed one concurrency level's list
WARM_UP_VERBS = tuple(verb for verb in VERBS if verb != "delete_item")  # DELETE needs a fresh pool


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(base: str, verb: str, list_id: str, ids_file: Path, concurrency: int, seconds: float) -> dict[str, Any]:
    threads = min(concurrency, 2)
    command = [
        "wrk", "-t", str(threads), "-c", str(concurrency), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
        "-s", str(ROOT / "benchmarks" / "load.lua"), base, "--", verb, list_id, str(ids_file), str(threads),
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    match = re.search(r"WRK_JSON (\{.*\})", output)
    if not match:
        raise RuntimeError(f"wrk printed no summary:\n{output}")
    raw = json.loads(match.group(1))
    duration = raw["duration_us"] / 1e6
    return {
        # Throughput counts answers that succeeded: a fast 503 (the API's storage deadline) is not
        # work done, and counting it would flatter whichever app gives up sooner.
        "rps": round((raw["requests"] - raw["non_2xx"]) / duration, 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "requests": raw["requests"],
        "non_2xx": raw["non_2xx"],
        "socket_errors": raw["socket_errors"],
    }


MIN_REQUESTS = 150  # a run that completes fewer is too coarse to rank two apps (p50 near the window)
MAX_RUN_SECONDS = 12.0


def planned_seconds(config: Config, apps: int = 1) -> float:
    per_run = max(1, round(config.seconds)) + 0.4
    seeding = len(config.concurrencies) * apps * SEED_SECONDS
    runs = len(config.concurrencies) * len(VERBS) * apps * (config.repeats + 1) * per_run  # +1: slow points run longer
    return apps * len(WARM_UP_VERBS) * 1.4 + seeding + runs


@dataclass
class Served:
    """One served app under load: where it listens, its process (for its CPU) and its own data."""

    name: str
    base: str
    pid: int
    list_id: str = ""
    files: dict[str, Path] = field(default_factory=dict)


def _seed(table: TableClient, app: Served, config: Config) -> None:
    app.list_id = make_list(table)
    ids = make_items(table, app.list_id, config.seed_items)
    batches = [",".join(f'"{i}"' for i in ids[n : n + 50]) for n in range(0, len(ids), 50)]
    app.files = {"default": write_ids(ids[:100]), "put_state": write_ids(batches)}


def _measured_run(table: TableClient, app: Served, verb: str, concurrency: int, seconds: float,
                  config: Config) -> dict[str, Any]:  # fmt: skip
    if verb == "delete_item":  # each run deletes items nobody deleted before
        ids_file = write_ids(make_items(table, app.list_id, config.delete_pool))
    else:
        ids_file = app.files.get(verb, app.files["default"])
    cpu_before = process_cpu_seconds(app.pid)
    run = run_wrk(app.base, verb, app.list_id, ids_file, concurrency, seconds)
    cpu = process_cpu_seconds(app.pid) - cpu_before
    run["server_cpu_ms_per_request"] = round(cpu * 1000 / max(run["requests"], 1), 3)
    run["seconds"] = max(1, round(seconds))
    if verb == "delete_item":
        ids_file.unlink()
    return run


def http_benchmarks(
    config: Config, connection_string: str, apps: list[Served], progress: Progress
) -> dict[str, dict[str, dict[str, Any]]]:
    """Every verb at every concurrency against every served app (base …/api without /api), with
    the CPU each serving process spent per request (its own counters, so wrk, Azurite and the
    idle apps are not in it).

    The apps take turns run by run (the order rotating each round), so a slow moment of the
    machine or a growing Azurite hits them alike and the ratios compare neighbouring runs. A
    point whose first round completes fewer than MIN_REQUESTS in some app (slow verbs at high
    concurrency: a p50 of seconds in a 3 s window) treats that round as calibration and runs its
    recorded rounds long enough to reach it."""
    table = TableClient.from_connection_string(connection_string, "todo")
    results: dict[str, dict[str, dict[str, Any]]] = {app.name: {verb: {} for verb in VERBS} for app in apps}
    per_run = max(1, round(config.seconds)) + 0.4
    for concurrency in config.concurrencies:
        for app in apps:
            with progress.step(app.name, f"seeding for c={concurrency}", SEED_SECONDS):
                _seed(table, app, config)
            if concurrency == config.concurrencies[0]:
                for verb in WARM_UP_VERBS:  # not recorded: first calls pay for lazy imports and connections
                    with progress.step(app.name, f"warm-up {verb}", 1.4):
                        run_wrk(app.base, verb, app.list_id, app.files.get(verb, app.files["default"]), 2, 1)
        for verb in VERBS:
            runs: dict[str, list[dict[str, Any]]] = {app.name: [] for app in apps}
            seconds = config.seconds
            for round_number in range(config.repeats + 1):
                if round_number == config.repeats and seconds == config.seconds:
                    break  # no calibration was needed: the first round counted
                order = apps[round_number % len(apps) :] + apps[: round_number % len(apps)]
                for app in order:
                    detail = f"{verb} c={concurrency} round {round_number + 1} ({seconds:g} s)"
                    with progress.step(app.name, detail, per_run):
                        runs[app.name].append(_measured_run(table, app, verb, concurrency, seconds, config))
                if round_number == 0:
                    fewest = min(r[0]["requests"] for r in runs.values())
                    if fewest < MIN_REQUESTS and config.repeats > 1:
                        seconds = min(MAX_RUN_SECONDS, float(math.ceil(config.seconds * MIN_REQUESTS / max(fewest, 1))))
                        if seconds > config.seconds:
                            runs = {name: [] for name in runs}  # the first round was the calibration
                        else:
                            seconds = config.seconds
            for app in apps:
                results[app.name][verb][str(concurrency)] = median_run(runs[app.name])
        for app in apps:
            for path in app.files.values():
                path.unlink()
    table.close()
    return results
