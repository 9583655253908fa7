"""The benchmark's phases in order; writes benchmarks/results/latest.{json,md} and throughput.png."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchmarks import coldstart, compare, cost, inprocess, load, prices, report, scale, storage, token_cost
from benchmarks.common import FULL, QUICK, RESULTS, Config, machine, vm_hwm_mib
from benchmarks.hosts import APPS, serving
from benchmarks.progress import Progress
from devhost.children import SERVER_LOG_DIR_SETTING, Azurite, LocalHost

__all__ = ["FULL", "QUICK", "RESULTS", "run"]
CPU_ROUNDS = 7  # rounds of the client CPU probe; the machine is shared: minimum shown, change paired per round


def _pid(host: LocalHost) -> int:
    assert host.process is not None
    return host.process.pid


def client_variants(connection_string: str) -> dict[str, dict[str, Any]]:
    """The storage client configurations whose CPU per call is compared: the SDK's defaults (as
    the peer builds it), our options on the SDK's default pipeline (before) and ours as
    shared.storage.client builds it, with only the pipeline policies the app needs (after)."""
    from shared.storage.client import CLIENT_OPTIONS

    return {"sdk_defaults": {"use_env_settings": False}, "ours_default_pipeline": dict(CLIENT_OPTIONS),
            "ours": storage.our_client_options(connection_string)}  # fmt: skip


def planned_seconds(config: Config) -> float:
    return (
        load.planned_seconds(config, len(APPS)) + 2 * len(APPS)
        + storage.planned_seconds(config)
        + scale.planned_seconds(config)
        + inprocess.planned_seconds(config)
        + coldstart.planned_seconds(config)
        + 8  # the token check
        + CPU_ROUNDS * 3 * 3 * config.cpu_calls * 0.004
    )


def run(config: Config, out_dir: Path) -> dict[str, Any]:
    # Azurite's and the hosts' output, kept: one bench run in four once stopped on a 503 whose
    # cause nothing recorded (devhost.children drops child output unless told where to keep it).
    shutil.rmtree(out_dir / "logs", ignore_errors=True)
    os.environ[SERVER_LOG_DIR_SETTING] = str(out_dir / "logs")
    progress = Progress(planned_seconds(config))
    result: dict[str, Any] = {
        "machine": machine(),
        "config": config.__dict__,
        "load_generator": "wrk 4.1 (Debian), Lua script benchmarks/load.lua",
        "prices": {name: price.__dict__ for name, price in prices.ALL.items()},
    }
    azurite = Azurite().start()
    try:
        with ExitStack() as stack:  # all three served at once: their runs take turns (load.http_benchmarks)
            hosts = {name: stack.enter_context(serving(name, azurite)) for name in APPS}
            served = [load.Served(name, host.base_url.removesuffix("/api"), _pid(host)) for name, host in hosts.items()]
            by_app = load.http_benchmarks(config, azurite.connection_string, served, progress)
            for name, host in hosts.items():
                result["http" if name == "ours" else f"http_{name}"] = by_app[name]
                result.setdefault("server_peak_rss_mib", {})[name] = vm_hwm_mib(_pid(host))
            with progress.step("cost", "storage transactions per request", 2):
                result["storage_transactions"] = cost.transactions_per_request(hosts["ours"])
        result["storage_direct"] = asyncio.run(storage.storage_benchmarks(config, azurite.connection_string, progress))
        result["client_cpu_ms_per_call"] = {}
        variants = client_variants(azurite.connection_string)
        for round_number in range(CPU_ROUNDS):  # interleaved, so a busy moment hits every variant alike
            for name, options in variants.items():
                with progress.step("client CPU", f"{name} round {round_number + 1}", 3 * config.cpu_calls * 0.004):
                    cpu = asyncio.run(storage.client_cpu_per_call(config, azurite.connection_string, options))
                for probe, ms in cpu.items():
                    result["client_cpu_ms_per_call"].setdefault(name, {}).setdefault(probe, []).append(ms)
        result["client_cpu_ms_per_call_rounds"] = result.pop("client_cpu_ms_per_call")
        result["client_cpu_ms_per_call"] = {  # the least disturbed round
            name: {probe: min(rounds) for probe, rounds in per_probe.items()}
            for name, per_probe in result["client_cpu_ms_per_call_rounds"].items()
        }
        with progress.step("in-process", "ours and the peer, no HTTP", inprocess.planned_seconds(config)):
            result["in_process"] = asyncio.run(inprocess.in_process(config, azurite.connection_string))
        result["cold_start"] = coldstart.cold_start(config, azurite, progress)
        with progress.step("token check", "PyJWT import and one verification, cached keys", 8):
            result["token_check"] = token_cost.measure(check_rounds=max(200, config.cpu_calls * 10))
    finally:
        azurite.stop()
    result["scale"] = scale.scale_on_fresh_storage(config, progress)
    derive(result)
    progress.done()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(result, indent=2))
    (out_dir / "latest.md").write_text(report.markdown(result))
    if config.chart:
        report.chart(result, out_dir / "throughput.png")
    return result


def derive(result: dict[str, Any]) -> None:
    """Ratios, targets, cost and scale: computed from the measurements above, nothing else."""
    http, direct = result["http"], result["storage_direct"]
    result["ratio_http_to_storage"] = {
        verb: {c: round(h["rps"] / max(direct[verb][c]["rps"], 0.001), 3) for c, h in points.items()}
        for verb, points in http.items()
    }
    result["ratio_get_item_to_contract_storage"] = {
        c: round(h["rps"] / max(direct["get_item_with_list"][c]["rps"], 0.001), 3)
        for c, h in http["get_item"].items()
    }
    rounds = result["client_cpu_ms_per_call_rounds"]  # after / before within each round, then the median
    result["client_cpu_change_pct"] = {
        probe: round((statistics.median(a / b for a, b in zip(after, rounds["ours_default_pipeline"][probe],
                                                                strict=True)) - 1) * 100, 1)
        for probe, after in rounds["ours"].items()
    }  # fmt: skip
    result["vs_peer"] = compare.ratios(http, result["http_peer"])
    result["vs_peer_same_client"] = compare.ratios(http, result["http_peer_same_client"])
    result["targets"] = compare.targets(result)
    settings = cost.deployed_settings()
    server_cpu = {verb: {c: p["server_cpu_ms_per_request"] for c, p in points.items()} for verb, points in http.items()}
    result["cost"] = {
        "deployed": settings,
        "per_million": cost.cost_per_million(http, result["storage_transactions"], settings),
        "scale_on_paper": cost.scale_on_paper(http, server_cpu, result["storage_transactions"], settings),
    }
