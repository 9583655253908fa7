"""The benchmark runs end to end in a tiny configuration, so it cannot rot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_TRANSACTIONS = {"get_item": 2, "list_page": 2, "post_item": 1, "patch_item": 3, "put_state": 3,
                         "delete_item": 3, "apim_cache_hit": 0}  # fmt: skip


@pytest.mark.slow
def test_quick_benchmark_produces_every_number(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(tmp_path)], cwd=ROOT, check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    result = json.loads((tmp_path / "latest.json").read_text())
    for section in ("http", "storage_direct"):
        for verb in ("get_item", "list_page", "post_item", "patch_item", "put_state", "delete_item"):
            for concurrency, numbers in result[section][verb].items():
                assert numbers["rps"] > 0 and numbers["p50_ms"] > 0, (section, verb, concurrency)
    for verb, numbers in result["http"].items():
        assert all(n["non_2xx"] == 0 and n["socket_errors"] == 0 for n in numbers.values()), verb
    assert {v: c["transactions"] for v, c in result["storage_transactions"].items()} == EXPECTED_TRANSACTIONS
    assert result["cold_start"]["import_ms_median"] > 0
    assert result["in_process"]["get_item_code_only"]["p50_ms"] > 0
    assert set(result["client_cpu_ms_per_call"]) == {"get_entity", "update_entity", "transaction_of_2"}
    assert all(ms > 0 for ms in result["client_cpu_ms_per_call"].values())
    assert set(result["scale"]["ratio"]) == {"get_item", "list_page", "storage_get_item", "storage_list_page"}
    assert all(r > 0 for r in result["ratio_get_item_to_contract_storage"].values())
    assert "| get_item |" in (tmp_path / "latest.md").read_text()
