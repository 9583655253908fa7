"""The breaking-change gate (`make contract`, run by `make test`).

Compares the committed document (openapi/openapi.json) with the same file at the base: the last
release tag (v<major>.<minor>.<patch> reachable from HEAD) or, before the first release, the first
commit that has the file. Optic (openapi/package.json) classifies the changes; a breaking one
(removed operation, status code or response property, new required parameter or property,
narrowed type or enum) fails the gate unless the document's info.version raises the major version
and CHANGELOG.md has a section for that version.

    python -m apicontract.gate                       compare with the base found in git
    python -m apicontract.gate BASE.json HEAD.json   compare two files (tests, experiments)
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apicontract.document import CONTRACT, ROOT

OPTIC = ROOT / "openapi" / "node_modules" / ".bin" / "optic"
CHANGELOG = ROOT / "CHANGELOG.md"
CONTRACT_PATH = "openapi/openapi.json"
RELEASE_TAG = re.compile(r"^v\d+\.\d+\.\d+$")
BREAKING_MARK = "This is a breaking change."
# Optic is told to stay offline: its Segment and Sentry keys are unset in this version, and this
# switches off the npm update check (update-notifier) and any telemetry a later version may add.
OFFLINE_ENV = {"NO_UPDATE_NOTIFIER": "1", "OPTIC_TELEMETRY_LEVEL": "off"}


class GateError(Exception):
    """The gate could not decide (no tool, a shallow clone, an unreadable document)."""


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise GateError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def find_base() -> str | None:
    """The last release tag, else the first commit that has the contract, else None."""
    tags = _git("tag", "--list", "v*", "--merged", "HEAD", "--sort=-v:refname").splitlines()
    releases = [t for t in tags if RELEASE_TAG.match(t)]
    if releases:
        return releases[0]
    if _git("rev-parse", "--is-shallow-repository") == "true":
        # A CI checkout is often shallow (actions/checkout's default): fetch the history and tags
        # the base is found in, or stop; a gate without its base must not pass.
        try:
            _git("fetch", "--quiet", "--unshallow", "--tags")
        except GateError as error:
            raise GateError(
                "this clone is shallow and its history could not be fetched, so the base (the last release "
                f"tag, or the first commit that has {CONTRACT_PATH}) cannot be found: clone the whole "
                f"history (actions/checkout: fetch-depth: 0). {error}"
            ) from error
        return find_base()
    added = _git("log", "--diff-filter=A", "--format=%H", "--reverse", "--", CONTRACT_PATH).splitlines()
    return added[0] if added else None


def nullable_as_type_list(node: Any) -> Any:
    """The same document with pydantic's `anyOf: [<typed schema>, {"type": "null"}]` written as the
    equivalent `type: [<type>, "null"]`. Optic skips union-typed properties in its "made required"
    and type-change rules, and every optional field of the models is such a union; the rewrite
    keeps the JSON Schema meaning, so those rules see the fields."""
    if isinstance(node, list):
        return [nullable_as_type_list(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: nullable_as_type_list(value) for key, value in node.items()}
    options = result.get("anyOf")
    if isinstance(options, list) and len(options) == 2 and {"type": "null"} in options:
        other = next(option for option in options if option != {"type": "null"})
        if isinstance(other, dict) and isinstance(other.get("type"), str) and "type" not in result:
            merged = {key: value for key, value in result.items() if key != "anyOf"}
            merged.update(copy.deepcopy(other))
            merged["type"] = [other["type"], "null"]
            return merged
    return result


@dataclass(frozen=True)
class Verdict:
    breaking: bool
    report: str


def compare(base: dict[str, Any], head: dict[str, Any]) -> Verdict:
    """Optic's breaking-change check of head against base."""
    if not OPTIC.exists():
        raise GateError(f"{OPTIC.relative_to(ROOT)} is missing: run `make setup` (npm ci in openapi/)")
    # Optic lets every breaking change through once info.version's major differs; the gate wants
    # them all listed and decides about versions itself (judge), so Optic sees the base's version.
    head = {**head, "info": {**head.get("info", {}), "version": base.get("info", {}).get("version")}}
    with tempfile.TemporaryDirectory(prefix="contract-") as folder:
        files = []
        for name, document in (("base.json", base), ("head.json", head)):
            path = Path(folder) / name
            path.write_text(json.dumps(nullable_as_type_list(document), indent=2), encoding="utf-8")
            files.append(str(path))
        result = subprocess.run(
            [str(OPTIC), "diff", *files, "--check"],
            cwd=folder,
            capture_output=True,
            text=True,
            env={**os.environ, **OFFLINE_ENV},
            timeout=300,
            check=False,
        )
    report = (result.stdout + result.stderr).replace(folder + "/", "")
    if result.returncode == 0:
        return Verdict(False, report)
    if BREAKING_MARK not in report:
        raise GateError(f"optic failed (exit {result.returncode}) without naming a breaking change:\n{report}")
    return Verdict(True, report)


