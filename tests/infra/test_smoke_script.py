"""scripts/smoke_gateway.sh against a stand-in curl that answers as each kind of deployment would:
the private profile passes only when the app's and the storage account's public host names do
not answer (or answer the platform's network refusal), and fails when either is publicly
reachable."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "smoke_gateway.sh"

# The stand-in: the status each URL answers comes from ANSWERS ("pattern=code[:error-code]" lines,
# first match wins; no match: no connection). It honours the two ways the script calls curl.
FAKE_CURL = r"""#!/usr/bin/env bash
url="${@: -1}"
printf '%s\n' "$*" >> "$CALLS"
answer=""
while IFS='=' read -r pattern value; do
  [ -n "$pattern" ] && [[ "$url" == *"$pattern"* ]] && { answer=$value; break; }
done <<< "$ANSWERS"
code=${answer%%:*}; error=""; [[ "$answer" == *:* ]] && error=${answer#*:}
[ -n "$code" ] || { [[ " $* " == *" --write-out "* ]] && printf '000'; exit 6; }
if [[ " $* " == *" --dump-header "* ]]; then
  printf 'HTTP/1.1 %s X\r\n' "$code"
  [ -n "$error" ] && printf 'x-ms-error-code: %s\r\n' "$error"
  printf '\r\n'
else
  printf '%s' "$code"
fi
"""

GATEWAY = "gw.test/todo/openapi.json=200\ngw.test/todo/app=200\ngw.test/todo/lists=401\n"
PRIVATE_OK = {
    "no address for any": GATEWAY,
    "platform refusals": GATEWAY
    + "func.test=403\ntable.core=403:AuthorizationFailure\nblob.core=403:AuthorizationFailure\n",
}
PRIVATE_OPEN = {
    "app answers with Easy Auth (public access left on)": (GATEWAY + "func.test=401\n", "func.test"),
    "storage answers an anonymous call (public access left on)": (
        GATEWAY + "func.test=403\ntable.core=403:NoAuthenticationInformation\n", "table.core"),
    "blob endpoint answers": (GATEWAY + "blob.core=400:InvalidQueryParameterValue\n", "blob.core"),
}


def _run(tmp_path: Path, answers: str, profile: str) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "bin" / "curl"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(FAKE_CURL)
    fake.chmod(0o755)
    env = {
        "PATH": f"{fake.parent}:{os.environ['PATH']}", "ANSWERS": answers, "NETWORK_ISOLATION": profile,
        "API_GATEWAY_URL": "https://gw.test/todo", "FUNCTION_APP_HOST": "func.test", "DATA_STORAGE_ACCOUNT": "stdata1",
        "GATEWAY_PRINCIPAL_ID": "5f1c2d3e-0000-4000-8000-00000000abcd", "CALLS": str(tmp_path / "calls.log"),
    }
    # sleep is stubbed too: a failing expectation would otherwise retry for five minutes.
    (fake.parent / "sleep").write_text("#!/bin/sh\nexit 0\n")
    (fake.parent / "sleep").chmod(0o755)
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, check=False, timeout=60)


@pytest.mark.parametrize("case", list(PRIVATE_OK))
def test_private_profile_passes_when_the_public_host_names_do_not_answer(case: str, tmp_path: Path) -> None:
    run = _run(tmp_path, PRIVATE_OK[case], "private")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "smoke: ok (private network profile)" in run.stdout
    assert run.stdout.count("refused from outside the network") == 3


@pytest.mark.parametrize("case", list(PRIVATE_OPEN))
def test_private_profile_fails_when_a_public_host_name_answers(case: str, tmp_path: Path) -> None:
    answers, host = PRIVATE_OPEN[case]
    run = _run(tmp_path, answers, "private")
    assert run.returncode == 1, run.stdout
    assert host in run.stderr and "publicly reachable" in run.stderr


def test_public_profile_still_expects_the_apps_401(tmp_path: Path) -> None:
    assert _run(tmp_path, GATEWAY + "func.test=401\n", "public").returncode == 0
    assert _run(tmp_path, GATEWAY, "public").returncode == 1


def test_public_profile_proves_forged_principal_headers_without_a_token_are_refused(tmp_path: Path) -> None:
    run = _run(tmp_path, GATEWAY + "func.test=401\n", "public")
    assert run.returncode == 0 and "forged principal headers and no token -> 401" in run.stdout
    (forged,) = [c for c in (tmp_path / "calls.log").read_text().splitlines() if "func.test/api/lists" in c]
    assert "X-MS-CLIENT-PRINCIPAL-ID: 5f1c2d3e-0000-4000-8000-00000000abcd" in forged
    assert "X-Todo-Owner:" in forged and "Authorization" not in forged
    # The app answering the forged call (its own check missing, Easy Auth off) fails the smoke test.
    leaky = _run(tmp_path, GATEWAY + "func.test/api/lists=200\nfunc.test=401\n", "public")
    assert leaky.returncode == 1 and "expected 401" in leaky.stderr
