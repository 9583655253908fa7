"""`python -m devhost` as a newcomer meets it: a port already in use is one line naming the port
and PORT (exit status non-zero, no traceback), and a request it cannot parse (a NUL byte in a
header value) is answered 400 and logged as one line, not a traceback. A one-function project
stands in for the app, so these hold whatever the app does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT, free_port, wait_for_port

PROJECT_APP = """
import azure.functions as func

app = func.FunctionApp()


@app.route(route="ping", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def ping(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("pong")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "function_app.py").write_text(PROJECT_APP)
    (tmp_path / "host.json").write_text('{"version": "2.0"}')
    return tmp_path


def _devhost(project: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "devhost", "--project", str(project), "--port", str(port)]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO"}


def test_devhost_on_a_taken_port_says_so_in_one_line_naming_the_port_and_PORT(project: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = int(holder.getsockname()[1])
        done = subprocess.run(_devhost(project, taken), env=_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    lines = (done.stdout + done.stderr).splitlines()
    assert len(lines) == 1, lines
    assert str(taken) in lines[0] and "PORT" in lines[0] and "already in use" in lines[0]
    assert "Traceback" not in done.stderr


def test_a_nul_byte_in_a_header_is_answered_400_and_logged_as_one_line(project: Path, tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "devhost.log"
    with log_path.open("w") as log:
        host = subprocess.Popen(_devhost(project, port), env=_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(b"GET /api/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Note: a\x00b\r\n\r\n")
            answer = raw.recv(65536)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:  # and it keeps serving
            raw.sendall(b"GET /api/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            served = b"".join(iter(lambda: raw.recv(65536), b""))
    finally:
        host.terminate()
        host.wait(timeout=10)
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400"), answer
    assert served.startswith(b"HTTP/1.1 200") and served.endswith(b"pong"), served
    log_lines = log_path.read_text().splitlines()
    assert "Traceback" not in "\n".join(log_lines)
    reported = [line for line in log_lines if "answered 400" in line]  # not "400" alone: a port may hold it
    assert len(reported) == 1, log_lines
    assert "127.0.0.1" in reported[0] and "\\x00" in reported[0] and "\x00" not in reported[0]
