"""The HTTP load phase compares the apps fairly: they take turns run by run, and a point too
slow to rank in the configured window is measured again over a longer one (no wrk, no hosts:
the runs are recorded by a stand-in)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from benchmarks import load
from benchmarks.common import VERBS, Config
from benchmarks.progress import Progress

CONFIG = Config((8,), 3.0, 1, 1, 1, False, 3, 10, 1, 1, 10)
CONNECTION = "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:1/a;"


def _run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, requests_by_app: dict[str, int]) -> tuple[
    dict[str, Any], list[tuple[str, str, float]]
]:  # fmt: skip
    calls: list[tuple[str, str, float]] = []

    def seed(table: Any, app: load.Served, config: Config) -> None:
        app.list_id = "list"
        app.files = {"default": tmp_path / f"{app.name}.ids", "put_state": tmp_path / f"{app.name}.state"}
        for path in app.files.values():
            path.write_text("x\n")

    def measured(table: Any, app: load.Served, verb: str, concurrency: int, seconds: float, config: Config) -> Any:
        calls.append((app.name, verb, seconds))
        requests = requests_by_app[app.name] if verb == "put_state" else 1000
        return {"rps": requests / seconds + len(calls) / 1000, "p50_ms": 1.0, "p99_ms": 2.0, "requests": requests,
                "non_2xx": 0, "socket_errors": 0, "seconds": seconds}  # fmt: skip

    monkeypatch.setattr(load, "_seed", seed)
    monkeypatch.setattr(load, "_measured_run", measured)
    monkeypatch.setattr(load, "run_wrk", lambda *args: {})
    apps = [load.Served(name, "http://127.0.0.1:1", 1) for name in requests_by_app]
    results = load.http_benchmarks(CONFIG, CONNECTION, apps, Progress(1, io.StringIO()))
    return results, calls


def test_apps_take_turns_run_by_run_with_the_order_rotating_each_round(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    results, calls = _run(monkeypatch, tmp_path, {"ours": 500, "peer": 500, "peer_same_client": 500})
    get_item = [app for app, verb, _ in calls if verb == "get_item"]
    assert get_item == ["ours", "peer", "peer_same_client", "peer", "peer_same_client", "ours",
                        "peer_same_client", "ours", "peer"]  # fmt: skip
    assert all(seconds == CONFIG.seconds for _, _, seconds in calls)
    assert set(results) == {"ours", "peer", "peer_same_client"}
    assert all(len(results["ours"][verb]["8"]["rps_runs"]) == CONFIG.repeats for verb in VERBS)


def test_a_point_with_too_few_requests_is_measured_again_over_a_longer_window(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    results, calls = _run(monkeypatch, tmp_path, {"ours": 60, "peer": 50, "peer_same_client": 400})
    put_state = [(app, seconds) for app, verb, seconds in calls if verb == "put_state"]
    assert len(put_state) == 3 * (CONFIG.repeats + 1)  # one calibration round, then the recorded rounds
    assert all(seconds == CONFIG.seconds for _, seconds in put_state[:3])
    assert all(seconds == 9.0 for _, seconds in put_state[3:])  # 3 s x 150 / 50 requests
    recorded = results["peer"]["put_state"]["8"]
    assert recorded["seconds"] == 9.0 and len(recorded["rps_runs"]) == CONFIG.repeats


def test_the_longer_window_is_capped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _, calls = _run(monkeypatch, tmp_path, {"ours": 5, "peer": 500, "peer_same_client": 500})
    assert max(seconds for _, _, seconds in calls) == load.MAX_RUN_SECONDS


def test_throughput_counts_only_successful_answers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    summary = ('WRK_JSON {"requests": 300, "duration_us": 3000000, "non_2xx": 60, "socket_errors": 0, '
               '"p50_us": 1000, "p95_us": 2000, "p99_us": 3000, "mean_us": 1200.0}\n')  # fmt: skip

    class Finished:
        stdout = "Running 3s test\n" + summary

    monkeypatch.setattr("benchmarks.load.subprocess.run", lambda *args, **kwargs: Finished())
    run = load.run_wrk("http://127.0.0.1:1", "put_state", "list", tmp_path / "ids", 32, 3)
    assert run["rps"] == 80.0  # (300 - 60) / 3 s: a fast 503 is not work done
    assert run["requests"] == 300 and run["non_2xx"] == 60
