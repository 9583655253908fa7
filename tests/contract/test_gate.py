"""The breaking-change gate (make contract) on the committed document and on edited copies of it:
Optic really runs (openapi/node_modules), so these take a few seconds each."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from apicontract import gate
from apicontract.document import CONTRACT

RECORDED = "# Changelog\n\n## 2.0.0\n\nBreaking: DELETE /lists/{listId} is gone.\n\n## 1.0.0\n\nFirst.\n"


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(CONTRACT.read_text(encoding="utf-8"))
    return document


def _without_list_deletion(base: dict[str, Any], version: str | None = None) -> dict[str, Any]:
    """The committed document without one operation, at this version (the base's by default)."""
    head = copy.deepcopy(base)
    del head["paths"]["/lists/{listId}"]["delete"]
    head["info"]["version"] = version or base["info"]["version"]
    return head


def test_the_committed_document_passes_against_its_base(capsys: pytest.CaptureFixture[str]) -> None:
    assert gate.main([]) == 0
    assert "no breaking change" in capsys.readouterr().out


def test_a_compatible_addition_passes(base: dict[str, Any]) -> None:
    head = copy.deepcopy(base)
    head["components"]["schemas"]["TodoItem"]["properties"]["colour"] = {"type": "string"}
    assert gate.judge(base, head, "") == (True, "no breaking change")


def test_removing_an_operation_is_refused_naming_what_to_do(base: dict[str, Any]) -> None:
    passes, why = gate.judge(base, _without_list_deletion(base), RECORDED)
    assert not passes
    assert "cannot remove an operation" in why
    now = base["info"]["version"]
    assert f"raise info.version's major version (now {now}; base {now})" in why


def test_making_an_optional_property_required_is_refused(base: dict[str, Any]) -> None:
    head = copy.deepcopy(base)
    write = head["components"]["schemas"]["TodoItemWrite"]
    assert "anyOf" in write["properties"]["description"]  # pydantic's optional field, a union
    write["required"].append("description")
    passes, why = gate.judge(base, head, "")
    assert not passes
    assert "cannot make a request property required" in why


def test_narrowing_an_enum_is_refused(base: dict[str, Any]) -> None:
    head = copy.deepcopy(base)
    head["components"]["schemas"]["ItemState"]["enum"].remove("inprogress")
    passes, why = gate.judge(base, head, "")
    assert not passes and "cannot remove enum option 'inprogress'" in why


def test_a_new_major_version_recorded_in_the_changelog_passes(base: dict[str, Any]) -> None:
    passes, why = gate.judge(base, _without_list_deletion(base, "2.0.0"), RECORDED)
    assert passes, why
    assert why == "breaking changes, released as a new major version 2.0.0 recorded in CHANGELOG.md"


def test_a_new_major_version_not_in_the_changelog_is_refused(base: dict[str, Any]) -> None:
    passes, why = gate.judge(base, _without_list_deletion(base, "2.0.0"), "# Changelog\n\n## 1.0.0\n\nFirst.\n")
    assert not passes
    assert "record the change under a `## 2.0.0` heading in CHANGELOG.md" in why
    assert "raise info.version" not in why


def test_lowering_the_major_version_is_refused(base: dict[str, Any]) -> None:
    head = copy.deepcopy(base)
    head["info"]["version"] = "0.9.0"
    lowered = f"info.version 0.9.0 lowers the major version of the base ({base['info']['version']})"
    assert gate.judge(base, head, "") == (False, lowered)


def test_the_command_fails_on_two_files_with_a_breaking_change(
    base: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "head.json").write_text(json.dumps(_without_list_deletion(base)))
    assert gate.main([str(CONTRACT), str(tmp_path / "head.json")]) == 1
    assert "DELETE /lists/{listId}: removed" in capsys.readouterr().err


def test_without_the_tool_the_gate_fails_rather_than_passes(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(gate, "OPTIC", gate.OPTIC.with_name("no-such-optic"))
    assert gate.main([str(CONTRACT), str(CONTRACT)]) == 2
    assert "run `make setup`" in capsys.readouterr().err


def test_nullable_unions_become_type_lists_with_the_same_meaning() -> None:
    union = {"anyOf": [{"type": "string", "maxLength": 4}, {"type": "null"}], "default": None, "title": "D"}
    assert gate.nullable_as_type_list({"properties": {"d": union}}) == {
        "properties": {"d": {"type": ["string", "null"], "maxLength": 4, "default": None, "title": "D"}}
    }
    ref_union = {"anyOf": [{"$ref": "#/components/schemas/ItemState"}, {"type": "null"}]}
    assert gate.nullable_as_type_list(ref_union) == ref_union  # no single type to list: left as it is


def test_changelog_sections_are_found_by_version_heading() -> None:
    text = "# Changelog\n\n## [2.0.0] - 2027-01-01\n\nRemoved X.\n\n## 1.0.0\n\nFirst.\n"
    assert gate.changelog_section(text, "2.0.0") == "Removed X."
    assert gate.changelog_section(text, "1.0.0") == "First."
    assert gate.changelog_section(text, "2.0") == ""
    assert gate.changelog_section("## 3.0.0\n## 2.0.0\nx\n", "3.0.0") == ""


def test_the_base_is_the_last_release_tag_else_the_first_commit_with_the_contract(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(tmp_path), *args], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    git("init", "-q")
    git("config", "user.email", "t@example.invalid")
    git("config", "user.name", "t")
    git("commit", "-q", "--allow-empty", "-m", "before the contract")
    monkeypatch.setattr(gate, "ROOT", tmp_path)
    assert gate.find_base() is None
    (tmp_path / "openapi").mkdir()
    for version in ("1.0.0", "1.1.0"):
        (tmp_path / "openapi" / "openapi.json").write_text(version)
        git("add", "openapi/openapi.json")
        git("commit", "-q", "-m", version)
    first = git("rev-list", "--max-parents=0", "HEAD")
    assert gate.find_base() == git("rev-parse", "HEAD~1") != first
    git("tag", "v1.1.0")
    git("tag", "not-a-release")
    assert gate.find_base() == "v1.1.0"


def test_a_shallow_clone_without_its_history_stops_the_gate_rather_than_passing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    origin, clone = tmp_path / "origin", tmp_path / "clone"
    subprocess.run(["git", "init", "-q", str(origin)], check=True)
    for n in range(2):
        subprocess.run(
            ["git", "-C", str(origin), "-c", "user.email=t@example.invalid", "-c", "user.name=t", "commit", "-q",
             "--allow-empty", "-m", str(n)],
            check=True,
        )  # fmt: skip
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "remote", "set-url", "origin", str(tmp_path / "gone")], check=True)
    monkeypatch.setattr(gate, "ROOT", clone)
    assert gate.main([]) == 2
    assert "this clone is shallow and its history could not be fetched" in capsys.readouterr().err
    subprocess.run(["git", "-C", str(clone), "remote", "set-url", "origin", f"file://{origin}"], check=True)
    assert gate.find_base() is None  # history fetched: no commit has the contract yet
    assert subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "--is-shallow-repository"], capture_output=True, text=True, check=True
    ).stdout.strip() == "false"
