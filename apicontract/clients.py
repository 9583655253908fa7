"""The clients generated from the committed document (`make clients`; `make test` runs --check).

- clients/python: openapi-python-client with clients/openapi-python-client.yml and the templates
  in clients/python-templates, then ruff; every file but the hand-written layer (LAYER) is
  generated, and a file the generator no longer writes is removed.
- the web page: openapi-typescript writes static/app/src/api.d.ts (the document's types), esbuild
  bundles static/app/src/app.ts with openapi-fetch into static/app/app.js, the file the page
  loads, so the page needs no build step and no other origin.

    python -m apicontract.clients           regenerate them
    python -m apicontract.clients --check   exit 1, with the differences, when one is stale
"""

from __future__ import annotations

import difflib
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from apicontract.document import CONTRACT, ROOT

PYTHON_CLIENT = ROOT / "clients" / "python"
GENERATOR_CONFIG = ROOT / "clients" / "openapi-python-client.yml"
TEMPLATES = ROOT / "clients" / "python-templates"
# The typed layer on top of the generated code: written by hand, kept by regeneration.
LAYER = frozenset({"todo_client/todo.py", "todo_client/problems.py"})
IGNORED_PARTS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", "build", "dist"})
BIN = ROOT / "node_modules" / ".bin"
WEB = ROOT / "static" / "app"
TYPES = WEB / "src" / "api.d.ts"
BUNDLE = WEB / "app.js"
ENTRY = WEB / "src" / "app.ts"
UPDATE_COMMAND = "make clients"


def _run(command: list[str], cwd: Path = ROOT) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def _files(folder: Path) -> set[str]:
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file()
        and not IGNORED_PARTS.intersection(path.relative_to(folder).parts)
        and not path.name.endswith(".egg-info")
    }


def generate_python(into: Path) -> Path:
    """The generated project in into/python (not yet laid over clients/python)."""
    out = into / "python"
    _run(
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(CONTRACT),
            "--config",
            str(GENERATOR_CONFIG),
            "--custom-template-path",
            str(TEMPLATES),
            "--meta",
            "poetry",
            "--output-path",
            str(out),
            "--fail-on-warning",
        ]
    )
    # The generator's own ruff settings (in the generated pyproject.toml), the project's ruff.
    _run([sys.executable, "-m", "ruff", "check", "--fix-only", "--quiet", "."], cwd=out)
    _run([sys.executable, "-m", "ruff", "format", "--quiet", "."], cwd=out)
    return out


def generate_web(into: Path) -> tuple[Path, Path]:
    """(types, bundle) generated into into/, from the contract and static/app/src."""
    types, bundle = into / "api.d.ts", into / "app.js"
    _run([str(BIN / "openapi-typescript"), str(CONTRACT), "--output", str(types), "--alphabetize=false"])
    _run(
        [
            str(BIN / "esbuild"),
            str(ENTRY),
            "--bundle",
            "--format=iife",
            "--target=es2020",
            "--charset=utf8",
            "--legal-comments=inline",
            f"--outfile={bundle}",
            "--log-level=warning",
        ]
    )
    return types, bundle


def python_differences(generated: Path, committed: Path = PYTHON_CLIENT) -> list[str]:
    """What differs between a fresh generation and the committed client (layer excluded)."""
    ours, theirs = _files(generated), _files(committed) - LAYER if committed.exists() else set()
    lines = [f"missing from clients/python: {name}" for name in sorted(ours - theirs)]
    lines += [f"no longer generated (remove it): clients/python/{name}" for name in sorted(theirs - ours)]
    for name in sorted(ours & theirs):
        if not filecmp.cmp(generated / name, committed / name, shallow=False):
            lines += _diff(committed / name, generated / name, f"clients/python/{name}")
    lines += [f"the hand-written layer is missing: clients/python/{name}" for name in sorted(LAYER - _files(committed))]
    return lines


def _diff(committed: Path, fresh: Path, name: str) -> list[str]:
    return list(
        difflib.unified_diff(
            committed.read_text(encoding="utf-8").splitlines(keepends=True),
            fresh.read_text(encoding="utf-8").splitlines(keepends=True),
            fromfile=f"{name} (committed)",
            tofile=f"{name} (generated from openapi/openapi.json)",
        )
    )


def lay_python(generated: Path, committed: Path = PYTHON_CLIENT) -> None:
    """Replace the generated part of clients/python with a fresh generation, keeping the layer."""
    for name in (_files(committed) if committed.exists() else set()) - LAYER - _files(generated):
        (committed / name).unlink()
    for name in _files(generated):
        target = committed / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(generated / name, target)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    with tempfile.TemporaryDirectory(prefix="clients-") as folder:
        generated = generate_python(Path(folder))
        types, bundle = generate_web(Path(folder))
        if not check:
            lay_python(generated)
            shutil.copyfile(types, TYPES)
            shutil.copyfile(bundle, BUNDLE)
            print("regenerated clients/python, static/app/src/api.d.ts and static/app/app.js")
            return 0
        lines = python_differences(generated)
        for fresh, committed in ((types, TYPES), (bundle, BUNDLE)):
            name = committed.relative_to(ROOT).as_posix()
            if not committed.exists():
                lines.append(f"missing: {name}")
            elif not filecmp.cmp(fresh, committed, shallow=False):
                lines += _diff(committed, fresh, name)
    if not lines:
        print("clients/python and the web page's client are generated from openapi/openapi.json")
        return 0
    print("".join(line if line.endswith("\n") else line + "\n" for line in lines[:400]), end="")
    print(
        f"\nThe generated clients differ from what openapi/openapi.json and static/app/src give (above): "
        f"run `{UPDATE_COMMAND}` and commit the result.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
