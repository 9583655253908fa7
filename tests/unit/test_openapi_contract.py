"""The OpenAPI document is the published contract (API Management imports it, clients generate
code from it): it may change only on purpose. The built document must equal the reviewed copy in
tests/unit/openapi.contract.json, so every change to it shows up in a diff. After an intended
change, regenerate the copy and review it:

    .venv/bin/python -m tests.unit.test_openapi_contract
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

import function_app
import shared.web.openapi as openapi
from shared.web.openapi import build_document, describe, document_bytes

CONTRACT = Path(__file__).with_name("openapi.contract.json")


def _built() -> dict[str, Any]:
    return build_document(function_app.app)


def test_document_is_the_reviewed_contract() -> None:
    expected = json.loads(CONTRACT.read_text())
    built = json.loads(json.dumps(_built()))  # tuples become lists, as in the served JSON
    if built != expected:
        changed = sorted(
            f"{section}.{key}"
            for section in {*built, *expected}
            if isinstance(built.get(section), dict)
            for key in {*built[section], *(expected.get(section) or {})}
            if built[section].get(key) != (expected.get(section) or {}).get(key)
        )
        pytest.fail(
            f"the OpenAPI document differs from {CONTRACT.name} in {changed or 'its top level'}; if intended, run "
            "`.venv/bin/python -m tests.unit.test_openapi_contract` and review the diff"
        )


def test_served_bytes_are_the_compact_document_of_the_described_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openapi, "_described", [])
    document_bytes.cache_clear()
    expected = r"no app to describe: function_app.py calls shared.web.openapi.describe\(app\)"
    with pytest.raises(LookupError, match=expected):
        document_bytes()
    describe(function_app.app)
    served = document_bytes()
    assert served == json.dumps(_built(), separators=(",", ":")).encode()
    assert served.startswith(b'{"openapi":"3.1.0","info":{"title":"Todo API","version":"1.0.0",')
    document_bytes.cache_clear()


def test_a_function_without_a_description_stops_the_build_by_name() -> None:
    app = func.FunctionApp()

    @app.function_name("mystery")
    @app.route(route="mystery", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    async def mystery(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(status_code=204)

    missing = r"^function mystery has no OpenAPI description in shared/web/openapi_operations.py$"
    with pytest.raises(LookupError, match=missing):
        build_document(app)
    with pytest.raises(LookupError):
        build_document(app)  # the app can be read again: the binding cache was reset


def write_contract() -> None:
    CONTRACT.write_text(json.dumps(_built(), indent=2, sort_keys=True, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write_contract()
    print(f"wrote {CONTRACT}")


def test_functions_without_a_route_are_skipped_and_head_is_left_out_wherever_it_is_listed() -> None:
    app = func.FunctionApp()

    @app.function_name("a_timer")  # registered first: the functions after it are still described
    @app.timer_trigger(schedule="0 0 * * * *", arg_name="timer", run_on_startup=False)
    def a_timer(timer: func.TimerRequest) -> None:
        return None

    @app.function_name("get_openapi")
    @app.route(route="openapi.json", methods=["HEAD", "GET"], auth_level=func.AuthLevel.ANONYMOUS)
    async def get_openapi(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(status_code=204)

    paths = build_document(app)["paths"]
    assert list(paths) == ["/openapi.json"] and list(paths["/openapi.json"]) == ["get"]
