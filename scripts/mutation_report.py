"""Summarise a mutmut run of shared/ into artifacts/mutation.md, per module, and fail below 90%.

A module is one source file of shared/'s layer packages (shared/web/call.py, shared/wiring.py):
mutmut keeps one results file per source file, mutants/<path>.meta, at any depth.

Why a script of our own: mutmut prints one total, while the target is per module, and a survivor
only counts as equivalent when scripts/mutation_equivalents.txt names it with a reason. Entries
name the function and the mutated line, not mutmut's mutant number, which shifts whenever the
function changes. A mutant no test reached ("no tests") counts against the module like a
survivor: code that runs only at import time must be exercised by a test, not excused. An
equivalence entry that no longer matches a surviving mutant is reported as stale, so the list
cannot silently outlive the code. Diffs come from mutmut's own diff helper (pinned version).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENTS = ROOT / "scripts" / "mutation_equivalents.txt"
REPORT = ROOT / "artifacts" / "mutation.md"
TARGET = 0.90
# A failing test, an error, a timeout (SIGXCPU, or SIGKILL after it), a type error: the tests noticed.
KILLED = {1, 3, 36, 37, -24, 24, 152, 255, -9}
SURVIVED = {0}
UNREACHED = {5, 33}  # no test ran the mutated function


@dataclass
class Module:
    name: str
    killed: int = 0
    survived: list[str] = field(default_factory=list)
    equivalent: list[str] = field(default_factory=list)
    unreached: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.killed + len(self.survived) + len(self.equivalent) + len(self.unreached) + len(self.unchecked)

    @property
    def score(self) -> float:
        relevant = self.total - len(self.equivalent)
        return self.killed / relevant if relevant else 1.0


Key = tuple[str, str]  # (function as mutmut names it, the mutated line)


def read_equivalents() -> dict[Key, str]:
    """Lines `function | mutated line | reason`."""
    reasons: dict[Key, str] = {}
    for line in EQUIVALENTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            function, rest = line.split(" | ", 1)
            changed, reason = rest.rsplit(" | ", 1)
            reasons[(function.strip(), changed.strip())] = reason.strip()
    return reasons


def source_path(mutant: str) -> Path:
    """The source file of a mutant: shared.web.call.xǁApiCallǁ_body__mutmut_3 -> shared/web/call.py.

    The dotted name is the module's, then the mangled function (which holds no dot); mutmut names a
    package's __init__.py by the package alone (shared.web.x_f), so that is the fallback.
    """
    module = Path(*mutant.rpartition(".")[0].split("."))
    file = module.with_suffix(".py")
    return file if (ROOT / file).exists() or not (ROOT / module / "__init__.py").exists() else module / "__init__.py"


def changed_line(mutant: str) -> str:
    """The first line the mutant adds (or, if it only removes, the first removed one)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    diff = get_diff_for_mutant(mutant, path=source_path(mutant)).splitlines()[2:]
    added = [line[1:].strip() for line in diff if line.startswith("+")]
    removed = [line[1:].strip() for line in diff if line.startswith("-")]
    return added[0] if added else "removed: " + (removed[0] if removed else "?")


def key(mutant: str) -> Key:
    return mutant.rpartition("__mutmut_")[0], changed_line(mutant)


def collect(reasons: dict[Key, str]) -> list[Module]:
    by_path: dict[str, Module] = {}
    for meta in sorted((MUTANTS / "shared").rglob("*.py.meta")):
        for mutant, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            path = source_path(mutant).as_posix()
            module = by_path.setdefault(path, Module(path))
            if code in KILLED:
                module.killed += 1
            elif code in SURVIVED and key(mutant) in reasons:
                module.equivalent.append(mutant)
            elif code in SURVIVED:
                module.survived.append(mutant)
            elif code in UNREACHED:
                module.unreached.append(mutant)
            else:
                module.unchecked.append(mutant)
    return [by_path[path] for path in sorted(by_path)]


def commit() -> str:
    """The commit the run started from, as scripts/mutation.sh recorded it."""
    started = MUTANTS / "started-at.txt"
    return started.read_text().strip() if started.exists() else "unknown"


def render(modules: list[Module], reasons: dict[Key, str], stale: list[Key]) -> str:
    lines = [
        "# Mutation testing of shared/",
        "",
        f"`make mutation` (mutmut {version('mutmut')}), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit()}.",
        "Score = killed / (mutants - equivalent); a mutant no test reached counts as not killed.",
        f"Target: at least {TARGET:.0%} in every module (one source file of shared/'s layer packages).",
        "",
        "How the tests were chosen: every mutant runs against the tests that executed its function in",
        "mutmut's first pass, drawn from the suites that run the app in pytest's own process: tests/unit",
        "(all of shared/, shared/web through in-process requests), tests/integration (shared/storage",
        "on Azurite) and tests/operations (housekeeping and telemetry through an in-process local",
        "host). The HTTP, reliability and browser suites drive a local host in a child process,",
        "where mutmut cannot see which function a test reaches, so they are left out. Code that runs",
        "only at import was moved where tests run it (settings reading, storage fault translation,",
        "OpenAPI links as data) or is run inside the tests (handler wrapping, 405 guards, the tracer",
        "provider in a fresh process); module constants mutmut does not vary have direct tests.",
        "",
        "| module | mutants | killed | survived | no tests | equivalent | score |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in modules:
        lines.append(
            f"| {m.name} | {m.total} | {m.killed} | {len(m.survived)} | {len(m.unreached) + len(m.unchecked)}"
            f" | {len(m.equivalent)} | {m.score:.2%} |"
        )
    total = Module("all", killed=sum(m.killed for m in modules))
    for m in modules:
        total.survived += m.survived
        total.equivalent += m.equivalent
        total.unreached += m.unreached + m.unchecked
    lines.append(
        f"| **all** | {total.total} | {total.killed} | {len(total.survived)} | {len(total.unreached)}"
        f" | {len(total.equivalent)} | {total.score:.2%} |"
    )
    lines += ["", "## Survivors and unreached mutants (not equivalent)", ""]
    missed = total.survived + total.unreached
    lines += [f"- `{name}`: `{changed_line(name)}`" for name in missed] or ["None."]
    lines += ["", "## Equivalent mutants", "", "Each survives because no behaviour can tell it apart:", ""]
    lines += [f"- `{name}`: `{changed_line(name)}` — {reasons[key(name)]}" for name in total.equivalent] or ["None."]
    if stale:
        lines += ["", "## Stale equivalence entries (the mutant was killed or no longer exists)", ""]
        lines += [f"- `{function}`: `{changed}`" for function, changed in stale]
    return "\n".join(lines) + "\n"


def main() -> int:
    os.chdir(ROOT)  # mutmut's helpers read mutants/ relative to the working directory
    reasons = read_equivalents()
    modules = collect(reasons)
    if not modules:
        print("no mutmut results under mutants/: run `make mutation`", file=sys.stderr)
        return 1
    surviving = {key(name) for m in modules for name in m.equivalent}
    stale = sorted(set(reasons) - surviving)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(render(modules, reasons, stale))
    print(REPORT.read_text())
    below = [m.name for m in modules if m.score < TARGET]
    if below:
        print(f"below {TARGET:.0%}: {', '.join(below)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
