"""Defence in depth: with TODO_TRUSTED_CALLER_ID set, only the principal App Service identified as
the gateway reaches the data (App Service sets X-MS-CLIENT-PRINCIPAL*, clients cannot)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import azure.functions as func
import pytest

from functions.docs import get_app
from functions.lists import list_lists
from shared.platform.settings import reset_settings_cache
from shared.web.gateway import caller_is_trusted

GATEWAY = "5f1c2d3e-0000-4000-8000-00000000abcd"


def _principal(*claims: tuple[str, str]) -> str:
    document = {"auth_typ": "aad", "claims": [{"typ": t, "val": v} for t, v in claims]}
    return base64.b64encode(json.dumps(document).encode()).decode()


def test_the_principal_id_header_naming_the_gateway_is_trusted_whatever_its_case() -> None:
    assert caller_is_trusted({"X-MS-CLIENT-PRINCIPAL-ID": GATEWAY.upper()}, GATEWAY)


def test_the_object_id_claim_is_trusted_when_the_id_header_carries_another_form() -> None:
    headers = {
        "X-MS-CLIENT-PRINCIPAL-ID": "some-other-identifier",
        "X-MS-CLIENT-PRINCIPAL": _principal(("http://schemas.microsoft.com/identity/claims/objectidentifier", GATEWAY)),
    }
    assert caller_is_trusted(headers, GATEWAY)
    assert caller_is_trusted({"X-MS-CLIENT-PRINCIPAL": _principal(("oid", GATEWAY))}, GATEWAY)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-MS-CLIENT-PRINCIPAL-ID": "another-principal"},
        {"X-MS-CLIENT-PRINCIPAL": _principal(("oid", "another-principal"), ("appid", GATEWAY))},
        {"X-MS-CLIENT-PRINCIPAL": "not base64 json!"},
        {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(b"[1, 2]").decode()},
    ],
)
def test_any_other_caller_is_not_trusted(headers: dict[str, str]) -> None:
    assert not caller_is_trusted(headers, GATEWAY)


@pytest.fixture
def gateway_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TODO_TRUSTED_CALLER_ID", GATEWAY)
    reset_settings_cache()
    yield
    reset_settings_cache()


def _request(path: str, headers: dict[str, str]) -> func.HttpRequest:
    return func.HttpRequest("GET", f"http://127.0.0.1/api/{path}", headers=headers, route_params={}, body=b"")


async def test_data_requests_from_another_caller_are_403_problems(gateway_only: None) -> None:
    response = await list_lists(_request("lists", {"X-MS-CLIENT-PRINCIPAL-ID": "another-principal"}))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert json.loads(response.get_body())["type"] == "urn:problem-type:todo-api:untrusted-caller"
    assert response.headers["Cache-Control"] == "no-store"


async def test_public_documents_need_no_trusted_caller(gateway_only: None) -> None:
    assert (await get_app(_request("app", {}))).status_code == 200
