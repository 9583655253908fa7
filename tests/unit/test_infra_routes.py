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
