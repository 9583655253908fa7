"""The app as the Python worker indexes it and the Functions host registers it.

The worker imports function_app, takes its one top-level FunctionRegister, calls get_functions()
and sends the host each function's name and raw binding JSON; the host then applies its
registration rules (devhost/registration.py, shared with the local host). This test pins what
Azure will register, route by route, and proves the rules bite with small throwaway apps.
"""

from __future__ import annotations

import ast
from pathlib import Path

import azure.functions as func
import pytest

from devhost.registration import IndexedFunction, index_app, overlapping_routes, registration_errors

ANONYMOUS = "ANONYMOUS"
OTHERS_ON_ITEMS = ("DELETE", "OPTIONS", "PATCH", "PUT")
OTHERS_ON_ONE = ("OPTIONS", "POST")
OTHERS_ON_PAGES = ("DELETE", "OPTIONS", "PATCH", "POST", "PUT")
# name -> (route, methods, auth level): what the host will register in Azure.
EXPECTED: dict[str, tuple[str, tuple[str, ...], str]] = {
    "list_lists": ("lists", ("GET", "HEAD"), ANONYMOUS),
    "create_list": ("lists", ("POST",), ANONYMOUS),
    "lists_other_methods": ("lists", OTHERS_ON_ITEMS, ANONYMOUS),
    "get_list": ("lists/{listId}", ("GET", "HEAD"), ANONYMOUS),
    "replace_list": ("lists/{listId}", ("PUT",), ANONYMOUS),
    "update_list": ("lists/{listId}", ("PATCH",), ANONYMOUS),
    "delete_list": ("lists/{listId}", ("DELETE",), ANONYMOUS),
    "lists_listid_other_methods": ("lists/{listId}", OTHERS_ON_ONE, ANONYMOUS),
    "list_items": ("lists/{listId}/items", ("GET", "HEAD"), ANONYMOUS),
    "create_item": ("lists/{listId}/items", ("POST",), ANONYMOUS),
    "lists_listid_items_other_methods": ("lists/{listId}/items", OTHERS_ON_ITEMS, ANONYMOUS),
    "get_item": ("lists/{listId}/items/{itemId}", ("GET", "HEAD"), ANONYMOUS),
    "replace_item": ("lists/{listId}/items/{itemId}", ("PUT",), ANONYMOUS),
    "update_item": ("lists/{listId}/items/{itemId}", ("PATCH",), ANONYMOUS),
    "delete_item": ("lists/{listId}/items/{itemId}", ("DELETE",), ANONYMOUS),
    "lists_listid_items_itemid_other_methods": ("lists/{listId}/items/{itemId}", OTHERS_ON_ONE, ANONYMOUS),
    "list_items_by_state": ("lists/{listId}/items/state/{state}", ("GET", "HEAD"), ANONYMOUS),
    "set_items_state": ("lists/{listId}/items/state/{state}", ("PUT",), ANONYMOUS),
    "lists_listid_items_state_state_other_methods": (
        "lists/{listId}/items/state/{state}",
        ("DELETE", "OPTIONS", "PATCH", "POST"),
        ANONYMOUS,
    ),
    "export_owner_data": ("me/export", ("GET", "HEAD"), ANONYMOUS),
    "me_export_other_methods": ("me/export", OTHERS_ON_PAGES, ANONYMOUS),
    "erase_owner_data": ("me", ("DELETE",), ANONYMOUS),
    "me_other_methods": ("me", ("GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"), ANONYMOUS),
    "import_data": ("me/import", ("POST",), ANONYMOUS),
    "me_import_other_methods": ("me/import", ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "PUT"), ANONYMOUS),
    "get_openapi": ("openapi.json", ("GET", "HEAD"), ANONYMOUS),
    "openapi_json_other_methods": ("openapi.json", OTHERS_ON_PAGES, ANONYMOUS),
    "get_docs": ("docs", ("GET", "HEAD"), ANONYMOUS),
    "docs_other_methods": ("docs", OTHERS_ON_PAGES, ANONYMOUS),
    "get_app": ("app", ("GET", "HEAD"), ANONYMOUS),
    "app_other_methods": ("app", OTHERS_ON_PAGES, ANONYMOUS),
    "get_asset": ("assets/{name}", ("GET", "HEAD"), ANONYMOUS),
    "assets_name_other_methods": ("assets/{name}", OTHERS_ON_PAGES, ANONYMOUS),
}
# name -> its one binding: the timer functions, scheduled by the host (defaults without their settings).
EXPECTED_TIMERS: dict[str, dict[str, object]] = {
    "housekeeping": {
        "type": "timerTrigger",
        "direction": "IN",
        "name": "timer",
        "schedule": "0 */15 * * * *",
        "runOnStartup": False,
        "useMonitor": True,
    },
    "backup": {  # daily at 02:30 UTC
        "type": "timerTrigger",
        "direction": "IN",
        "name": "timer",
        "schedule": "0 30 2 * * *",
        "runOnStartup": False,
        "useMonitor": True,
    },
}


def _worker_index() -> list[IndexedFunction]:
    """Find the app the way the worker's loader does: the one FunctionRegister at module level."""
    import function_app

    apps = [v for v in vars(function_app).values() if isinstance(v, func.FunctionRegister)]
    assert len(apps) == 1, "the worker refuses a module with more (or less) than one function app"
    return index_app(apps[0])