def _major(document: dict[str, Any]) -> int:
    version = str(document.get("info", {}).get("version", ""))
    match = re.match(r"^(\d+)\.\d+\.\d+", version)
    if match is None:
        raise GateError(f"info.version {version!r} is not <major>.<minor>.<patch>")
    return int(match.group(1))


def changelog_section(text: str, version: str) -> str:
    """The body of CHANGELOG.md's `## <version>` section (`## [2.0.0] - date` also counts)."""
    heading = re.compile(rf"^##\s+\[?v?{re.escape(version)}\]?(\s|$)")
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if heading.match(line):
            body = []
            for following in lines[index + 1 :]:
                if following.startswith("## "):
                    break
                body.append(following)
            return "\n".join(body).strip()
    return ""


def judge(base: dict[str, Any], head: dict[str, Any], changelog: str) -> tuple[bool, str]:
    """(passes, explanation) for head against base."""
    verdict = compare(base, head)
    base_major, head_major = _major(base), _major(head)
    version = str(head["info"]["version"])
    if head_major < base_major:
        return False, f"info.version {version} lowers the major version of the base ({base['info']['version']})"
    if not verdict.breaking:
        return True, "no breaking change"
    if head_major > base_major and changelog_section(changelog, version):
        return True, f"breaking changes, released as a new major version {version} recorded in CHANGELOG.md"
    needs = []
    if head_major <= base_major:
        needs.append(f"raise info.version's major version (now {version}; base {base['info']['version']})")
    if not changelog_section(changelog, version):
        needs.append(f"record the change under a `## {version}` heading in CHANGELOG.md")
    return False, (
        verdict.report
        + "\nThe contract has breaking changes (above) for clients of the base document. Make them compatible, "
        + "or release them on purpose: "
        + " and ".join(needs)
        + " (see docs/clients.md)."
    )


def main(argv: list[str]) -> int:
    try:
        if len(argv) == 2:
            base_text, label = Path(argv[0]).read_text(encoding="utf-8"), argv[0]
            head_text = Path(argv[1]).read_text(encoding="utf-8")
        else:
            base_ref = find_base()
            if base_ref is None:
                print(f"no base yet: {CONTRACT_PATH} is not committed, so there is nothing it could break")
                return 0
            base_text, label = _git("show", f"{base_ref}:{CONTRACT_PATH}"), f"{base_ref[:12]}:{CONTRACT_PATH}"
            head_text = CONTRACT.read_text(encoding="utf-8")
        passes, why = judge(json.loads(base_text), json.loads(head_text), _changelog())
    except GateError as error:
        print(f"contract gate: {error}", file=sys.stderr)
        return 2
    print(f"{CONTRACT_PATH} against {label}: {why}", file=sys.stdout if passes else sys.stderr)
    return 0 if passes else 1


def _changelog() -> str:
    return CHANGELOG.read_text(encoding="utf-8") if CHANGELOG.exists() else ""


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
