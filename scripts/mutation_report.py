"""Summarise a mutmut run of shared/ into artifacts/mutation.md, per module, and fail below 90%.

Why a script of our own: mutmut prints one total, while the target is per module, and a survivor
only counts as equivalent when scripts/mutation_equivalents.txt names it with a reason. A mutant
no test reached ("no tests") counts against the module like a survivor: code that runs only at
import time must be exercised by a test, not excused. An equivalence entry that no longer matches
a surviving mutant is reported as stale, so the list cannot silently outlive the code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENTS = ROOT / "scripts" / "mutation_equivalents.txt"
REPORT = ROOT / "artifacts" / "mutation.md"
TARGET = 0.90
KILLED = {1, 3, 36, 37, -24, 24, 152, 255}  # a failing test, an error, a timeout, a type error
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


def read_equivalents() -> dict[str, str]:
    reasons: dict[str, str] = {}
    for line in EQUIVALENTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            reasons[name] = reason.strip()
    return reasons


def diff_line(mutant: str) -> str:
    """The changed source line of a mutant, so the report is readable without running mutmut."""
    shown = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "mutmut"), "show", mutant], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout
    added = [line[1:].strip() for line in shown.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return added[0] if added else "(no diff)"


def collect(reasons: dict[str, str]) -> list[Module]:
    modules: list[Module] = []
    for meta in sorted((MUTANTS / "shared").glob("*.py.meta")):
        module = Module("shared/" + meta.name.removesuffix(".meta"))
        for mutant, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if code in KILLED:
                module.killed += 1
            elif code in SURVIVED and mutant in reasons:
                module.equivalent.append(mutant)
            elif code in SURVIVED:
                module.survived.append(mutant)
            elif code in UNREACHED:
                module.unreached.append(mutant)
            else:
                module.unchecked.append(mutant)
        if module.total:
            modules.append(module)
    return modules


def render(modules: list[Module], reasons: dict[str, str], stale: list[str]) -> str:
    lines = [
        "# Mutation testing of shared/",
        "",
        f"`make mutation` (mutmut, unit and Azurite integration tests), {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "Score = killed / (mutants - equivalent); a mutant no test reached counts as not killed.",
        f"Target: at least {TARGET:.0%} in every module.",
        "",
        "| module | mutants | killed | survived | no tests | equivalent | score |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in modules:
        lines.append(
            f"| {m.name} | {m.total} | {m.killed} | {len(m.survived)} | {len(m.unreached) + len(m.unchecked)}"
            f" | {len(m.equivalent)} | {m.score:.1%} |"
        )
    total = Module("all", killed=sum(m.killed for m in modules))
    for m in modules:
        total.survived += m.survived
        total.equivalent += m.equivalent
        total.unreached += m.unreached + m.unchecked
    lines.append(
        f"| **all** | {total.total} | {total.killed} | {len(total.survived)} | {len(total.unreached)}"
        f" | {len(total.equivalent)} | {total.score:.1%} |"
    )
    lines += ["", "## Survivors and unreached mutants (not equivalent)", ""]
    missed = total.survived + total.unreached
    lines += [f"- `{name}`: `{diff_line(name)}`" for name in missed] or ["None."]
    lines += ["", "## Equivalent mutants", "", "Each survives because no behaviour can tell it apart:", ""]
    lines += [f"- `{name}`: `{diff_line(name)}` — {reasons[name]}" for name in total.equivalent] or ["None."]
    if stale:
        lines += ["", "## Stale equivalence entries (the mutant was killed or no longer exists)", ""]
        lines += [f"- `{name}`" for name in stale]
    return "\n".join(lines) + "\n"


def main() -> int:
    reasons = read_equivalents()
    modules = collect(reasons)
    if not modules:
        print("no mutmut results under mutants/: run `make mutation`", file=sys.stderr)
        return 1
    surviving = {name for m in modules for name in m.equivalent}
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
