"""Absolute URLs (Location, Link, the OpenAPI document's servers) use the API's public base: the
configured PUBLIC_BASE_URL, else a trusted proxy's forwarded headers (TODO_TRUSTED_PROXY), else
the request's own host. Through the real local host, each configuration in a host of its own."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support import ApiClient, Azurite, LocalHost, host_env

FORWARDED = {"X-Forwarded-Host": "gateway.example", "X-Forwarded-Proto": "https", "X-Forwarded-Prefix": "/todo"}


@pytest.fixture(scope="module")
def trusting_host(azurite: Azurite) -> Iterator[LocalHost]:
    host = LocalHost(host_env(azurite, TODO_TRUSTED_PROXY="true")).start()
    yield host
    host.stop()


@pytest.fixture(scope="module")
def configured_host(azurite: Azurite) -> Iterator[LocalHost]:
    host = LocalHost(host_env(azurite, PUBLIC_BASE_URL="https://api.example.com/todo/")).start()
    yield host
    host.stop()


def _servers(client: ApiClient, headers: dict[str, str] | None = None) -> list[str]:
    response = client.get("/openapi.json", headers=headers or {})
    assert response.status == 200
    return [server["url"] for server in json.loads(response.body)["servers"]]


def test_forwarded_headers_from_an_untrusted_caller_never_choose_the_host(client: ApiClient) -> None:
    evil = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-Prefix": "/x"}
    created = client.post("/lists", {"name": "x"}, headers=evil)
    assert created.status == 201
    own = client.base_url  # http://127.0.0.1:<port>/api
    assert (created.header("Location") or "").startswith(f"{own}/lists/")
    assert _servers(client, evil) == [own]


def test_a_trusted_proxys_forwarded_host_proto_and_prefix_shape_urls(trusting_host: LocalHost) -> None:
    client = ApiClient(trusting_host.base_url)
    created = client.post("/lists", {"name": "x"}, headers=FORWARDED)
    assert (created.header("Location") or "").startswith("https://gateway.example/todo/lists/")
    for _ in range(2):
        client.post("/lists", {"name": "y"})
    page = client.get("/lists?top=1", headers=FORWARDED)
    assert (page.header("Link") or "").startswith("<https://gateway.example/todo/lists?top=1&cursor=")
    assert _servers(client, FORWARDED) == ["https://gateway.example/todo"]


@pytest.mark.parametrize(
    ("forwarded", "location"),
    [
        ({"X-Forwarded-Host": "gw.example, internal.local", "X-Forwarded-Proto": "https, http"}, "https://gw.example/api/lists/"),
        ({"X-Forwarded-Host": "evil.example/path?x=", "X-Forwarded-Proto": "javascript"}, "http://127.0.0.1:"),
    ],
)
def test_a_trusted_proxys_first_well_formed_values_only(
    trusting_host: LocalHost, forwarded: dict[str, str], location: str
) -> None:
    created = ApiClient(trusting_host.base_url).post("/lists", {"name": "x"}, headers=forwarded)
    assert (created.header("Location") or "").startswith(location)


def test_the_configured_public_base_url_wins_over_anything_forwarded(configured_host: LocalHost) -> None:
    client = ApiClient(configured_host.base_url)
    created = client.post("/lists", {"name": "x"}, headers=FORWARDED)
    assert (created.header("Location") or "").startswith("https://api.example.com/todo/lists/")
    assert _servers(client, FORWARDED) == ["https://api.example.com/todo"]
