"""The benchmark runs end to end in a tiny configuration, so it cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VERBS = ("get_item", "list_page", "post_item", "patch_item", "put_state", "delete_item")
EXPECTED_TRANSACTIONS = {"get_item": 2, "list_page": 2, "post_item": 1, "patch_item": 3, "put_state": 3,
                         "delete_item": 3, "apim_cache_hit": 0}  # fmt: skip


@pytest.mark.slow
def test_quick_benchmark_produces_every_number_and_judges_every_target(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path)], cwd=ROOT,
                         check=True, capture_output=True, text=True, timeout=400)  # fmt: skip
    result = json.loads((tmp_path / "latest.json").read_text())
    for section in ("http", "http_peer", "http_peer_same_client", "storage_direct"):
        for verb in VERBS:
            for concurrency, numbers in result[section][verb].items():
                assert numbers["rps"] > 0 and numbers["p50_ms"] > 0, (section, verb, concurrency)
    for section in ("http", "http_peer", "http_peer_same_client"):
        for verb, numbers in result[section].items():
            assert all(n["non_2xx"] == 0 and n["socket_errors"] == 0 for n in numbers.values()), (section, verb)
            assert all(n["server_cpu_ms_per_request"] > 0 for n in numbers.values()), (section, verb)
    assert result["storage_transactions"] == EXPECTED_TRANSACTIONS
    for comparison in ("vs_peer", "vs_peer_same_client"):
        assert all(r["rps"] > 0 for points in result[comparison].values() for r in points.values())
    assert len(result["targets"]) == 5 and all(isinstance(t["reached"], bool) for t in result["targets"])
    token = result["token_check"]
    assert token["import_ms_median"] > 0 and token["first_check_ms"] > 0 and token["cpu_us_per_check"] > 0
    assert "The app's own token check" in (tmp_path / "latest.md").read_text()
    cold = result["cold_start"]
    assert cold["ours"]["import_ms_median"] > 0 and cold["ratio_import_ours_to_peer"] > 0
    ratios = result["in_process"]["ratio_cpu_ours_to_peer"]
    assert set(ratios) == {"get_item_with_storage", "post_item_with_storage", "get_item_code_only",
                           "post_item_code_only"} and all(r > 0 for r in ratios.values())  # fmt: skip
    assert set(result["client_cpu_ms_per_call"]) == {"sdk_defaults", "ours_default_pipeline", "ours"}
    for variant in result["client_cpu_ms_per_call"].values():
        assert set(variant) == {"get_entity", "update_entity", "transaction_of_2"} and min(variant.values()) > 0
    assert set(result["scale"]["ratio"]) == {"get_item", "list_page", "storage_get_item", "storage_list_page"}
    per_million = result["cost"]["per_million"]
    assert set(per_million) == set(VERBS)
    get_item = per_million["get_item"]["total_usd_by_cache_hit_ratio"]
    assert get_item["0.9"]["alone"] < get_item["0.0"]["alone"]  # a cache hit skips the function and storage
    assert all(s["rps_per_instance"] > 0 for s in result["cost"]["scale_on_paper"].values())
    logs = {path.name.split("-")[0] for path in (tmp_path / "logs").glob("*.log")}
    assert {"azurite", "localhost", "peerhost"} <= logs, logs  # each server's output is kept for a failed run
    markdown = (tmp_path / "latest.md").read_text()
    assert "| get_item |" in markdown and "Cost per million requests" in markdown
    assert "[bench" in run.stderr and "finished in" in run.stderr  # progress went to stderr, one line a step
