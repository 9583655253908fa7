"""The OpenAPI document is the published contract (API Management imports it, clients generate
code from it): it may change only on purpose. The built document must equal the committed copy,
openapi/openapi.json, so every change to it shows up in a diff. After an intended change:

    make openapi        (then review the diff; `make contract` says whether it breaks clients)
"""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
import pytest

import function_app
import shared.web.openapi as openapi
import shared.web.openapi_components as openapi_components
from apicontract import document
from shared.domain import models
from shared.web.openapi import build_document, describe, document_bytes

CONTRACT = document.CONTRACT


def _built() -> dict[str, Any]:
    return build_document(function_app.app)


def test_document_is_the_committed_contract() -> None:
    diff = document.drift(CONTRACT.read_text(encoding="utf-8"), document.served_text())
    if diff:
        stale = "the served OpenAPI document differs from openapi/openapi.json: run `make openapi`"
        pytest.fail("".join(diff[:80]) + "\n" + stale)


def test_committed_contract_is_the_built_document_of_the_app() -> None:
    assert json.loads(CONTRACT.read_text(encoding="utf-8")) == json.loads(json.dumps(_built()))


def test_a_model_field_changed_without_make_openapi_fails_the_check_naming_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class TodoList(models.TodoList):  # the same model with one more field, as an edit would leave it
        colour: str | None = None

    monkeypatch.setattr(
        openapi_components, "MODELS", tuple(TodoList if m is models.TodoList else m for m in openapi_components.MODELS)
    )
    document_bytes.cache_clear()
    try:
        assert document.main(["--check"]) == 1
    finally:
        document_bytes.cache_clear()
    out, err = capsys.readouterr()
    assert "+++ openapi/openapi.json (served by the app)" in out
    assert any(line.startswith("+") and '"colour": {' in line for line in out.splitlines())
    assert "run `make openapi`" in err


def test_check_passes_on_the_committed_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert document.main(["--check"]) == 0
    assert "is the document the app serves" in capsys.readouterr().out


def test_served_bytes_are_the_compact_document_of_the_described_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openapi, "_described", [])
    document_bytes.cache_clear()
    expected = r"no app to describe: function_app.py calls shared.web.openapi.describe\(app\)"
    with pytest.raises(LookupError, match=expected):
        document_bytes()
    describe(function_app.app)
    served = document_bytes()
    assert served == json.dumps(_built(), separators=(",", ":")).encode()
    assert served.startswith(b'{"openapi":"3.1.0","info":{"title":"Todo API","version":"1.1.0",')
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
