"""schemathesis drives the served OpenAPI document against the local host (function keys
enforced, so its authentication checks are meaningful) and must find nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import Azurite, LocalHost, host_env

ROOT = Path(__file__).resolve().parents[2]
KEY = "schemathesis-key"
CPYTHON_AST_BUG = "AST constructor recursion depth mismatch"


@pytest.fixture(scope="module")
def keyed_host(azurite: Azurite) -> Iterator[LocalHost]:
    host = LocalHost(host_env(azurite, LOCAL_HOST_REQUIRE_KEYS="true", LOCAL_HOST_FUNCTION_KEY=KEY)).start()
    yield host
    host.stop()


@pytest.mark.slow
def test_schemathesis_finds_no_failures(keyed_host: LocalHost) -> None:
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"{keyed_host.base_url}/openapi.json",
        "--checks", "all", "--exclude-checks", "unsupported_method", "--max-examples", "25", "--workers", "1",
        "--seed", "20261125",
        "-H", f"x-functions-key: {KEY}",
        "--exclude-operation-id", "getDocs", "--exclude-operation-id", "getApp",
        "--exclude-operation-id", "getAsset",
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if result.returncode != 0 and CPYTHON_AST_BUG in result.stdout and "Failures:" not in result.stdout:
        # hypothesis can trip a CPython 3.11 ast bug while describing a strategy; that is an
        # error of the tool, not a finding about the API, so run once more.
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    summary = result.stdout[-4000:]
    assert result.returncode == 0, summary
    assert "generated" in summary  # it really ran test cases
