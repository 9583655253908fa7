"""Azure's resource type definitions (bicep-types-az `types.json` files) and the shape of a Bicep
value as far as it can be known without evaluating it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lark import Token, Tree

from tools.bicep_typecheck.grammar import unquote

# Functions whose result is known to be a string / bool / int (for the value-type rule).
STRING_FUNCTIONS = {
    "to_lower", "to_upper", "format", "guid", "unique_string", "replace", "string_func", "subscription_resource_id",
    "resource_id", "tenant_resource_id", "extension_resource_id", "join", "trim", "uri", "uri_component",
    "base64_func", "load_text_content", "new_guid", "pad_left", "substring", "data_uri", "utc_now",
}
BOOL_FUNCTIONS = {"empty", "contains", "starts_with", "ends_with", "bool_func"}
INT_FUNCTIONS = {"length", "int_func", "index_of", "last_index_of"}
PARAM_KINDS = {"string": "string", "int": "int", "bool": "bool", "object": "object", "array": "array"}


class TypeIndex:
    """Every ResourceType of the bicep-types-az files under `root`, by lower-case type name."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.by_type: dict[str, dict[str, tuple[list[dict[str, Any]], dict[str, Any]]]] = {}
        files = sorted(root.rglob("types.json"))
        if not files:
            raise FileNotFoundError(f"no types.json under {root}")
        for path in files:
            data: list[dict[str, Any]] = json.loads(path.read_text())
            for entry in data:
                if entry.get("$type") != "ResourceType":
                    continue
                type_name, _, version = str(entry["name"]).partition("@")
                self.by_type.setdefault(type_name.lower(), {})[version] = (data, entry)

    def versions(self, type_name: str) -> list[str]:
        return sorted(self.by_type.get(type_name.lower(), {}))

    def body(self, type_name: str, version: str) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        found = self.by_type.get(type_name.lower(), {}).get(version)
        if found is None:
            return None
        data, entry = found
        return data, resolve(data, entry["body"])


def resolve(data: list[dict[str, Any]], ref: dict[str, Any]) -> dict[str, Any]:
    target = ref.get("$ref")
    if target is None:
        return ref
    return data[int(str(target).rsplit("/", 1)[1])]


def describe(data: list[dict[str, Any]], type_def: dict[str, Any]) -> str:
    kind = type_def.get("$type", "?")
    if kind == "StringLiteralType":
        return repr(type_def["value"])
    if kind == "UnionType":
        return " | ".join(describe(data, resolve(data, e)) for e in type_def["elements"])
    return str({
        "StringType": "string", "IntegerType": "int", "BooleanType": "bool", "ArrayType": "array",
        "ObjectType": "object", "DiscriminatedObjectType": "object", "AnyType": "any",
    }.get(kind, kind))



def literal(value: Tree[Token] | Token | None, params: dict[str, str] | None = None) -> tuple[str, Any]:
    """(shape, value): shape is string/int/bool/null/array/object for literals, expr-<type> for
    expressions whose type is evident (a parameter's declared type, some functions and
    operators), unknown otherwise."""
    if not isinstance(value, Tree):
        return "unknown", None
    kind = value.data
    if kind == "string":
        token = value.children[0]
        assert isinstance(token, Token)
        if token.type == "STRING":
            declared = (params or {}).get(str(token))
            return (f"expr-{declared}", None) if declared in PARAM_KINDS.values() else ("unknown", None)
        text = str(token)
        if "${" in text:
            return "expr-string", None
        return "string", unquote(text)
    if kind == "multi_line_string":
        return "string", str(value.children[0])[3:-3]
    if kind == "int":
        return "int", int(str(value.children[0]))
    if kind in {"true", "false"}:
        return "bool", kind == "true"
    if kind == "null":
        return "null", None
    if kind in {"array", "object"}:
        return kind, None
    if kind == "function" and isinstance(value.children[0], Tree):
        name = str(value.children[0].data)
        trailing = [c for c in value.children[0].children if isinstance(c, Token) and c.type == "STRING"]
        if trailing:
            return "unknown", None
        if name in STRING_FUNCTIONS:
            return "expr-string", None
        if name in BOOL_FUNCTIONS:
            return "expr-bool", None
        if name in INT_FUNCTIONS:
            return "expr-int", None
    # Operators stay unknown: pycep's grammar has no precedence (`a == b ? c : d` parses as
    # a == (b ? c : d)), so the outermost operator is not the expression's real type.
    return "unknown", None

