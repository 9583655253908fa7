"""Defence in depth, through the handler every function goes through: with TODO_TRUSTED_CALLER_ID
set, a data request passes only with a valid token of the gateway's identity, whatever
X-MS-CLIENT-PRINCIPAL* headers say; no valid token (including a token issued to another identity)
is a 401 problem document, an unreachable key endpoint a 503 with Retry-After; public documents need
neither. The token rules themselves are in
test_caller_token.py."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator

import azure.functions as func
import pytest

from devhost.token_issuer import GATEWAY_OID, Issuer, environment, running_issuer
from functions.docs import get_app
from shared.platform.settings import reset_settings_cache
from shared.web.call import ApiCall
from shared.web.caller_token import reset_key_sets
from shared.web.handler import api_handler


async def _reached(call: ApiCall) -> func.HttpResponse:
    return func.HttpResponse("reached", status_code=200)


guarded = api_handler(_reached)


def _forged_principal() -> dict[str, str]:
    claims = {"auth_typ": "aad", "claims": [{"typ": "oid", "val": GATEWAY_OID}]}
    return {
        "X-MS-CLIENT-PRINCIPAL-ID": GATEWAY_OID,
        "X-MS-CLIENT-PRINCIPAL-IDP": "aad",
        "X-MS-CLIENT-PRINCIPAL": base64.b64encode(json.dumps(claims).encode()).decode(),
        "X-Todo-Owner": "someone-else",
    }


@pytest.fixture
def issuer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Issuer]:
    with running_issuer() as running:
        for name, value in environment(running).items():
            monkeypatch.setenv(name, value)
        reset_settings_cache()
        reset_key_sets()
        yield running
    reset_settings_cache()
    reset_key_sets()


def _request(headers: dict[str, str], path: str = "lists") -> func.HttpRequest:
    return func.HttpRequest("GET", f"http://127.0.0.1/api/{path}", headers=headers, route_params={}, body=b"")


async def test_forged_principal_headers_without_a_token_are_a_401_problem(issuer: Issuer) -> None:
    response = await guarded(_request(_forged_principal()))
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    document = json.loads(response.get_body())
    assert document["type"] == "urn:problem-type:todo-api:invalid-token"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="todo-api"'
    assert response.headers["Cache-Control"] == "no-store"


async def test_an_invalid_token_is_a_401_naming_the_error(issuer: Issuer) -> None:
    token = issuer.token(aud="api://another-api")
    response = await guarded(_request({**_forged_principal(), "Authorization": f"Bearer {token}"}))
    assert response.status_code == 401
    assert "another audience" in json.loads(response.get_body())["detail"]
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="todo-api", error="invalid_token"'


async def test_a_token_issued_to_another_identity_is_a_401_like_any_invalid_token(issuer: Issuer) -> None:
    token = issuer.token(oid="00000000-0000-4000-8000-000000000bad")
    response = await guarded(_request({**_forged_principal(), "Authorization": f"Bearer {token}"}))
    assert response.status_code == 401
    body = json.loads(response.get_body())
    assert body["type"] == "urn:problem-type:todo-api:invalid-token"
    assert "not issued to the API's gateway" in body["detail"]
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="todo-api", error="invalid_token"'


async def test_the_gateways_token_is_admitted_without_any_principal_header(issuer: Issuer) -> None:
    for version in (1, 2):
        response = await guarded(_request({"Authorization": f"Bearer {issuer.token(version=version)}"}))
        assert response.status_code == 200, response.get_body()
    assert issuer.requests == 1  # the keys were fetched once for the process, not per request


async def test_an_unreachable_key_endpoint_is_a_503_with_retry_after(
    issuer: Issuer, caplog: pytest.LogCaptureFixture
) -> None:
    issuer.down = True
    with caplog.at_level(logging.ERROR, logger="todo.api"):
        response = await guarded(_request({"Authorization": f"Bearer {issuer.token()}"}))
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    document = json.loads(response.get_body())
    assert document["type"] == "urn:problem-type:todo-api:token-keys-unavailable"
    assert document["detail"] == "the caller's token cannot be checked right now; try again later"
    # Operators see why, once, as one JSON line (the caller's answer says nothing about the keys).
    logged = [json.loads(r.getMessage()) for r in caplog.records if "token-keys-unavailable" in r.getMessage()]
    assert len(logged) == 1 and logged[0]["event"] == "token-keys-unavailable"
    assert logged[0]["reason"].startswith("the tenant's signing keys could not be fetched (")


async def test_public_documents_need_no_token(issuer: Issuer) -> None:
    assert (await get_app(_request({}, "app"))).status_code == 200


async def test_without_the_tenant_or_audiences_data_requests_are_refused_as_misconfigured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TODO_TRUSTED_CALLER_ID", GATEWAY_OID)
    monkeypatch.delenv("TODO_TOKEN_TENANT_ID", raising=False)
    monkeypatch.delenv("TODO_TOKEN_AUDIENCES", raising=False)
    reset_settings_cache()
    try:
        response = await guarded(_request(_forged_principal()))
        assert response.status_code == 503
        assert json.loads(response.get_body())["type"] == "urn:problem-type:todo-api:misconfigured"
    finally:
        reset_settings_cache()
