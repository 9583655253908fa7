"""Who may reach what: the platform authenticates the gateway, the gateway sets the owner header.

In Azure, App Service authentication in front of the Function App admits only the gateway's
managed identity, so the app itself takes no function key (the local host's own key
enforcement is tested on a throwaway app in tests/http/test_local_host.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import azure.functions as func
import pytest

from devhost.server import collect_functions
from devhost.token_issuer import GATEWAY_OID, Issuer, environment, running_issuer
from tests.support import ApiClient, Azurite, LocalHost, host_env


@pytest.fixture(scope="module")
def keyed_host(azurite: Azurite) -> Iterator[LocalHost]:
    host = LocalHost(host_env(azurite, LOCAL_HOST_REQUIRE_KEYS="true", LOCAL_HOST_FUNCTION_KEY="unused")).start()
    yield host
    host.stop()


def test_every_function_is_anonymous_because_the_platform_authenticates_the_gateway() -> None:
    import function_app

    levels = {hosted.name: hosted.auth_level for hosted in collect_functions(function_app.app, "api")}
    assert levels  # the app registered its functions
    assert {name for name, level in levels.items() if level != func.AuthLevel.ANONYMOUS} == set()


def test_a_host_that_enforces_keys_still_serves_every_route_without_one(keyed_host: LocalHost) -> None:
    # The gateway sends no key: if any function asked for one, this host would answer 401.
    client = ApiClient(keyed_host.base_url)
    created = client.post("/lists", {"name": "x"})
    assert created.status == 201
    list_id = created.json()["id"]
    assert client.get("/lists").status == 200
    assert client.post(f"/lists/{list_id}/items", {"name": "y"}).status == 201
    assert client.request("OPTIONS", f"/lists/{list_id}").status == 204
    assert client.delete("/lists").status == 405
    assert client.get("/openapi.json").status == 200
    assert client.get("/app").status == 200


@pytest.fixture(scope="module")
def gateway_only_host(azurite: Azurite) -> Iterator[LocalHost]:
    host = LocalHost(host_env(azurite, TODO_OWNER_HEADER_REQUIRED="true")).start()
    yield host
    host.stop()


def test_without_the_gateways_owner_header_the_api_refuses_with_401(gateway_only_host: LocalHost) -> None:
    anonymous = ApiClient(gateway_only_host.base_url, owner="")
    response = anonymous.get("/lists")
    assert response.status == 401
    assert response.json()["type"].endswith("unauthenticated")
    assert response.header("WWW-Authenticate") == 'Bearer realm="todo-api"'  # a 401 must say how
    assert ApiClient(gateway_only_host.base_url).get("/lists").status == 200


@pytest.mark.parametrize("owner", ["../etc", "a/b", "a\\b", "x#y", "q?x", "' or PartitionKey ne '", "a" * 129])
def test_owner_values_that_are_not_safe_keys_are_400(client: ApiClient, owner: str) -> None:
    response = ApiClient(client.base_url, owner=owner).get("/lists")
    assert response.status == 400
    assert response.json()["type"].endswith("invalid-owner")


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    with running_issuer() as running:
        yield running


@pytest.fixture(scope="module")
def gateway_identity_host(azurite: Azurite, issuer: Issuer) -> Iterator[LocalHost]:
    host = LocalHost(host_env(azurite, **environment(issuer))).start()
    yield host
    host.stop()


def test_with_a_trusted_caller_configured_only_the_gateways_token_reaches_the_data(
    gateway_identity_host: LocalHost, issuer: Issuer
) -> None:
    # App Service's principal headers, forged or not, are never enough: the app checks the token.
    client = ApiClient(gateway_identity_host.base_url)
    forged = {"X-MS-CLIENT-PRINCIPAL-ID": GATEWAY_OID, "X-MS-CLIENT-PRINCIPAL-IDP": "aad"}
    for headers in ({}, forged, {**forged, "Authorization": f"Bearer {issuer.token(aud='api://other')}"}):
        refused = client.post("/lists", {"name": "x"}, headers=headers)
        assert refused.status == 401, refused.body
        assert refused.json()["type"].endswith("invalid-token")
    another = client.post("/lists", {"name": "x"}, headers={"Authorization": f"Bearer {issuer.token(oid='x')}"})
    assert another.status == 401 and another.json()["type"].endswith("invalid-token")
    assert client.get("/lists").status == 401
    token = {"Authorization": f"Bearer {issuer.token()}"}
    assert client.post("/lists", {"name": "x"}, headers=token).status == 201
    assert client.get("/lists", headers=token).status == 200
    assert client.get("/app").status == 200  # public documents hold no data
    assert issuer.requests == 1  # the host's process fetched the keys once
