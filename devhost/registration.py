"""The Functions host's registration rules, applied to an app indexed the way the worker indexes it.

The worker sends the host each function's name and raw binding JSON (`get_functions()` and
`get_raw_bindings()`); the host then checks names, binding names, reserved routes and route
conflicts (azure-functions-host: FunctionMetadataManager / ScriptHost.ValidateFunction and
HttpRoutesConflict). A broken rule there disables functions in Azure while everything works on
a local host that never checked, so the local host and the worker contract test both apply
these same rules from this one module.
"""

from __future__ import annotations

import inspect
import json
import re
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import azure.functions as func

from devhost.routing import compile_route, templates_overlap

FUNCTION_NAME = re.compile(r"^[a-z][a-z0-9_\-]{0,127}$", re.IGNORECASE)
BINDING_NAME = re.compile(r"^([a-zA-Z][a-zA-Z0-9]{0,127}|\$return)$")
RESERVED_ROUTE_PREFIXES = ("admin", "runtime")
RESERVED_FUNCTION_NAMES = ("host",)
ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


class RegistrationError(ValueError):
    """An app the real host would not run as written; the message names function and rule."""


@dataclass(frozen=True)
class IndexedFunction:
    """One function as the host receives it from the worker's indexing."""

    name: str
    bindings: tuple[dict[str, Any], ...]
    handler: Any

    @property
    def trigger(self) -> dict[str, Any] | None:
        return next((b for b in self.bindings if b.get("type") == "httpTrigger"), None)

    @property
    def route(self) -> str:
        """The route template as registered: the function name when none is given."""
        trigger = self.trigger or {}
        return str(trigger.get("route") or self.name)

    @property
    def methods(self) -> frozenset[str]:
        """Upper-case methods; an absent or empty list means every method."""
        declared = (self.trigger or {}).get("methods") or ALL_METHODS
        return frozenset(str(m).upper() for m in declared)

    @property
    def auth_level(self) -> func.AuthLevel:
        raw = str((self.trigger or {}).get("authLevel") or "FUNCTION").lower()
        return func.AuthLevel(raw)


def index_app(app: func.FunctionRegister) -> list[IndexedFunction]:
    """Index like the worker: every function's name and its raw binding JSON."""
    app.functions_bindings = None  # get_functions() raises on a second call otherwise
    indexed = []
    for function in app.get_functions():
        bindings = tuple(json.loads(raw) for raw in function.get_raw_bindings())
        name = str(function.get_function_name() or function.get_user_function().__name__)
        indexed.append(IndexedFunction(name, bindings, function.get_user_function()))
    return indexed


def registration_errors(functions: Iterable[IndexedFunction]) -> list[str]:
    """Every rule the host would enforce that these functions break, one message each."""
    errors: list[str] = []
    seen: dict[str, IndexedFunction] = {}
    for function in functions:
        name = function.name
        if not FUNCTION_NAME.fullmatch(name) or name.lower() in RESERVED_FUNCTION_NAMES:
            errors.append(f"function {name!r}: the name must match {FUNCTION_NAME.pattern} and not be 'host'")
        for binding in function.bindings:
            if not BINDING_NAME.fullmatch(str(binding.get("name", ""))):
                errors.append(
                    f"function {name!r}: binding name {binding.get('name')!r} must match {BINDING_NAME.pattern}"
                )
        errors += _worker_load_errors(function)
        if name.lower() in seen:
            errors.append(f"function {name!r}: the name must be unique within the app (case-insensitive)")
        if function.trigger is None:
            seen.setdefault(name.lower(), function)
            continue
        route = function.route.strip("/").lower()
        if route.startswith(RESERVED_ROUTE_PREFIXES):
            errors.append(f"function {name!r}: route {function.route!r} starts with a reserved prefix (admin, runtime)")
        for other in seen.values():
            if other.trigger is not None and _same_route_and_method(function, other):
                errors.append(
                    f"function {name!r}: route {function.route!r} and methods conflict with function {other.name!r}"
                )
        seen.setdefault(name.lower(), function)
    return errors


def _worker_load_errors(function: IndexedFunction) -> list[str]:
    """The worker's own load check: Python parameters and binding names must agree, and a
    `context` parameter (passed by the worker, not bound) must be typed as func.Context."""
    try:
        signature = inspect.signature(function.handler)
        hints = typing.get_type_hints(function.handler)
    except (TypeError, ValueError, NameError) as exc:
        return [f"function {function.name!r}: the worker cannot read its signature ({exc})"]
    params = set(signature.parameters)
    bound = {str(b.get("name")) for b in function.bindings} - {"$return"}
    errors = []
    if "context" in params and "context" not in bound:
        params.discard("context")
        annotation = hints.get("context", func.Context)
        if not (isinstance(annotation, type) and annotation.__name__ == "Context"):
            errors.append(f"function {function.name!r}: parameter 'context' must be typed func.Context")
    if params != bound:
        errors.append(
            f"function {function.name!r}: Python parameters {sorted(params)} must be the bindings {sorted(bound)}"
        )
    return errors


def overlapping_routes(functions: Iterable[IndexedFunction], prefix: str = "api") -> list[str]:
    """Pairs of functions with different templates that can both match one path and method.

    The host would pick whichever comes first by name (a literal segment does not reliably win),
    so such a pair is a latent bug even though the host accepts it."""
    http = sorted((f for f in functions if f.trigger is not None), key=lambda f: f.name)
    found = []
    for index, one in enumerate(http):
        for other in http[index + 1 :]:
            if one.route.strip("/").lower() == other.route.strip("/").lower() or not one.methods & other.methods:
                continue
            if templates_overlap(compile_route(prefix, one.route), compile_route(prefix, other.route)):
                found.append(f"functions {one.name!r} ({one.route}) and {other.name!r} ({other.route}) match one path")
    return found


def check_registration(functions: Iterable[IndexedFunction]) -> None:
    errors = registration_errors(functions)
    if errors:
        raise RegistrationError("the Functions host would refuse this app:\n  " + "\n  ".join(errors))


def _same_route_and_method(one: IndexedFunction, other: IndexedFunction) -> bool:
    # The host compares route strings (trimmed of '/', ignoring case), not what they match.
    same_route = one.route.strip("/").lower() == other.route.strip("/").lower()
    return same_route and bool(one.methods & other.methods)
