"""Child servers for the tests and the benchmarks: Azurite and the local host (python -m devhost)
started as real processes on free loopback ports, ready once their port accepts connections.
Here, not under tests/, so the benchmarks use them without importing the tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The combined Azurite (blob, queue and table services in one process): the app keeps its data in
# tables and the backup writes blobs; stopping the process stops both, as an outage would.
AZURITE = ROOT / "node_modules" / ".bin" / "azurite"
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


def connection_string(port: int, blob_port: int | None = None) -> str:
    """The development account's connection string: its table endpoint, and its blob endpoint when
    given (the backup's container)."""
    blob = f"BlobEndpoint=http://127.0.0.1:{blob_port}/devstoreaccount1;" if blob_port else ""
    return (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        f"AccountKey={DEV_ACCOUNT_KEY};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;{blob}"
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
    """A real Azurite in memory: its Table service on `port`, its Blob service on `blob_port` (and its
    Queue service, which nothing uses, on a port the system picks), all on loopback."""

    port: int = field(default_factory=free_port)
    blob_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Azurite:
        self._spawn(
            [str(AZURITE), "--inMemoryPersistence", "--tableHost", "127.0.0.1", "--tablePort", str(self.port),
             "--blobHost", "127.0.0.1", "--blobPort", str(self.blob_port), "--queueHost", "127.0.0.1",
             "--queuePort", "0", "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--silent"]
        )  # fmt: skip
        wait_for_port(self.blob_port)
        return self

    @property
    def connection_string(self) -> str:
        """Covers both services the app uses: tables and the backup's blobs."""
        return connection_string(self.port, self.blob_port)


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
        # (tests/operations runs it on purpose); nor the backup (run through the admin API).
        "AzureWebJobs.housekeeping.Disabled": "true",
        "AzureWebJobs.backup.Disabled": "true",
        **extra,
    }
