"""The README is for users and short; depth lives in docs/. Both stay true to the tree: every
relative link resolves, and neither carries run histories or issue numbers (results files that
commands write keep their own dates)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").rglob("*.md"))
LINK = re.compile(r"\]\(([^)\s]+)\)")
FIRST_SCREEN = 60  # lines
# An issue number, "last run (...", a date with a time (a run's timestamp) or a day written out
# ("6 Dec 2026"); API versions such as 2024-05-01 are facts, not history.
MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
HISTORY = (
    rf"\b[Ii]ssue \d+\b|\(#\d+\)|\b(last|latest) (run|result)s? \(|\b20\d\d-\d\d-\d\d[ T]\d\d:\d\d"
    rf"|\b\d{{1,2}} ({MONTHS})[a-z]* 20\d\d\b"
)


def test_the_readme_is_at_most_250_lines_with_the_two_commands_and_a_try_it_on_its_first_screen() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= 250, len(lines)
    first = "\n".join(lines[:FIRST_SCREEN])
    needed = ("make run", "make test", "PORT", "AZURITE_TABLE_PORT", "AZURITE_LOCATION", "curl", "api/app", "api/docs")
    assert [word for word in needed if word not in first] == []


def test_the_readme_links_every_docs_page() -> None:
    text = README.read_text()
    linked = {(README.parent / target.split("#")[0]).resolve() for target in LINK.findall(text)}
    top_level = [page for page in DOCS if page.parent == ROOT / "docs" and page.name != "README.md"]
    assert top_level and [page.name for page in top_level if page.resolve() not in linked] == []


def test_every_relative_link_in_readme_and_docs_resolves() -> None:
    broken = []
    for page in [README, *DOCS]:
        for target in LINK.findall(page.read_text()):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            if not (page.parent / target.split("#")[0]).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_no_issue_numbers_or_dated_run_histories_in_readme_or_docs() -> None:
    found = []
    for page in [README, *DOCS]:
        for number, line in enumerate(page.read_text().splitlines(), 1):
            if re.search(HISTORY, line, re.IGNORECASE):
                found.append(f"{page.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
