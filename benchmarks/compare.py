"""Ours against the FastAPI peer: ratios per verb and concurrency, and the issue's targets,
each judged reached or not from this run's numbers (never assumed)."""

from __future__ import annotations

from typing import Any

from benchmarks.common import VERBS

HEADLINE_VERBS = ("get_item", "post_item")


def ratios(ours: dict[str, Any], peer: dict[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """Throughput ours/peer (above 1: we serve more) and p50/p99 ours/peer (below 1: we answer sooner)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for verb in VERBS:
        out[verb] = {}
        for c, mine in ours[verb].items():
            theirs = peer[verb][c]
            out[verb][c] = {
                "rps": round(mine["rps"] / max(theirs["rps"], 1e-9), 3),
                "p50": round(mine["p50_ms"] / max(theirs["p50_ms"], 1e-9), 3),
                "p99": round(mine["p99_ms"] / max(theirs["p99_ms"], 1e-9), 3),
            }
    return out


def _worst(
    by_verb: dict[str, dict[str, dict[str, float]]], verbs: tuple[str, ...], only: str | None
) -> tuple[float, str]:
    points = [(r["rps"], f"{verb} c={c}") for verb in verbs for c, r in by_verb[verb].items() if only in (None, c)]
    return min(points)


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    vs_default = result["vs_peer"]
    vs_same = result["vs_peer_same_client"]
    highest = max(vs_default["get_item"], key=int)
    inproc = result["in_process"]["ratio_cpu_ours_to_peer"]
    cold = result["cold_start"]
    rows: list[tuple[str, float, str, bool]] = []
    worst, where = _worst(vs_default, VERBS, None)
    rows.append(("throughput >= 1.0 x the default-client peer, every verb and concurrency", worst,
                 f"lowest: {where}", worst >= 1.0))
    worst, where = _worst(vs_default, HEADLINE_VERBS, highest)
    rows.append((f"throughput >= 1.2 x the default-client peer at c={highest} on GET item and POST item", worst,
                 f"lowest: {where}", worst >= 1.2))
    worst, where = _worst(vs_same, VERBS, None)
    rows.append(("throughput >= 1.0 x the peer on our client, every verb and concurrency", worst,
                 f"lowest: {where}", worst >= 1.0))
    code_only = {k: v for k, v in inproc.items() if k.endswith("code_only")}
    key = max(code_only, key=lambda k: code_only[k])
    rows.append(("in-process CPU per request <= 0.5 x the peer's (our code vs the same service call behind "
                 "FastAPI and the ASGI bridge)", code_only[key], f"highest: {key}", code_only[key] <= 0.5))
    rows.append(("import <= 0.7 x the peer's", cold["ratio_import_ours_to_peer"],
                 f"{cold['ours']['import_ms_median']} ms vs {cold['peer']['import_ms_median']} ms",
                 cold["ratio_import_ours_to_peer"] <= 0.7))  # fmt: skip
    return [{"target": t, "measured": m, "where": w, "reached": ok} for t, m, w, ok in rows]
