"""Test helpers: start Azurite and the local host as real processes on free loopback ports,
and a small HTTP client that speaks to the API over a real socket."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
AZURITE = ROOT / "node_modules" / ".bin" / "azurite-table"
DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


def connection_string(port: int) -> str:
    return (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        f"AccountKey={DEV_ACCOUNT_KEY};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
    )


# A directory where each child server keeps its output, one file per server (the benchmark sets
# it: a run that fails on a 503 then shows why storage was unreachable). Unset, output is dropped.
SERVER_LOG_DIR_SETTING = "TEST_SERVER_LOG_DIR"


class _ServerProcess:
    """A server started as a child process and considered ready once its port accepts."""

    port: int
    process: subprocess.Popen[bytes] | None

    def _spawn(self, command: list[str], env: Mapping[str, str] | None = None) -> None:
        log_dir = os.environ.get(SERVER_LOG_DIR_SETTING)
        if log_dir:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            log_path = Path(log_dir) / f"{type(self).__name__.lower()}-{self.port}.log"
        # the child keeps its own copy of the descriptor, so ours can close at once
        with log_path.open("ab") if log_dir else nullcontext(subprocess.DEVNULL) as output:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@dataclass
class Azurite(_ServerProcess):
    """A real Azurite Table service in memory on a free port."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Azurite:
        self._spawn(
            [str(AZURITE), "--inMemoryPersistence", "--tableHost", "127.0.0.1", "--tablePort", str(self.port),
             "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--silent"]
        )  # fmt: skip
        return self

    @property
    def connection_string(self) -> str:
        return connection_string(self.port)


@dataclass
class LocalHost(_ServerProcess):
    """The project's local Functions host (python -m devhost) as a subprocess."""

    env: Mapping[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> LocalHost:
        environment = {**os.environ, **self.env, "LOG_LEVEL": "WARNING"}
        self._spawn([sys.executable, "-m", "devhost", "--port", str(self.port)], environment)
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


def host_env(azurite: Azurite, **extra: str) -> dict[str, str]:
    return {
        "TODO_STORAGE": azurite.connection_string,
        "TODO_TABLE_NAME": "todo",
        "TODO_SERVER_TIMING": "true",
        "TODO_OWNER_HEADER_REQUIRED": "false",
        "LOCAL_HOST_REQUIRE_KEYS": "false",
        # The host's own switch: no housekeeping on a schedule while other tests use the storage
        # (tests/operations runs it on purpose).
        "AzureWebJobs.housekeeping.Disabled": "true",
        **extra,
    }


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def storage_calls(self) -> int:
        """Storage round trips the server made for this request (from Server-Timing)."""
        timing = self.header("Server-Timing") or ""
        marker = 'storage;desc="'
        start = timing.index(marker) + len(marker)
        return int(timing[start:].split(" ", 1)[0])


class ApiClient:
    """Speaks HTTP/1.1 over a real socket; each client acts as one owner unless told otherwise."""

    def __init__(self, base_url: str, owner: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self.host, self.port, self.prefix = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
        self.owner = owner if owner is not None else f"owner-{uuid.uuid4().hex[:12]}"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> Response:
        all_headers = {"X-Todo-Owner": self.owner} if self.owner else {}
        payload: bytes | None = raw
        if body is not None:
            payload = json.dumps(body).encode()
        if payload is not None:
            all_headers["Content-Type"] = content_type
        all_headers.update(headers or {})
        target = path if path.startswith("http") else self.prefix + path
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, target, body=payload, headers=all_headers)
            answer = connection.getresponse()
            data = answer.read()
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
        finally:
            connection.close()

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        kwargs.setdefault("content_type", "application/merge-patch+json")
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def all_pages(self, path: str) -> list[Any]:
        """Every element of a collection, following Link rel="next" to the end."""
        values: list[Any] = []
        url: str | None = path
        while url:
            response = self.get(url)
            assert response.status == 200, response.body
            values += response.json()
            link = response.header("Link")
            url = link[1 : link.index(">")] if link else None
        return values

    def new_list(self, name: str = "groceries", **fields: Any) -> dict[str, Any]:
        response = self.post("/lists", {"name": name, **fields})
        assert response.status == 201, response.body
        created: dict[str, Any] = response.json()
        return created

    def new_item(self, list_id: str, name: str = "milk", **fields: Any) -> dict[str, Any]:
        response = self.post(f"/lists/{list_id}/items", {"name": name, **fields})
        assert response.status == 201, response.body
        created: dict[str, Any] = response.json()
        return created
