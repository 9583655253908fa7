"""The layers are a rule a tool enforces, not a drawing: import-linter's contracts hold on this
tree, a seeded wrong-way import breaks them with the module and line named, only the storage
package imports the Table SDK, and no module of shared/ grows past 400 lines."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("shared", "functions", "inmemory", "devhost", "benchmarks", "tests", "tools", "apicontract")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def copy_of_the_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "results", "node_modules")
    for name in PACKAGES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, root / name, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_import_contracts_hold_on_this_tree() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("shared/web/urls.py", "import shared.storage.client", "shared.web.urls -> shared.storage.client"),
        ("shared/service/todos.py", "import shared.web.headers", "shared.service.todos -> shared.web.headers"),
        ("shared/domain/ids.py", "import shared.platform.settings", "shared.domain.ids -> shared.platform.settings"),
        ("devhost/routing.py", "import tests.support", "devhost.routing -> tests.support"),
        ("inmemory/repositories.py", "import shared.storage.rows", "inmemory.repositories -> shared.storage.rows"),
        ("functions/docs.py", "import apicontract.document", "functions.docs -> apicontract.document"),
        ("shared/web/openapi.py", "import todo_client.todo", "shared.web.openapi -> todo_client"),
        ("apicontract/gate.py", "import tests.support", "apicontract.gate -> tests.support"),
    ],
)
def test_a_wrong_way_import_breaks_a_contract_naming_the_module_and_line(
    copy_of_the_tree: Path, module: str, line: str, broken: str
) -> None:
    target = copy_of_the_tree / module
    original = target.read_text()
    lines = original.count("\n")
    target.write_text(original + line + "\n")
    try:
        result = lint(copy_of_the_tree)
    finally:
        target.write_text(original)
    assert result.returncode == 1, result.stdout
    assert f"{broken} (l.{lines + 1})" in result.stdout, result.stdout


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_the_storage_package_imports_the_table_sdk() -> None:
    """import-linter tracks only the top package of an external one (azure): this checks the rest."""
    importers = {
        str(path.relative_to(ROOT))
        for folder in ("shared", "functions", "inmemory")
        for path in (ROOT / folder).rglob("*.py")
        if any(name == "azure.data.tables" or name.startswith("azure.data.tables.") for name in _imports(path))
    }
    assert importers and all(path.startswith("shared/storage/") for path in importers), importers


def test_no_module_of_shared_is_over_400_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): p.read_text().count("\n") for p in (ROOT / "shared").rglob("*.py")}
    assert len(sizes) > 20 and max(sizes.values()) <= 400, {k: v for k, v in sizes.items() if v > 400}
