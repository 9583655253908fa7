"""The editor and container files of a Functions project (.vscode/, .devcontainer/) parse, and
every command, task, target and file they name exists in this project."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
VSCODE = ROOT / ".vscode"
DEVCONTAINER = ROOT / ".devcontainer"


def parse_jsonc(text: str) -> Any:
    """JSON with comments and trailing commas, as VS Code reads these files."""
    out: list[str] = []
    i, in_string = 0, False
    while i < len(text):
        char = text[i]
        if in_string:
            out.append(char)
            if char == "\\":
                out.append(text[i + 1])
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        elif text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
            continue
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
            continue
        else:
            out.append(char)
        i += 1
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", "".join(out)))


def _load(path: Path) -> dict[str, Any]:
    document = parse_jsonc(path.read_text())
    assert isinstance(document, dict), path
    return document


def make_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z][\w-]*):", (ROOT / "Makefile").read_text(), re.MULTILINE))


def assert_command_exists(command: str) -> None:
    """A shell command the project owns: make targets, scripts and node_modules binaries."""
    words = shlex.split(command)
    if words[0] == "make":
        targets = [w for w in words[1:] if not w.startswith("-")]
        assert targets and set(targets) <= make_targets(), f"{command}: no such make target"
    elif words[0] == "bash":
        assert (ROOT / words[1]).is_file(), f"{command}: no such script"
    elif words[0].startswith("node_modules/.bin/"):
        package = json.loads((ROOT / "package.json").read_text())
        assert Path(words[0]).name in package["devDependencies"], f"{command}: not a package.json tool"
    else:
        pytest.fail(f"{command}: not a command of this project")


def test_jsonc_parser_keeps_strings_and_drops_comments() -> None:
    text = '{\n  // note\n  "a": "http://x/*y*/", /* block */ "b": ["c",],\n}'
    assert parse_jsonc(text) == {"a": "http://x/*y*/", "b": ["c"]}


def test_every_editor_file_parses() -> None:
    files = [*sorted(VSCODE.glob("*.json")), DEVCONTAINER / "devcontainer.json"]
    assert {p.name for p in files} >= {"extensions.json", "launch.json", "tasks.json", "settings.json"}
    for path in files:
        _load(path)


def test_the_functions_extension_is_recommended() -> None:
    recommended = _load(VSCODE / "extensions.json")["recommendations"]
    assert {"ms-azuretools.vscode-azurefunctions", "ms-python.python"} <= set(recommended)
    in_container = _load(DEVCONTAINER / "devcontainer.json")["customizations"]["vscode"]["extensions"]
    assert set(in_container) == set(recommended)


def test_tasks_name_existing_commands_and_tasks() -> None:
    tasks = _load(VSCODE / "tasks.json")["tasks"]
    labels = {task["label"] for task in tasks}
    func_tasks = [task for task in tasks if task["type"] == "func"]
    assert [task["command"] for task in func_tasks] == ["host start"]
    assert func_tasks[0]["label"] == "func: host start"
    assert {"make run", "make test"} <= labels
    for task in tasks:
        depends = task.get("dependsOn", [])
        assert set([depends] if isinstance(depends, str) else depends) <= labels, task["label"]
        if task["type"] == "shell":
            assert_command_exists(task["command"])


def test_the_debugger_attaches_to_the_worker_started_by_func() -> None:
    (config,) = _load(VSCODE / "launch.json")["configurations"]
    assert config["request"] == "attach" and config["type"] == "debugpy"
    assert config["connect"]["port"] == 9091  # the Azure Functions extension's Python debug port
    labels = {task["label"] for task in _load(VSCODE / "tasks.json")["tasks"]}
    assert config["preLaunchTask"] in labels


def test_settings_point_at_the_projects_own_venv() -> None:
    settings = _load(VSCODE / "settings.json")
    assert settings["azureFunctions.pythonVenv"] == ".venv"
    assert settings["azureFunctions.projectLanguage"] == "Python"
    assert settings["azureFunctions.projectLanguageModel"] == 2
    assert "-m venv .venv" in (ROOT / "scripts" / "setup.sh").read_text()  # where make setup builds it


def test_the_dev_container_carries_core_tools_and_the_pinned_azurite() -> None:
    container = _load(DEVCONTAINER / "devcontainer.json")
    dockerfile = (DEVCONTAINER / container["build"]["dockerfile"]).read_text()
    assert_command_exists(container["postCreateCommand"])
    assert "azure-functions-core-tools-4" in dockerfile
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["azurite"]
    assert f"azurite@{pinned}" in dockerfile
    local_port = _load(ROOT / "local.settings.sample.json")["Host"]["LocalHttpPort"]
    assert {local_port, 10002} <= set(container["forwardPorts"])


def test_editor_and_container_files_are_not_deployed() -> None:
    ignored = set((ROOT / ".funcignore").read_text().split())
    assert {".vscode", ".devcontainer"} <= ignored
