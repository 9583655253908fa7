"""`pip install ./clients/python` in a new virtual environment gives a typed `todo_client` whose
version is the document's info.version (pip fetches the build backend and httpx/attrs from PyPI)."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from apicontract.clients import PYTHON_CLIENT
from apicontract.document import CONTRACT


@pytest.mark.slow
def test_pip_install_gives_an_importable_typed_package_with_the_contracts_version(tmp_path: Path) -> None:
    venv.create(tmp_path / "env", with_pip=True)
    python = tmp_path / "env" / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(PYTHON_CLIENT)]
    subprocess.run(install, check=True, capture_output=True, timeout=240)
    probe = (
        "import importlib.metadata as m, pathlib, todo_client; "
        "print(m.version('todo-client'), (pathlib.Path(todo_client.__file__).parent / 'py.typed').exists(), "
        "todo_client.__file__)"
    )
    out = subprocess.run([str(python), "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path)
    version, typed, location = out.stdout.split()
    assert version == json.loads(CONTRACT.read_text(encoding="utf-8"))["info"]["version"]
    assert typed == "True"
    assert location.startswith(str(tmp_path)), "imported from the new environment, not the project"
    assert sys.prefix not in location
