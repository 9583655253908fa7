"""Test helpers: Azurite and the local host as real processes on free loopback ports, and a small
HTTP client that speaks to the API over a real socket. They live in devhost (devhost.children,
devhost.client) so the benchmarks share them without importing the tests; the names stay
importable from here."""

from __future__ import annotations

from devhost.children import (
    AZURITE,
    DEV_ACCOUNT_KEY,
    ROOT,
    SERVER_LOG_DIR_SETTING,
    Azurite,
    LocalHost,
    connection_string,
    free_port,
    host_env,
    wait_for_port,
)
from devhost.client import ApiClient, Response

__all__ = [
    "AZURITE",
    "DEV_ACCOUNT_KEY",
    "ROOT",
    "SERVER_LOG_DIR_SETTING",
    "ApiClient",
    "Azurite",
    "LocalHost",
    "Response",
    "connection_string",
    "free_port",
    "host_env",
    "wait_for_port",
]
