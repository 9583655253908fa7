"""What a million requests cost in Azure and where the scale limits are, computed from this
run's measurements, the deployed configuration (infra/*.bicep defaults) and benchmarks.prices.

Flex Consumption bills on-demand instances for memory x time while they execute (concurrent
executions on one instance share that time) plus a price per execution. So a request's GB-s lie
between two measured bounds: alone on its instance (the instance memory times the request's wall
time at concurrency 1) and on an instance kept busy (the memory divided by the throughput one
serving process reached at the highest concurrency)."""

from __future__ import annotations

import re
from typing import Any

from benchmarks import prices
from benchmarks.common import ROOT, VERBS
from devhost.children import LocalHost
from devhost.client import ApiClient

CACHE_HIT_RATIOS = (0.0, 0.5, 0.9)
CACHEABLE = ("get_item", "list_page")  # the gateway caches GETs only (infra/policies/get-cache.xml)
GATEWAY_MONTHLY_REQUESTS = 10_000_000  # the volume the fixed Basic v2 unit price is spread over
TABLE_ACCOUNT_TPS = 20_000  # transactions/s per storage account (runtime-facts.md, Azure limits)
TABLE_PARTITION_EPS = 2_000  # entities/s per partition
# Entities each verb reads or writes in storage, from shared/repositories.py (one owner = one
# partition): GET item reads the item and its list; a page of 100 reads the list and 101 rows
# (one extra to know whether more exist); POST writes the item and touches the list in one
# transaction; PATCH and DELETE read two and write one; PUT state of 50 reads the list and 50
# items and writes 50.
ENTITIES_PER_REQUEST = {"get_item": 2, "list_page": 102, "post_item": 2, "patch_item": 3, "put_state": 101,
                        "delete_item": 3}  # fmt: skip


def transactions_per_request(host: LocalHost) -> dict[str, int]:
    """Storage round trips per request, as the API reports them in Server-Timing."""
    client = ApiClient(host.base_url, owner="cost")
    lid = client.new_list()["id"]
    items = [client.new_item(lid)["id"] for _ in range(52)]
    return {
        "get_item": client.get(f"/lists/{lid}/items/{items[0]}").storage_calls,
        "list_page": client.get(f"/lists/{lid}/items?top=100").storage_calls,
        "post_item": client.post(f"/lists/{lid}/items", {"name": "x"}).storage_calls,
        "patch_item": client.patch(f"/lists/{lid}/items/{items[0]}", {"name": "z"},
                                   headers={"If-Match": "*"}).storage_calls,
        "put_state": client.put(f"/lists/{lid}/items/state/done", items[2:52]).storage_calls,
        "delete_item": client.delete(f"/lists/{lid}/items/{items[1]}").storage_calls,
        "apim_cache_hit": 0,
    }  # fmt: skip


def deployed_settings() -> dict[str, Any]:
    """The Flex scale settings the templates deploy by default (main.bicep wins over the module)."""
    found: dict[str, Any] = {}
    for path in ("infra/main.bicep", "infra/modules/functionapp.bicep"):
        text = (ROOT / path).read_text()
        for name in ("instanceMemoryMB", "perInstanceConcurrency", "maximumInstanceCount"):
            match = re.search(rf"^param {name} int = (\d+)", text, re.MULTILINE)
            if match and name not in found:
                found[name] = int(match.group(1))
        sku = re.search(r"^param apimSku string = '(\w+)'", text, re.MULTILINE)
        if sku and "apimSku" not in found:
            found["apimSku"] = sku.group(1)
    missing = {"instanceMemoryMB", "perInstanceConcurrency", "maximumInstanceCount"} - set(found)
    if missing:
        raise RuntimeError(f"cannot read {sorted(missing)} from infra/*.bicep")
    return found


def _usd(value: float) -> float:
    return round(value, 4)


def cost_per_million(http: dict[str, Any], transactions: dict[str, int], settings: dict[str, Any]) -> dict[str, Any]:
    memory_gb = settings["instanceMemoryMB"] / 1024
    gateway = prices.APIM_BASIC_V2_MONTH.usd / (GATEWAY_MONTHLY_REQUESTS / 1e6)
    table: dict[str, Any] = {}
    for verb in VERBS:
        points = http[verb]
        lowest, highest = min(points, key=int), max(points, key=int)
        gb_s_alone = memory_gb * points[lowest]["p50_ms"] / 1000
        gb_s_busy = memory_gb / points[highest]["rps"]
        compute = {name: 1e6 * gb_s * prices.FLEX_GB_SECOND.usd for name, gb_s in
                   (("alone", gb_s_alone), ("busy", gb_s_busy))}  # fmt: skip
        executions = prices.FLEX_EXECUTIONS.usd
        storage = transactions[verb] * 1e6 / 1e4 * prices.TABLE_TRANSACTIONS.usd
        by_hit_ratio = {}
        for ratio in CACHE_HIT_RATIOS:
            reach = 1 - ratio if verb in CACHEABLE else 1.0  # a cache hit never reaches the function
            by_hit_ratio[str(ratio)] = {
                name: _usd(gateway + reach * (compute[name] + executions + storage)) for name in compute
            }
        table[verb] = {
            "gb_s_per_request": {"alone": round(gb_s_alone, 7), "busy": round(gb_s_busy, 7)},
            "flex_gb_s_usd": {name: _usd(value) for name, value in compute.items()},
            "flex_executions_usd": _usd(executions),
            "table_transactions": transactions[verb],
            "table_usd": _usd(storage),
            "gateway_usd": _usd(gateway),
            "total_usd_by_cache_hit_ratio": by_hit_ratio,
        }
    return table


def scale_on_paper(
    http: dict[str, Any], server_cpu: dict[str, Any], transactions: dict[str, int], settings: dict[str, Any]
) -> dict[str, Any]:
    """Requests per second one instance can serve (CPU-bound: one Python worker process on one
    core, at the CPU per request the serving process spent here; or bound by the configured
    per-instance concurrency over the request's latency), and where Table Storage's limits bind."""
    concurrency = settings["perInstanceConcurrency"]
    out: dict[str, Any] = {}
    for verb in VERBS:
        highest = max(http[verb], key=int)
        cpu_ms = server_cpu[verb][highest]
        near = min(http[verb], key=lambda c: abs(int(c) - concurrency))
        latency_ms = http[verb][near]["p50_ms"]
        by_cpu = 1000 / cpu_ms
        by_concurrency = concurrency * 1000 / latency_ms
        per_instance = min(by_cpu, by_concurrency)
        tx = transactions[verb]
        out[verb] = {
            "server_cpu_ms_per_request": cpu_ms,
            "rps_per_instance": round(per_instance, 1),
            "bound_by": "cpu" if by_cpu <= by_concurrency else "concurrency",
            "instances_to_account_limit": round(TABLE_ACCOUNT_TPS / (per_instance * tx), 1) if tx else None,
            "one_owner_rps_limit": round(TABLE_PARTITION_EPS / ENTITIES_PER_REQUEST[verb], 1),
            "instances_to_one_owner_limit": round(TABLE_PARTITION_EPS / ENTITIES_PER_REQUEST[verb] / per_instance, 2),
        }
    return out
