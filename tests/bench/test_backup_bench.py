"""The backup benchmark runs end to end on small tables, so it cannot rot, and its numbers are
whole: every size measured, every row in the blob, memory numbers present."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_backup_benchmark_measures_each_size_and_writes_its_results(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "benchmarks.backup", "--rows", "500", "1500", "--out", str(tmp_path)],
                         cwd=ROOT, check=True, capture_output=True, text=True, timeout=300)  # fmt: skip
    result = json.loads((tmp_path / "backup.json").read_text())
    assert [r["rows"] for r in result["runs"]] == [500, 1500]
    for numbers in result["runs"]:
        assert numbers["seconds"] > 0 and numbers["blob_bytes"] > 0 and numbers["blocks"] >= 1
        assert numbers["tracemalloc_peak_mib"] > 0 and numbers["rss_growth_mib"] >= 0
    smaller, larger = result["runs"]
    assert larger["blob_bytes"] > 2 * smaller["blob_bytes"]  # three times the rows, about three times the bytes
    assert "backup of   1,500 rows" in run.stdout
    assert "| 1,500 |" in (tmp_path / "backup.md").read_text()
