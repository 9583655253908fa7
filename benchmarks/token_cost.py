"""What the app's own token check costs (`python -m benchmarks.token_cost`): the import of PyJWT and
cryptography in a fresh interpreter (paid once per process, and only when TODO_TRUSTED_CALLER_ID
is set), the first check (fetching the key set from a local endpoint), and the CPU time of one
check with the keys cached (every data request pays this). `make bench` reports it too."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time

from benchmarks.common import ROOT
from devhost.token_issuer import environment, running_issuer
from shared.platform.token_settings import policy_from_environment
from shared.web.caller_token import KeySet, verify

IMPORT = ("import time; t=time.perf_counter(); "
          "import jwt, jwt.algorithms, cryptography.hazmat.primitives.asymmetric.rsa; "
          "print((time.perf_counter()-t)*1000)")


def import_ms(rounds: int = 5) -> float:
    runs = [float(subprocess.run([sys.executable, "-c", IMPORT], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout) for _ in range(rounds)]
    return statistics.median(runs)


async def check_cost(rounds: int = 2000) -> tuple[float, float]:
    with running_issuer() as issuer:
        policy = policy_from_environment(environment(issuer))
        assert policy is not None
        keys = KeySet(issuer.url)
        headers = {"Authorization": f"Bearer {issuer.token()}"}
        started = time.perf_counter()
        await verify(headers, policy, keys)
        first_ms = (time.perf_counter() - started) * 1000
        cpu = time.process_time()
        for _ in range(rounds):
            await verify(headers, policy, keys)
        per_check_us = (time.process_time() - cpu) / rounds * 1e6
        assert keys.fetches == 1
    return first_ms, per_check_us


def measure(import_rounds: int = 5, check_rounds: int = 2000) -> dict[str, float]:
    """The three numbers, for make bench's report (benchmarks.run)."""
    imported = import_ms(import_rounds)
    first, per_check = asyncio.run(check_cost(check_rounds))
    return {"import_ms_median": round(imported, 1), "first_check_ms": round(first, 1),
            "cpu_us_per_check": round(per_check, 1)}  # fmt: skip


def main() -> None:
    imported = import_ms()
    first, per_check = asyncio.run(check_cost())
    print(f"token check: import of PyJWT + cryptography {imported:.1f} ms (median of 5 fresh interpreters); "
          f"first check with the key set fetch {first:.1f} ms; each check with cached keys {per_check:.0f} µs CPU")


if __name__ == "__main__":
    main()
