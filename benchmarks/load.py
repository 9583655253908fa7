"""Load over HTTP: wrk drives one served app per verb and concurrency (C and epoll, so the load
generator costs a few percent of a core instead of as much as the server it measures)."""

from __future__ import annotations

import json
import os
import re
import subprocess
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
        "rps": round(raw["requests"] / duration, 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "requests": raw["requests"],
        "non_2xx": raw["non_2xx"],
        "socket_errors": raw["socket_errors"],
    }


def planned_seconds(config: Config) -> float:
    per_run = max(1, round(config.seconds)) + 0.4
    return len(WARM_UP_VERBS) * 1.4 + len(config.concurrencies) * (SEED_SECONDS + len(VERBS) * config.repeats * per_run)


def http_benchmarks(
    config: Config, connection_string: str, base_url: str, server_pid: int, progress: Progress, label: str
) -> dict[str, dict[str, Any]]:
    """Every verb at every concurrency against the app served at base_url (…/api), with the CPU
    the serving process spent per request (its own counters, so wrk and Azurite are not in it)."""
    table = TableClient.from_connection_string(connection_string, "todo")
    results: dict[str, dict[str, Any]] = {verb: {} for verb in VERBS}
    base = base_url.removesuffix("/api")
    per_run = max(1, round(config.seconds)) + 0.4
    for concurrency in config.concurrencies:
        with progress.step(label, f"seeding for c={concurrency}", SEED_SECONDS):
            list_id = make_list(table)
            ids = make_items(table, list_id, config.seed_items)
        batches = [",".join(f'"{i}"' for i in ids[n : n + 50]) for n in range(0, len(ids), 50)]
        files = {"default": write_ids(ids[:100]), "put_state": write_ids(batches)}
        if concurrency == config.concurrencies[0]:
            for verb in WARM_UP_VERBS:  # not recorded: first calls pay for lazy imports and connections
                with progress.step(label, f"warm-up {verb}", 1.4):
                    run_wrk(base, verb, list_id, files.get(verb, files["default"]), 2, 1)
        for verb in VERBS:
            runs = []
            for repeat in range(config.repeats):
                with progress.step(label, f"{verb} c={concurrency} run {repeat + 1}/{config.repeats}", per_run):
                    if verb == "delete_item":  # each run deletes items nobody deleted before
                        ids_file = write_ids(make_items(table, list_id, config.delete_pool))
                    else:
                        ids_file = files.get(verb, files["default"])
                    cpu_before = process_cpu_seconds(server_pid)
                    run = run_wrk(base, verb, list_id, ids_file, concurrency, config.seconds)
                    cpu = process_cpu_seconds(server_pid) - cpu_before
                    run["server_cpu_ms_per_request"] = round(cpu * 1000 / max(run["requests"], 1), 3)
                    runs.append(run)
                    if verb == "delete_item":
                        ids_file.unlink()
            results[verb][str(concurrency)] = median_run(runs)
        for path in files.values():
            path.unlink()
    table.close()
    return results
