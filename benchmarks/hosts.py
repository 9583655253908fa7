"""The served apps: ours (function_app) and the FastAPI peer, each on the project's local host."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from benchmarks.common import OWNER, ROOT
from devhost.children import Azurite, LocalHost, host_env
from devhost.client import ApiClient

PEER_PROJECT = ROOT / "benchmarks" / "peer"
# What the comparisons call each served app: ours, the peer as its users would build its
# storage client, and the peer on our exact client (the framework alone).
APPS = {"ours": None, "peer": "sdk-defaults", "peer_same_client": "ours"}


@dataclass
class PeerHost(LocalHost):
    """The local host serving benchmarks/peer/function_app.py instead of the project's app."""

    peer_client: str = "sdk-defaults"

    def start(self) -> PeerHost:
        environment = {**os.environ, **self.env, "LOG_LEVEL": "WARNING", "TODO_PEER_CLIENT": self.peer_client}
        command = [sys.executable, "-m", "devhost", "--port", str(self.port), "--project", str(PEER_PROJECT)]
        self._spawn(command, environment)
        return self


def start_app(name: str, azurite: Azurite) -> LocalHost:
    env = host_env(azurite, LOG_LEVEL="WARNING")
    peer_client = APPS[name]
    host = LocalHost(env) if peer_client is None else PeerHost(env, peer_client=peer_client)
    return host.start()


@contextmanager
def serving(name: str, azurite: Azurite) -> Iterator[LocalHost]:
    host = start_app(name, azurite)
    try:
        ApiClient(host.base_url, owner=OWNER).get("/lists")  # ours creates the table on first use
        yield host
    finally:
        host.stop()
