"""Who may reach what: function keys at the host, the owner header from the gateway."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import ApiClient, Azurite, LocalHost, host_env

KEY = "reliability-function-key"


@pytest.fixture(scope="module")
def keyed_host(azurite: Azurite) -> Iterator[LocalHost]:
    host = LocalHost(host_env(azurite, LOCAL_HOST_REQUIRE_KEYS="true", LOCAL_HOST_FUNCTION_KEY=KEY)).start()
    yield host
    host.stop()


@pytest.fixture(scope="module")
def gateway_only_host(azurite: Azurite) -> Iterator[LocalHost]:
    host = LocalHost(host_env(azurite, TODO_OWNER_HEADER_REQUIRED="true")).start()
    yield host
    host.stop()


def test_requests_without_the_function_key_are_refused_with_401(keyed_host: LocalHost) -> None:
    client = ApiClient(keyed_host.base_url)
    for response in (
        client.get("/lists"),
        client.post("/lists", {"name": "x"}),
        client.get("/lists", headers={"x-functions-key": "wrong"}),
    ):
        assert response.status == 401 and response.body == b""


def test_the_function_key_in_header_or_query_is_accepted(keyed_host: LocalHost) -> None:
    client = ApiClient(keyed_host.base_url)
    assert client.post("/lists", {"name": "x"}, headers={"x-functions-key": KEY}).status == 201
    assert client.get(f"/lists?code={KEY}").status == 200


def test_public_documents_need_no_key(keyed_host: LocalHost) -> None:
    client = ApiClient(keyed_host.base_url)
    assert client.get("/openapi.json").status == 200
    assert client.get("/app").status == 200


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
