"""The generated clients follow the committed contract: make clients' check sees a stale or stray
generated file and leaves the hand-written layer alone, and tsc refuses a page script that does
not fit the contract's types."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from apicontract import clients
from apicontract.document import ROOT


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clients.generate_python(tmp_path_factory.mktemp("gen"))


def test_the_committed_clients_are_generated_from_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert clients.main(["--check"]) == 0, capsys.readouterr()


def test_a_stale_or_stray_generated_file_is_named_and_the_layer_is_not(generated: Path, tmp_path: Path) -> None:
    committed = tmp_path / "python"
    shutil.copytree(clients.PYTHON_CLIENT, committed, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    assert clients.python_differences(generated, committed) == []
    model = committed / "todo_client" / "models" / "todo_list.py"
    model.write_text(model.read_text().replace("description: None | str | Unset", "description: str"))
    (committed / "todo_client" / "api" / "lists" / "old_operation.py").write_text("")
    (committed / "todo_client" / "todo.py").write_text("# edited by hand, as it may be\n")
    lines = clients.python_differences(generated, committed)
    assert "--- clients/python/todo_client/models/todo_list.py (committed)\n" in lines
    assert "no longer generated (remove it): clients/python/todo_client/api/lists/old_operation.py" in lines
    assert not any("todo.py" in line for line in lines)
    clients.lay_python(generated, committed)
    assert clients.python_differences(generated, committed) == []
    assert (committed / "todo_client" / "todo.py").read_text() == "# edited by hand, as it may be\n"


def test_tsc_refuses_a_call_the_contract_does_not_have(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(clients.TYPES, source / "api.d.ts")
    (source / "bad.ts").write_text(
        'import createClient from "openapi-fetch";\n'
        'import type { paths } from "./api";\n'
        "const client = createClient<paths>({});\n"
        'export const wrong = client.POST("/lists", { body: { title: "no such field" } });\n'
    )
    config = tmp_path / "tsconfig.json"
    options = {"typeRoots": [str(ROOT / "node_modules" / "@types")], "baseUrl": str(ROOT / "node_modules")}
    config.write_text(
        json.dumps({"extends": str(ROOT / "tsconfig.json"), "include": ["src/**/*.ts"], "compilerOptions": options})
    )
    result = subprocess.run(
        [str(clients.BIN / "tsc"), "--noEmit", "-p", str(config)], capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "bad.ts" in result.stdout and "'title' does not exist" in result.stdout
