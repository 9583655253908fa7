"""`make run` for a newcomer: it is ready when it says so (the first request after the local
host's "listening" line is served, because the script waits for its own Azurite before starting
the host, and the host prints that line only once its socket is bound); a port already in use
stops it at once with one line naming the port and the variable that moves it, and it never
reports an Azurite it did not start; it installs only what running needs, saying so."""

from __future__ import annotations

import hashlib
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from tests.support import ROOT, ApiClient, free_port

pytestmark = pytest.mark.slow

# make's own closing line, also when make runs inside make (make test): "make[1]: *** ...".
MAKE_ERROR = re.compile(r"^make(\[\d+\])?: \*\*\* ")


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
    port, table_port, blob_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "AZURITE_TABLE_PORT": str(table_port),
        "AZURITE_BLOB_PORT": str(blob_port),
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
        # The backup reaches Azurite's blob service on its port: the connection string covers both.
        backup = ApiClient(f"http://127.0.0.1:{port}", owner="").post("/admin/functions/backup", {"input": ""})
        assert backup.status == 202, "".join(seen)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    # Stopped cleanly: the script's trap stopped Azurite too.
    deadline = time.monotonic() + 10
    while _accepts(table_port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _accepts(table_port) and not _accepts(blob_port), "Azurite kept running after make run stopped"
    assert not _accepts(port), "the local host kept running after make run stopped"


@contextmanager
def _listening(port: int = 0, accept: bool = True) -> Iterator[int]:
    """Another process's socket on a port: listening (taken before make run looks) or only bound
    (free to a connection check, taken for whoever binds next: a port taken after the check)."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        if accept:
            holder.listen()
        yield int(holder.getsockname()[1])


def _make_run(env: dict[str, str], cwd: Path = ROOT, timeout: float = 60) -> tuple[int, list[str]]:
    """make -s run to its end, in its own process group (killed afterwards: Azurite too); its
    output lines without make's own closing "make: *** [run] Error 1"."""
    process = subprocess.Popen(
        ["make", "-s", "run"],
        cwd=cwd,
        env={**os.environ, "LOG_LEVEL": "WARNING", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return process.returncode, [line for line in output.splitlines() if not MAKE_ERROR.match(line)]


def _assert_one_line_naming(lines: list[str], port: int, variable: str) -> None:
    assert len(lines) == 1, lines
    assert str(port) in lines[0] and f"{variable}=" in lines[0], lines
    assert "Traceback" not in lines[0] and "Azurite on" not in lines[0]


def test_make_run_with_the_api_port_taken_stops_at_once_with_one_line_naming_port_and_PORT(tmp_path: Path) -> None:
    with _listening() as taken:
        started = time.monotonic()
        status, lines = _make_run(
            {
                "PORT": str(taken),
                "AZURITE_TABLE_PORT": str(free_port()),
                "AZURITE_BLOB_PORT": str(free_port()),
                "AZURITE_LOCATION": str(tmp_path),
            }
        )
    assert status != 0
    _assert_one_line_naming(lines, taken, "PORT")
    assert "AZURITE_TABLE_PORT" not in lines[0]
    assert time.monotonic() - started < 10  # before installing or starting anything


def test_make_run_with_the_table_port_taken_stops_with_one_line_naming_azurite_table_port(tmp_path: Path) -> None:
    with _listening() as taken:
        status, lines = _make_run(
            {
                "PORT": str(free_port()),
                "AZURITE_TABLE_PORT": str(taken),
                "AZURITE_BLOB_PORT": str(free_port()),
                "AZURITE_LOCATION": str(tmp_path),
            }
        )
    assert status != 0
    _assert_one_line_naming(lines, taken, "AZURITE_TABLE_PORT")


def test_make_run_with_the_blob_port_taken_stops_with_one_line_naming_azurite_blob_port(tmp_path: Path) -> None:
    with _listening() as taken:
        status, lines = _make_run(
            {"PORT": str(free_port()), "AZURITE_TABLE_PORT": str(free_port()), "AZURITE_BLOB_PORT": str(taken),
             "AZURITE_LOCATION": str(tmp_path)}
        )  # fmt: skip
    assert status != 0
    _assert_one_line_naming(lines, taken, "AZURITE_BLOB_PORT")


@pytest.mark.skipif(shutil.which("func") is not None, reason="Core Tools installed: make run starts func start")
def test_make_run_with_the_blob_port_taken_after_its_check_reports_no_azurite(tmp_path: Path) -> None:
    with _listening(accept=False) as taken:
        status, lines = _make_run(
            {"PORT": str(free_port()), "AZURITE_TABLE_PORT": str(free_port()), "AZURITE_BLOB_PORT": str(taken),
             "AZURITE_LOCATION": str(tmp_path)}
        )  # fmt: skip
    assert status != 0
    _assert_one_line_naming(lines, taken, "AZURITE_BLOB_PORT")


@pytest.mark.skipif(shutil.which("func") is not None, reason="Core Tools installed: make run starts func start")
def test_make_run_with_the_table_port_taken_after_its_check_reports_no_azurite(tmp_path: Path) -> None:
    # Bound, not listening: the connection check finds it free, the Azurite started then cannot bind.
    with _listening(accept=False) as taken:
        status, lines = _make_run(
            {
                "PORT": str(free_port()),
                "AZURITE_TABLE_PORT": str(taken),
                "AZURITE_BLOB_PORT": str(free_port()),
                "AZURITE_LOCATION": str(tmp_path),
            }
        )
    assert status != 0
    _assert_one_line_naming(lines, taken, "AZURITE_TABLE_PORT")


# A project as `make run` sees it, with stand-ins that record what they are asked to do: .venv's
# python (pip installs, the host) and, when asked, Azurite. The real .venv is never touched.
RECORDING_PYTHON = """#!/bin/sh
echo "$*" >> "$(dirname "$0")/../../calls.log"
"""
# An Azurite stand-in that is alive but not the one answering: its child listens on the port.
AZURITE_WHOSE_CHILD_ANSWERS = f"""#!/bin/sh
port=$(echo "$*" | sed -n 's/.*--tablePort \\([0-9]*\\).*/\\1/p')
{sys.executable} -c "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', $port)); s.listen(); \\
time.sleep(60)" &
sleep 60
"""


def _project(tmp_path: Path, azurite: str | None = None) -> Path:
    project = tmp_path / "project"
    for name in ("Makefile", "scripts/run.sh", "scripts/setup.sh", "requirements.txt", "requirements-dev.txt",
                 "package.json", "package-lock.json", "local.settings.sample.json",
                 "openapi/package.json", "openapi/package-lock.json"):  # fmt: skip
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, project / name)
    python = project / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(RECORDING_PYTHON)
    python.chmod(0o755)
    modules = project / "node_modules"
    (modules / ".bin").mkdir(parents=True)
    lock = hashlib.sha256((ROOT / "package.json").read_bytes() + (ROOT / "package-lock.json").read_bytes())
    (modules / ".package-lock.sha").write_text(lock.hexdigest() + "\n")  # as installed: no npm ci
    gate = project / "openapi" / "node_modules"  # the contract gate's tool, as installed: no npm ci
    (gate / ".bin").mkdir(parents=True)
    (gate / ".bin" / "optic").symlink_to("/bin/true")
    gate_files = (ROOT / "openapi/package.json", ROOT / "openapi/package-lock.json")
    gate_lock = hashlib.sha256(b"".join(path.read_bytes() for path in gate_files))
    (gate / ".package-lock.sha").write_text(gate_lock.hexdigest() + "\n")
    server = modules / ".bin" / "azurite"
    if azurite is None:
        server.symlink_to(ROOT / "node_modules" / ".bin" / "azurite")
    else:
        server.write_text(azurite)
        server.chmod(0o755)
    return project


def _calls(project: Path) -> list[str]:
    log = project / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def _installs(project: Path) -> list[str]:
    return [call for call in _calls(project) if call.startswith("-m pip install") and "-r " in call]


@pytest.mark.skipif(shutil.which("func") is not None, reason="Core Tools installed: make run starts func start")
def test_make_run_installs_only_the_runtime_requirements_and_a_later_make_test_setup_adds_the_dev_ones(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path)
    env = {
        "PORT": str(free_port()),
        "AZURITE_TABLE_PORT": str(free_port()),
        "AZURITE_BLOB_PORT": str(free_port()),
        "AZURITE_LOCATION": str(tmp_path / "a"),
    }
    status, lines = _make_run(env, cwd=project)
    assert status == 0, lines  # the recording python "serves" and returns at once
    assert _installs(project) == ["-m pip install --disable-pip-version-check -r requirements.txt"]
    assert lines[0] == "Installing the runtime requirements into .venv (first run: under a minute)", lines
    assert any(line.startswith("Azurite on 127.0.0.1") for line in lines), lines
    assert _calls(project)[-1] == f"-m devhost --port {env['PORT']}"

    (project / "calls.log").unlink()
    status, lines = _make_run(env, cwd=project)  # a re-run installs nothing
    assert status == 0 and _installs(project) == [] and not any("Installing" in line for line in lines), lines

    # What make test runs first (scripts/setup.sh): the dev requirements, though make run installed
    # the runtime ones; then neither make test nor make run installs again.
    setup = subprocess.run(["bash", "scripts/setup.sh"], cwd=project, capture_output=True, text=True, check=True)
    assert _installs(project) == ["-m pip install --disable-pip-version-check -r requirements-dev.txt"]
    assert "Installing the runtime and development requirements" in setup.stdout
    (project / "calls.log").unlink()
    subprocess.run(["bash", "scripts/setup.sh"], cwd=project, check=True)
    status, lines = _make_run(env, cwd=project)
    assert status == 0 and _installs(project) == [], lines


@pytest.mark.skipif(shutil.which("func") is not None, reason="Core Tools installed: make run starts func start")
def test_make_run_never_reports_an_azurite_whose_port_another_process_answers(tmp_path: Path) -> None:
    project = _project(tmp_path, azurite=AZURITE_WHOSE_CHILD_ANSWERS)
    table_port = free_port()
    env = {
        "PORT": str(free_port()),
        "AZURITE_TABLE_PORT": str(table_port),
        "AZURITE_BLOB_PORT": str(free_port()),
        "AZURITE_LOCATION": str(tmp_path / "a"),
    }
    status, lines = _make_run(env, cwd=project)
    assert status != 0
    lines = [line for line in lines if not line.startswith("Installing")]
    _assert_one_line_naming(lines, table_port, "AZURITE_TABLE_PORT")
    assert not any("devhost" in call for call in _calls(project))  # the host was never started
