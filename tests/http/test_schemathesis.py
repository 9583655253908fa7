"""schemathesis drives the served OpenAPI document against the local host and must find nothing.

The document declares no security scheme: the app takes no key (in Azure, App Service
authentication admits only the gateway, which authenticates callers), so there is no
authentication for schemathesis to probe here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import LocalHost

ROOT = Path(__file__).resolve().parents[2]
CPYTHON_AST_BUG = "AST constructor recursion depth mismatch"


@pytest.mark.slow
def test_schemathesis_finds_no_failures(api_host: LocalHost) -> None:
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"{api_host.base_url}/openapi.json",
        "--checks", "all", "--exclude-checks", "unsupported_method", "--max-examples", "25", "--workers", "1",
        "--seed", "20261125",
        "--exclude-operation-id", "getDocs", "--exclude-operation-id", "getApp",
        "--exclude-operation-id", "getAsset",
    ]  # fmt: skip
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.http.schemathesis_hooks"}  # NDJSON bodies of an import
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0 and CPYTHON_AST_BUG in result.stdout and "Failures:" not in result.stdout:
        # hypothesis can trip a CPython 3.11 ast bug while describing a strategy; that is an
        # error of the tool, not a finding about the API, so run once more.
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    summary = result.stdout[-4000:]
    assert result.returncode == 0, summary
    assert "generated" in summary  # it really ran test cases
