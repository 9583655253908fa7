"""Shared fixtures: one Azurite and one local host per test session, real sockets only.

Tests isolate themselves by owner (every ApiClient is a new owner), so they can share the
storage without seeing each other's data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support import ApiClient, Azurite, LocalHost, host_env


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    running = os.environ.get("TEST_AZURITE_PORT")  # make mutation: one Azurite for its many pytest runs
    if running:
        blob = os.environ.get("TEST_AZURITE_BLOB_PORT")
        yield Azurite(port=int(running), blob_port=int(blob)) if blob else Azurite(port=int(running))
        return
    server = Azurite().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def api_host(azurite: Azurite) -> Iterator[LocalHost]:
    host = LocalHost(host_env(azurite)).start()
    yield host
    host.stop()


@pytest.fixture
def client(api_host: LocalHost) -> ApiClient:
    return ApiClient(api_host.base_url)


@pytest.fixture
def other_client(api_host: LocalHost) -> ApiClient:
    return ApiClient(api_host.base_url)
