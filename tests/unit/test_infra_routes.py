"""API Management declares exactly the operations the app registers (infra/routes.json)."""

from __future__ import annotations

import json
from pathlib import Path

from devhost.server import collect_functions

ROOT = Path(__file__).resolve().parents[2]


def test_infra_route_table_matches_the_registered_functions() -> None:
    import function_app

    routes_file = ROOT / "infra" / "routes.json"
    assert routes_file.exists(), "infra/routes.json declares the API Management operations"
    declared = {(r["method"].upper(), r["path"].strip("/")) for r in json.loads(routes_file.read_text())}
    registered = set()
    for hosted in collect_functions(function_app.app, "api"):
        if hosted.name.endswith("_other_methods"):
            continue
        registered |= {(m, hosted.route.template) for m in hosted.methods if m != "HEAD"}
    assert declared == registered


def test_the_gateway_never_caches_the_export_and_treats_the_erase_as_a_write() -> None:
    """The export is the caller's whole data, read once: the gateway's cache (2 MiB per entry,
    shared by every owner) would gain nothing, so it is not cached there; the app still answers
    If-None-Match with 304. DELETE /me is a write like any other: api.xml starts a new cache
    generation for the owner, so no cached GET outlives the erase."""
    routes = {r["operationId"]: r for r in json.loads((ROOT / "infra" / "routes.json").read_text())}
    export, erase = routes["exportOwnerData"], routes["eraseOwnerData"]
    assert (export["method"], export["path"], export["cached"], export["public"]) == ("GET", "/me/export", False, False)
    assert (erase["method"], erase["path"], erase["cached"], erase["public"]) == ("DELETE", "/me", False, False)
    api_policy = (ROOT / "infra" / "policies" / "api.xml").read_text()
    assert "context.Request.Method != &quot;GET&quot;" in api_policy and "cache-store-value" in api_policy
