"""`make run` is ready when it says so: the first request after the local host's "listening"
line is served (200), because the script waits for Azurite to accept connections before
starting the host, and the host prints that line only once its socket is bound."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.support import ROOT, ApiClient, free_port

pytestmark = pytest.mark.slow


def _lines(stream: object, into: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.put(line)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(shutil.which("func") is not None, reason="Core Tools installed: make run starts func start")
def test_first_request_after_the_listening_line_is_served(tmp_path: Path) -> None:
    port, table_port = free_port(), free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "AZURITE_TABLE_PORT": str(table_port),
        "AZURITE_LOCATION": str(tmp_path / "azurite"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("TODO_STORAGE", None)  # the script itself points the host at its Azurite
    process = subprocess.Popen(
        ["make", "-s", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # one process group: make, the script, Azurite and the host
    )
    output: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, output), daemon=True).start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 120
        listening = f"listening on http://127.0.0.1:{port}/api"
        while not any(listening in line for line in seen):
            assert time.monotonic() < deadline, "no listening line within 120 s:\n" + "".join(seen)
            assert process.poll() is None, "make run exited:\n" + "".join(seen)
            try:
                seen.append(output.get(timeout=1))
            except queue.Empty:
                continue
        response = ApiClient(f"http://127.0.0.1:{port}/api").get("/lists")
        assert response.status == 200, (response.status, response.body, "".join(seen))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    # Stopped cleanly: the script's trap stopped Azurite too.
    deadline = time.monotonic() + 10
    while _accepts(table_port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _accepts(table_port), "Azurite kept running after make run stopped"
    assert not _accepts(port), "the local host kept running after make run stopped"
