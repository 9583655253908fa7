"""The real Functions host must be able to index every function: traps that silently register
zero functions (an import-time exception, a wrong trigger argument) fail here instead."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import typing
from pathlib import Path

import azure.functions as func

from devhost.server import collect_functions, host_config

ROOT = Path(__file__).resolve().parents[2]
API_OPERATIONS = {
    ("GET", "lists"), ("POST", "lists"),
    ("GET", "lists/{listId}"), ("PUT", "lists/{listId}"), ("PATCH", "lists/{listId}"), ("DELETE", "lists/{listId}"),
    ("GET", "lists/{listId}/items"), ("POST", "lists/{listId}/items"),
    ("GET", "lists/{listId}/items/{itemId}"), ("PUT", "lists/{listId}/items/{itemId}"),
    ("PATCH", "lists/{listId}/items/{itemId}"), ("DELETE", "lists/{listId}/items/{itemId}"),
    ("GET", "lists/{listId}/items/state/{state}"), ("PUT", "lists/{listId}/items/state/{state}"),
}  # fmt: skip


def _app() -> func.FunctionApp:
    import function_app

    return function_app.app


def test_function_app_imports_with_an_empty_environment() -> None:
    script = (
        "import function_app; function_app.app.functions_bindings = None; print(len(function_app.app.get_functions()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= len(API_OPERATIONS)


def test_importing_the_app_loads_neither_the_blob_sdk_nor_the_backup_code() -> None:
    """The backup's blob SDK is paid by the backup run alone, never by an HTTP function's cold start."""
    script = (
        "import sys, function_app; print(sorted(m for m in sys.modules if m.startswith('azure.storage')"
        " or m in ('shared.storage.backup', 'shared.storage.blobs', 'shared.storage.restore')))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={"PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_function_takes_only_req_typed_for_the_worker() -> None:
    functions = collect_functions(_app(), "api")
    assert functions
    for hosted in functions:
        signature = inspect.signature(hosted.handler)
        assert list(signature.parameters) == ["req"], hosted.name
        hints = typing.get_type_hints(hosted.handler)
        assert hints == {"req": func.HttpRequest, "return": func.HttpResponse}, hosted.name
        assert hosted.is_async, f"{hosted.name} must be async to share the async Table client"


def test_contract_routes_are_registered_with_head_where_get_is() -> None:
    registered: set[tuple[str, str]] = set()
    for hosted in collect_functions(_app(), "api"):
        template = hosted.route.template
        if "GET" in hosted.methods:
            assert "HEAD" in hosted.methods, hosted.name
        registered |= {(method, template) for method in hosted.methods if not hosted.name.endswith("_other_methods")}
    assert registered >= API_OPERATIONS


def test_routes_own_every_method_so_wrong_ones_reach_the_app() -> None:
    by_route: dict[str, set[str]] = {}
    for hosted in collect_functions(_app(), "api"):
        by_route.setdefault(hosted.route.template, set()).update(hosted.methods)
    for template, methods in by_route.items():
        if template.startswith("lists"):
            assert {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} <= methods, template


def test_local_host_reads_route_prefix_and_cors_like_func_start(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text(json.dumps({"version": "2.0", "extensions": {"http": {"routePrefix": "v1"}}}))
    config = host_config(tmp_path, {"Host": {"CORS": "http://a.test, http://b.test/"}})
    assert config.route_prefix == "v1"
    assert config.cors_origins == ("http://a.test", "http://b.test")
