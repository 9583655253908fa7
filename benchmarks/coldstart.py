"""Cold start: the import of each app in a fresh interpreter, and process start to first
response on the local host (ours against the FastAPI peer's)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import Any

from azure.data.tables import TableClient

from benchmarks.common import OWNER, ROOT, Config
from benchmarks.data import make_items, make_list
from benchmarks.hosts import PEER_PROJECT, start_app
from benchmarks.progress import Progress
from devhost.children import Azurite
from devhost.client import ApiClient

IMPORT = "import time; t=time.perf_counter(); import function_app; print((time.perf_counter()-t)*1000)"
# The peer's function_app is found first on sys.path, as the local host finds it (--project).
IMPORT_PEER = f"import sys; sys.path.insert(0, {str(PEER_PROJECT)!r}); " + IMPORT


# Telemetry is configured only when this setting exists (shared/telemetry.py); the import must
# not pay for it either way. The value is a well-formed connection string that is never used.
TELEMETRY_SETTING = {
    "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=00000000-0000-0000-0000-000000000000;"
    "IngestionEndpoint=http://127.0.0.1:9/"
}


def import_rounds(config: Config) -> int:
    return 2 * config.cold_runs + 1


def planned_seconds(config: Config) -> float:
    return import_rounds(config) * 3 * 0.3 + 2 * config.cold_runs * 1.5 + 2


def _import_ms(code: str, extra_env: dict[str, str] | None = None) -> float:
    env = {k: v for k, v in os.environ.items() if k != "APPLICATIONINSIGHTS_CONNECTION_STRING"} | (extra_env or {})
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    return float(run.stdout)


def _import_breakdown() -> list[dict[str, Any]]:
    trace = subprocess.run([sys.executable, "-X", "importtime", "-c", "import function_app"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stderr  # fmt: skip
    rows = []
    for line in trace.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]) / 1000, parts[2].rstrip()))
    # heaviest modules by cumulative time (nested ones included), function_app itself excluded
    top_level = sorted((r for r in rows if r[1].strip() != "function_app"), reverse=True)
    return [{"module": name.strip(), "cumulative_ms": round(ms, 1)} for ms, name in top_level[:10]]


def cold_start(config: Config, azurite: Azurite, progress: Progress) -> dict[str, Any]:
    table = TableClient.from_connection_string(azurite.connection_string, "todo")
    list_id = make_list(table)
    item_path = f"/lists/{list_id}/items/{make_items(table, list_id, 1)[0]}"
    table.close()
    # The apps take turns, round by round and in a rotating order, as in the HTTP phases: measured
    # one app after the other, a slow moment of the shared machine lands on one app only (the same
    # import once read 207 ms and 182 ms in two consecutive batches).
    imports: dict[str, list[float]] = {"ours": [], "peer": [], "ours_with_telemetry_setting": []}
    candidates = [("ours", IMPORT, None), ("peer", IMPORT_PEER, None),
                  ("ours_with_telemetry_setting", IMPORT, TELEMETRY_SETTING)]  # fmt: skip
    rounds = import_rounds(config)
    with progress.step("cold start", f"imports, the apps taking turns ({rounds} rounds)", rounds * 3 * 0.3):
        for round_number in range(rounds):
            shift = round_number % len(candidates)
            for key, code, extra_env in candidates[shift:] + candidates[:shift]:
                imports[key].append(_import_ms(code, extra_env))
    first_response: dict[str, list[float]] = {"ours": [], "peer": []}
    with progress.step("cold start", "process start to first response, taking turns", 2 * config.cold_runs * 1.5):
        for round_number in range(config.cold_runs):
            for name in ("ours", "peer") if round_number % 2 == 0 else ("peer", "ours"):
                started = time.perf_counter()
                host = start_app(name, azurite)
                try:
                    response = ApiClient(host.base_url, owner=OWNER).get(item_path)
                    first_response[name].append((time.perf_counter() - started) * 1000)
                    assert response.status == 200, response.body
                finally:
                    host.stop()
    result: dict[str, Any] = {
        name: {
            "import_ms_median": round(statistics.median(imports[name]), 1),
            "process_start_to_first_response_ms_median": round(statistics.median(first_response[name]), 1),
        }
        for name in ("ours", "peer")
    }
    result["ours"]["import_ms_median_with_telemetry_setting"] = round(
        statistics.median(imports["ours_with_telemetry_setting"]), 1
    )
    result["import_rounds"] = rounds
    result["ours"]["import_breakdown_ms"] = _import_breakdown()
    result["ratio_import_ours_to_peer"] = round(
        result["ours"]["import_ms_median"] / result["peer"]["import_ms_median"], 3
    )
    result["ratio_first_response_ours_to_peer"] = round(
        result["ours"]["process_start_to_first_response_ms_median"]
        / result["peer"]["process_start_to_first_response_ms_median"],
        3,
    )
    return result
