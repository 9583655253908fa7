"""latest.md (pasted into the README) and throughput.png from a run's result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.common import VERBS
from benchmarks.load import MIN_REQUESTS


def _spread(run: dict[str, Any]) -> str:
    rates = run["rps_runs"]
    return f"{min(rates):g} to {max(rates):g}"


def _yes(reached: bool) -> str:
    return "reached" if reached else "**not reached**"


def markdown(result: dict[str, Any]) -> str:
    m, cfg = result["machine"], result["config"]
    extended = [f"{verb} c={c} {p['seconds']} s" for verb, points in result["http"].items() for c, p in points.items()
                if p.get("seconds", cfg["seconds"]) > cfg["seconds"]]  # fmt: skip
    longer = ", ".join(extended) or "none"
    lines = [
        f"Measured {m['date']} on {m['cores']} cores ({m['cpu']}), Python {m['python']}, Azurite in memory, "
        f"load from {result['load_generator']}. Each point: the median of {cfg['repeats']} runs of "
        f"{cfg['seconds']:g} s, longer where a first round completed fewer than {MIN_REQUESTS} requests ({longer}; "
        "that round then only calibrated the length), the range of the runs in brackets; req/s counts 2xx answers "
        "only (errors are in the last column, summed over the runs). The three apps are "
        "served at once and take turns run by run, so drift hits them alike. Peer: FastAPI behind "
        "func.AsgiFunctionApp on the same local host, the same service calls, its storage client on the SDK's "
        "defaults; \"same client\": the peer on our client configuration.",
        "",
        "| verb | c | ours req/s (runs) | p50 ms | p99 ms | peer req/s | peer p50 | peer p99 | ours / peer req/s "
        "| p50, p99 ours / peer | ours / peer same client | ours / raw storage | server CPU ms/req "
        "| non-2xx: ours, peer, same client |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for verb in VERBS:
        for c, h in result["http"][verb].items():
            p = result["http_peer"][verb][c]
            r, same = result["vs_peer"][verb][c], result["vs_peer_same_client"][verb][c]
            errors = f"{h['non_2xx']}, {p['non_2xx']}, {result['http_peer_same_client'][verb][c]['non_2xx']}"
            lines.append(
                f"| {verb} | {c} | {h['rps']} ({_spread(h)}) | {h['p50_ms']:.2f} | {h['p99_ms']:.2f} | {p['rps']} | "
                f"{p['p50_ms']:.2f} | {p['p99_ms']:.2f} | {r['rps']} | {r['p50']}, {r['p99']} | {same['rps']} | "
                f"{result['ratio_http_to_storage'][verb][c]} | {h['server_cpu_ms_per_request']} | {errors} |"
            )
    lines += ["", "| target | measured | | |", "|---|---|---|---|"]
    for t in result["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | {t['where']} | {_yes(t['reached'])} |")
    cpu = result["client_cpu_ms_per_call"]
    lines += ["", "| storage client CPU ms per call (sequential) | " + " | ".join(cpu) + " |",
              "|---|" + "---|" * len(cpu)]  # fmt: skip
    for probe in next(iter(cpu.values())):
        lines.append(f"| {probe} | " + " | ".join(str(variant[probe]) for variant in cpu.values()) + " |")
    change = result["client_cpu_change_pct"]
    rounds = len(result["client_cpu_ms_per_call_rounds"]["ours"]["get_entity"])
    lines += ["", "Only the pipeline policies the app needs (ours), against our options on the SDK's default "
              f"pipeline (ours_default_pipeline), median of the {rounds} interleaved rounds' ratios: "
              + ", ".join(f"{probe} {pct:+g}%" for probe, pct in change.items())
              + "; the bar to keep it, -10% on get_entity (every request makes one), is "
              + ("met." if change["get_entity"] <= -10 else "not met.")]  # fmt: skip
    ip = result["in_process"]
    lines += ["", "| in-process CPU ms per request (no HTTP) | ours | peer | ours / peer |", "|---|---|---|---|"]
    for key, ratio in ip["ratio_cpu_ours_to_peer"].items():
        lines.append(f"| {key} | {ip['cpu_ms_per_request']['ours'][key]} | {ip['cpu_ms_per_request']['peer'][key]} "
                     f"| {ratio} |")  # fmt: skip
    cs, sc = result["cold_start"], result["scale"]
    rss = result["server_peak_rss_mib"]
    lines += [
        "",
        f"- Cold start: import {cs['ours']['import_ms_median']} ms against the peer's "
        f"{cs['peer']['import_ms_median']} ms ({cs['ratio_import_ours_to_peer']}); ours with "
        f"APPLICATIONINSIGHTS_CONNECTION_STRING set {cs['ours']['import_ms_median_with_telemetry_setting']} ms "
        "(telemetry is configured on the first request, not at import); process start to first "
        f"response {cs['ours']['process_start_to_first_response_ms_median']} ms against "
        f"{cs['peer']['process_start_to_first_response_ms_median']} ms ({cs['ratio_first_response_ours_to_peer']}).",
        "- Heaviest imports of ours (cumulative ms): "
        + ", ".join(f"{row['module']} {row['cumulative_ms']}" for row in cs["ours"]["import_breakdown_ms"][:6]),
        f"- The app's own token check (only with TODO_TRUSTED_CALLER_ID set): importing PyJWT and cryptography "
        f"{result['token_check']['import_ms_median']} ms once per process, the first check with the key set "
        f"fetch {result['token_check']['first_check_ms']} ms, then {result['token_check']['cpu_us_per_check']} µs "
        "of CPU per request.",
        "- Peak RSS of the serving process under load: " + ", ".join(f"{k} {v} MiB" for k, v in rss.items()) + ".",
        f"- Scale: p50 with {sc['background_entities'][0]:,} vs {sc['background_entities'][1]:,} entities in other "
        f"partitions: GET item ratio {sc['ratio']['get_item']}, list page ratio {sc['ratio']['list_page']} "
        f"(straight on Azurite: {sc['ratio']['storage_get_item']} and {sc['ratio']['storage_list_page']}).",
        "- GET item against the storage work the contract requires (list and item read in parallel): "
        + ", ".join(f"c={c} {r}" for c, r in result["ratio_get_item_to_contract_storage"].items())
        + ".",
    ]
    return "\n".join(lines) + "\n" + cost_markdown(result)


def cost_markdown(result: dict[str, Any]) -> str:
    cost, price = result["cost"], result["prices"]
    deployed = cost["deployed"]
    lines = [
        "",
        f"Cost per million requests, USD, from this run: Flex Consumption on demand at {deployed['instanceMemoryMB']} "
        f"MB (GB-s alone = instance memory x p50 at c=1; busy = memory / req/s of one process at the highest c), "
        f"${price['flex_executions']['usd']} per million executions, Table transactions at "
        f"${price['table_transactions']['usd']} per 10,000, the gateway's Basic v2 unit "
        f"(${price['apim_basic_v2_month']['usd']}/month) spread over 10 million requests a month. Free grants "
        "not deducted.",
        "",
        "| verb | GB-s per request (alone, busy) | Flex GB-s $ (alone, busy) | executions $ | Table tx | Table $ "
        "| gateway $ | total (low to high), cache hit 0% | 50% | 90% |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for verb, c in cost["per_million"].items():
        totals = c["total_usd_by_cache_hit_ratio"]
        cells = [f"{min(t.values())} to {max(t.values())}" for t in totals.values()]
        lines.append(
            f"| {verb} | {c['gb_s_per_request']['alone']}, {c['gb_s_per_request']['busy']} | "
            f"{c['flex_gb_s_usd']['alone']}, {c['flex_gb_s_usd']['busy']} | {c['flex_executions_usd']} | "
            f"{c['table_transactions']} | {c['table_usd']} | {c['gateway_usd']} | " + " | ".join(cells) + " |"
        )
    lines += [
        "",
        f"Scale on paper (perInstanceConcurrency {deployed['perInstanceConcurrency']}, maximumInstanceCount "
        f"{deployed['maximumInstanceCount']}; one Python worker on one core per instance; Table Storage 20,000 "
        "transactions/s per account, 2,000 entities/s per partition):",
        "",
        "| verb | server CPU ms/req | req/s per instance (bound) | instances to the account limit | one owner's "
        "req/s limit | instances to reach it |",
        "|---|---|---|---|---|---|",
    ]
    for verb, s in cost["scale_on_paper"].items():
        lines.append(
            f"| {verb} | {s['server_cpu_ms_per_request']} | {s['rps_per_instance']} ({s['bound_by']}) | "
            f"{s['instances_to_account_limit']} | {s['one_owner_rps_limit']} | {s['instances_to_one_owner_limit']} |"
        )
    lines += ["", "Prices: " + "; ".join(f"{p['usd']} USD per {p['unit']} ({p['source']}; read {p['read']})"
                                         for p in price.values()) + "."]  # fmt: skip
    return "\n".join(lines) + "\n"


def chart(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    for axis, (key, title) in zip(axes, (("storage_direct", "dotted: storage directly"),
                                         ("http_peer", "dotted: FastAPI peer")), strict=True):  # fmt: skip
        for index, verb in enumerate(VERBS):
            color = f"C{index}"  # one colour per verb: solid for ours, dotted for the comparison
            points = result["http"][verb]
            axis.plot([int(c) for c in points], [p["rps"] for p in points.values()], marker="o", color=color,
                      label=verb)  # fmt: skip
            other = result[key][verb]
            axis.plot([int(c) for c in other], [p["rps"] for p in other.values()], linestyle=":", color=color,
                      alpha=0.7)  # fmt: skip
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel("concurrency")
        axis.set_title(f"solid: our API over HTTP; {title}", fontsize=9)
    axes[0].set_ylabel("requests per second")
    axes[0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