def test_the_worker_indexes_exactly_the_expected_functions() -> None:
    functions = _worker_index()
    indexed = {f.name: (f.route, tuple(sorted(f.methods)), f.auth_level.name) for f in functions if f.trigger}
    assert indexed == EXPECTED
    assert {f.name: list(f.bindings) for f in functions if not f.trigger} == {
        name: [binding] for name, binding in EXPECTED_TIMERS.items()
    }


def test_the_timer_schedule_names_its_app_setting_only_when_that_setting_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The host refuses a %NAME% that resolves to nothing, so without the setting the default
    is written into the binding; with it, the host resolves the setting itself."""
    import functions.housekeeping as housekeeping

    monkeypatch.setenv("TODO_HOUSEKEEPING_SCHEDULE", "0 0 * * * *")
    assert housekeeping.schedule_expression() == "%TODO_HOUSEKEEPING_SCHEDULE%"
    monkeypatch.setenv("TODO_HOUSEKEEPING_SCHEDULE", " ")
    assert housekeeping.schedule_expression() == "0 */15 * * * *"
    monkeypatch.delenv("TODO_HOUSEKEEPING_SCHEDULE")
    assert housekeeping.schedule_expression() == "0 */15 * * * *"


def test_the_backup_schedule_names_its_app_setting_only_when_set_and_is_daily_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import functions.backup as backup

    monkeypatch.setenv("TODO_BACKUP_SCHEDULE", "0 0 3 * * *")
    assert backup.schedule_expression() == "%TODO_BACKUP_SCHEDULE%"
    monkeypatch.setenv("TODO_BACKUP_SCHEDULE", "  ")
    assert backup.schedule_expression() == "0 30 2 * * *"
    monkeypatch.delenv("TODO_BACKUP_SCHEDULE")
    assert backup.schedule_expression() == "0 30 2 * * *"


def test_every_http_function_has_one_http_trigger_named_req_and_an_http_return() -> None:
    for function in _worker_index():
        if function.trigger is None:
            continue
        kinds = sorted((b["type"], b["direction"], b["name"]) for b in function.bindings)
        assert kinds == [("http", "OUT", "$return"), ("httpTrigger", "IN", "req")], function.name


def test_the_app_breaks_no_registration_rule_and_no_two_templates_match_one_path() -> None:
    indexed = _worker_index()
    assert registration_errors(indexed) == []
    assert overlapping_routes(indexed) == []


# The rules bite: throwaway apps the host (or the overlap rule) must refuse. ---------------------


def _app(*functions: tuple[str, str, tuple[str, ...]]) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    for name, route, methods in functions:

        async def handler(req: func.HttpRequest) -> func.HttpResponse:
            return func.HttpResponse("")

        app.function_name(name)(app.route(route=route, methods=list(methods))(handler))
    return app


def _errors(app: func.FunctionApp) -> list[str]:
    return registration_errors(index_app(app))


@pytest.mark.parametrize("name", ["1st", "has space", "dotted.name", "host", "x" * 129])
def test_a_function_name_the_host_refuses_is_reported(name: str) -> None:
    errors = _errors(_app((name, "things", ("GET",))))
    assert len(errors) == 1 and repr(name) in errors[0] and "name must match" in errors[0]


@pytest.mark.parametrize("route", ["admin/x", "/Admin", "runtime/status", "administration"])
def test_a_reserved_route_prefix_is_reported(route: str) -> None:
    errors = _errors(_app(("fine", route, ("GET",))))
    assert errors == [f"function 'fine': route {route!r} starts with a reserved prefix (admin, runtime)"]


def test_a_duplicate_route_and_method_is_reported_and_disjoint_methods_are_not() -> None:
    errors = _errors(_app(("one", "things/{id}", ("GET", "PUT")), ("two", "/THINGS/{id}/", ("PUT",))))
    assert errors == ["function 'two': route '/THINGS/{id}/' and methods conflict with function 'one'"]
    assert _errors(_app(("one", "things/{id}", ("GET",)), ("two", "things/{id}", ("PUT",)))) == []


def test_a_duplicate_name_is_reported() -> None:
    errors = _errors(_app(("same", "a", ("GET",)), ("SAME", "b", ("GET",))))
    assert errors == ["function 'SAME': the name must be unique within the app (case-insensitive)"]


def test_a_binding_name_the_host_refuses_is_reported() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="things", methods=["GET"], trigger_arg_name="my_req")
    async def things(my_req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("")

    errors = _errors(app)
    assert len(errors) == 1 and "binding name 'my_req'" in errors[0]


def test_templates_that_can_match_one_path_are_reported() -> None:
    app = _app(("by_id", "things/{id}", ("GET",)), ("special", "things/special", ("GET", "POST")))
    assert _errors(app) == []  # the host accepts this and would pick by name...
    overlaps = overlapping_routes(index_app(app))
    assert overlaps == ["functions 'by_id' (things/{id}) and 'special' (things/special) match one path"]
    constrained = _app(("by_id", "things/{id:int}", ("GET",)), ("special", "things/special", ("GET",)))
    assert overlapping_routes(index_app(constrained)) == []
    other_methods = _app(("by_id", "things/{id}", ("GET",)), ("special", "things/special", ("POST",)))
    assert overlapping_routes(index_app(other_methods)) == []


def test_nothing_function_app_imports_imports_it_back() -> None:
    """The worker imports function_app first; a module importing it back (even lazily) is an
    import circle that breaks as soon as the import order changes."""
    root = Path(__file__).resolve().parents[2]
    for package in ("shared", "functions"):
        for module in (root / package).rglob("*.py"):
            tree = ast.parse(module.read_text())
            imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
            assert "function_app" not in imported, module
