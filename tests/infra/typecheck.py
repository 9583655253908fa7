"""Offline check of infra/*.bicep against Azure's own resource type definitions.

The real Bicep compiler cannot be installed on these machines, and checkov passes templates
with a misspelled property, a nonexistent API version or an undefined symbol. This module
reads the same data the compiler checks against (bicep-types-az `types.json` files, kept
outside the project in ../shared/azure-types) and applies the compiler's main rules to the
templates as parsed by pycep's grammar (the parser checkov uses, so a file checkov cannot read
fails here too):

- every resource type exists at its API version (or is listed in UNTYPED with a reason);
- every property set exists at that place, is not read-only, has the right JSON type, and a
  literal value satisfies the definition's enum, pattern, length and range (expressions: the
  property name only, plus the type of a parameter used directly);
- every property read from a resource or module output exists (and is not write-only);
- every symbol used is declared (parameter, variable, resource, module, loop variable);
- module parameters exist in the module and the required ones are given.

Symbols and modules are checked even without the type data; the type rules need it.

Run: `.venv/bin/python -m tests.infra.typecheck [infra-dir] [--types DIR]`; exit status 1 with one
line per problem (`file:line: where: message`).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError
from pycep.main import LARK_GRAMMAR

ROOT = Path(__file__).resolve().parents[2]
# ../shared/azure-types; AZURE_TYPES_DIR points elsewhere (e.g. at nothing, to see the skips).
DEFAULT_TYPES = Path(os.environ.get("AZURE_TYPES_DIR") or ROOT.parent / "shared" / "azure-types")

# Resource types allowed without a type definition, each with the reason. The compiler only
# warns (BCP081) for these and checks nothing inside them, so each entry is a blind spot.
UNTYPED: dict[str, str] = {
    "Microsoft.Insights/workbooks": "not in the ../shared/azure-types subset; bicep-types-az defines it under "
    "generated/applicationinsights/microsoft.insights/2023-06-01, so the workflow's compiler checks it; "
    "tests/infra/test_operations_infra.py checks its properties against that definition and its JSON",
}

# Keys Bicep accepts in every resource body besides the type's own properties.
RESOURCE_KEYWORDS = {"parent", "scope", "dependsOn"}
# Functions whose result is known to be a string / bool / int (for the value-type rule).
STRING_FUNCTIONS = {
    "to_lower", "to_upper", "format", "guid", "unique_string", "replace", "string_func", "subscription_resource_id",
    "resource_id", "tenant_resource_id", "extension_resource_id", "join", "trim", "uri", "uri_component",
    "base64_func", "load_text_content", "new_guid", "pad_left", "substring", "data_uri", "utc_now",
}
BOOL_FUNCTIONS = {"empty", "contains", "starts_with", "ends_with", "bool_func"}
INT_FUNCTIONS = {"length", "int_func", "index_of", "last_index_of"}
PARAM_KINDS = {"string": "string", "int": "int", "bool": "bool", "object": "object", "array": "array"}
INDEX = "[]"

_PARSER: Lark | None = None


def parser() -> Lark:
    global _PARSER
    if _PARSER is None:
        _PARSER = Lark(LARK_GRAMMAR, parser="lalr", propagate_positions=True, regex=True, cache=True)
    return _PARSER


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.where}: {self.message}"


class ParseFailure(Exception):
    """A file the pycep grammar rejects: checkov would silently skip it, so it is an error."""


def line_of(node: Tree[Token] | Token | None) -> int:
    if isinstance(node, Token):
        return node.line or 0
    if isinstance(node, Tree):
        return int(getattr(node.meta, "line", 0) or 0)
    return 0


def parse(text: str, name: str) -> Tree[Token]:
    try:
        return parser().parse(text)
    except LarkError as error:
        raise ParseFailure(f"{name}: the pycep grammar cannot parse it: {str(error).splitlines()[0]}") from error


def unquote(text: str) -> str:
    return text[1:-1].replace("\\'", "'") if text.startswith("'") else text


def interpolations(quoted: str) -> list[str]:
    """The `${...}` expressions inside a quoted Bicep string (nested braces and quotes aware)."""
    found: list[str] = []
    i = 0
    while (start := quoted.find("${", i)) != -1:
        depth, j, in_quote = 1, start + 2, False
        while j < len(quoted) and depth:
            ch = quoted[j]
            if ch == "'" and quoted[j - 1] != "\\":
                in_quote = not in_quote
            elif not in_quote and ch == "{":
                depth += 1
            elif not in_quote and ch == "}":
                depth -= 1
            j += 1
        found.append(quoted[start + 2 : j - 1])
        i = j
    return found


# ---------------------------------------------------------------------------------------------
# Type data


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


# ---------------------------------------------------------------------------------------------
# Templates


@dataclass
class Declaration:
    kind: str  # param, var, resource, module, output
    name: str
    line: int
    node: Tree[Token]
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Template:
    path: Path
    label: str
    tree: Tree[Token]
    symbols: dict[str, Declaration]
    outputs: dict[str, Declaration]


def load_template(path: Path, label: str) -> Template:
    tree = parse(path.read_text(), label)
    symbols: dict[str, Declaration] = {}
    outputs: dict[str, Declaration] = {}
    for element in tree.children:
        if not isinstance(element, Tree):
            continue
        kind = str(element.data)
        if kind not in {"param", "var", "resource", "module", "output"}:
            continue
        name_token = element.children[1]
        name = str(name_token)
        declaration = Declaration(kind, name, line_of(name_token), element)
        if kind == "param":
            type_node = element.children[2]
            assert isinstance(type_node, Tree)
            declaration.detail = {"type": str(type_node.children[0]), "default": element.children[3] is not None}
        elif kind == "resource":
            pair = element.children[2]
            assert isinstance(pair, Tree)
            type_name, _, version = unquote(str(pair.children[0])).partition("@")
            declaration.detail = {
                "type": type_name,
                "version": version,
                "existing": element.children[3] is not None,
                "loop": isinstance(element.children[4], Tree) and element.children[4].data == "loop",
            }
        elif kind == "module":
            module_path = element.children[2]
            assert isinstance(module_path, Tree)
            declaration.detail = {
                "path": unquote(str(module_path.children[0])),
                "loop": isinstance(element.children[3], Tree) and element.children[3].data == "loop",
            }
        target = outputs if kind == "output" else symbols
        if name in target:
            raise ParseFailure(f"{label}:{declaration.line}: '{name}' is declared twice")
        target[name] = declaration
    return Template(path, label, tree, symbols, outputs)


def body_object(value: Tree[Token] | Token | None) -> tuple[Tree[Token] | None, list[Tree[Token]]]:
    """The object literal of a resource or module value, and the loop nodes wrapped around it."""
    loops: list[Tree[Token]] = []
    while isinstance(value, Tree) and value.data in {"loop", "deploy_condition"}:
        if value.data == "loop":
            loops.append(value)
        value = value.children[-1]
    if isinstance(value, Tree) and value.data == "object":
        return value, loops
    return None, loops


def pairs(obj: Tree[Token]) -> Iterator[tuple[str, Tree[Token] | Token, int]]:
    for pair in obj.children:
        if isinstance(pair, Tree) and pair.data == "pair":
            key_node, value = pair.children[0], pair.children[1]
            assert isinstance(key_node, Tree) and value is not None
            key = unquote(str(key_node.children[0]))
            yield key, value, line_of(key_node)


def is_identifier(node: object) -> bool:
    return (
        isinstance(node, Tree)
        and node.data == "string"
        and isinstance(node.children[0], Token)
        and node.children[0].type == "STRING"
    )


def tail_segments(node: Tree[Token] | Token, expressions: list[Tree[Token] | Token]) -> list[str]:
    """Property names after the first `.` of an accessor chain (the grammar nests to the right)."""
    if is_identifier(node):
        assert isinstance(node, Tree)
        return [str(node.children[0])]
    if isinstance(node, Tree) and node.data == "operator":
        inner = node.children[0]
        if isinstance(inner, Tree) and inner.data not in {"property_accessor", "index_accessor"} and inner.children:
            # `a.b == c` parses as a.(b == c): the first operand continues the chain.
            expressions.extend(c for c in inner.children[1:] if c is not None)
            return tail_segments(inner.children[0], expressions)
        return tail_segments(inner, expressions)
    if isinstance(node, Tree) and node.data == "property_accessor":
        return tail_segments(node.children[0], expressions) + tail_segments(node.children[1], expressions)
    if isinstance(node, Tree) and node.data == "index_accessor":
        expressions.append(node.children[1])
        return [*tail_segments(node.children[0], expressions), INDEX]
    expressions.append(node)
    return ["?"]


def accessor_chain(node: Tree[Token] | Token, expressions: list[Tree[Token] | Token]) -> tuple[str | None, list[str]]:
    """(base symbol, segments) of `a.b[i].c`; expressions inside it are appended for the walk."""
    if isinstance(node, Tree) and node.data == "operator":
        return accessor_chain(node.children[0], expressions)
    if is_identifier(node):
        assert isinstance(node, Tree)
        return str(node.children[0]), []
    if isinstance(node, Tree) and node.data == "property_accessor":
        base, segments = accessor_chain(node.children[0], expressions)
        return base, segments + tail_segments(node.children[1], expressions)
    if isinstance(node, Tree) and node.data == "index_accessor":
        expressions.append(node.children[1])
        base, segments = accessor_chain(node.children[0], expressions)
        return base, [*segments, INDEX]
    expressions.append(node)
    return None, []


class Checker:
    def __init__(self, infra: Path, types: TypeIndex | None) -> None:
        self.infra = infra
        self.types = types
        self.problems: list[Problem] = []
        self.templates: dict[Path, Template] = {}
        self.used: set[tuple[Path, str]] = set()

    # -- bookkeeping -----------------------------------------------------------------------

    def report(self, template: Template, line: int, where: str, message: str) -> None:
        self.problems.append(Problem(template.label, line, where, message))

    def template(self, path: Path) -> Template | None:
        path = path.resolve()
        if path not in self.templates:
            label = str(path.relative_to(self.infra.resolve().parent)) if path.is_relative_to(
                self.infra.resolve().parent) else str(path)
            try:
                self.templates[path] = load_template(path, label)
            except ParseFailure as failure:
                self.problems.append(Problem(label, 0, "parse", str(failure)))
                return None
        return self.templates[path]

    def run(self) -> list[Problem]:
        files = sorted(self.infra.rglob("*.bicep"))
        if not files:
            self.problems.append(Problem(str(self.infra), 0, "files", "no .bicep file found"))
        for path in files:
            template = self.template(path)
            if template is not None:
                self.check_template(template)
        return self.problems

    def param_types(self, template: Template) -> dict[str, str]:
        return {
            d.name: PARAM_KINDS[d.detail["type"]]
            for d in template.symbols.values()
            if d.kind == "param" and d.detail["type"] in PARAM_KINDS
        }

    # -- per template ----------------------------------------------------------------------

    def check_template(self, template: Template) -> None:
        scope = set(template.symbols)
        for declaration in [*template.symbols.values(), *template.outputs.values()]:
            element = declaration.node
            if declaration.kind == "param":
                self.walk(template, element.children[3], scope, declaration.name)
            elif declaration.kind in {"var", "output"}:
                self.walk(template, element.children[-1], scope, declaration.name)
            elif declaration.kind == "resource":
                self.walk(template, element.children[4], scope, f"resource '{declaration.name}'")
                self.check_resource(template, declaration)
            elif declaration.kind == "module":
                self.walk(template, element.children[3], scope, f"module '{declaration.name}'")
                self.check_module(template, declaration)
        # The linter rules no-unused-params/-vars/-existing-resources (errors in bicepconfig.json).
        for declaration in template.symbols.values():
            unused = (template.path, declaration.name) not in self.used
            if unused and (declaration.kind in {"param", "var"} or (
                    declaration.kind == "resource" and declaration.detail["existing"])):
                kind = "existing resource" if declaration.kind == "resource" else declaration.kind
                self.report(template, declaration.line, declaration.name, f"{kind} '{declaration.name}' is never used")

    def walk(self, template: Template, node: Tree[Token] | Token | None, scope: set[str], where: str) -> None:
        """Undefined symbols, property reads and interpolated expressions, recursively."""
        if node is None or isinstance(node, Token):
            return
        kind = node.data
        if kind == "string":
            token = node.children[0]
            assert isinstance(token, Token)
            if token.type == "STRING":
                self.check_symbol(template, str(token), [], scope, where, line_of(token))
            else:
                for expression in interpolations(str(token)):
                    try:
                        inner = parser().parse(f"var interpolated = {expression}\n")
                    except LarkError:
                        self.report(template, line_of(token), where, f"cannot parse interpolation ${{{expression}}}")
                        continue
                    for child in inner.children:
                        if isinstance(child, Tree):
                            self.walk_shifted(template, child.children[-1], scope, where, line_of(token))
            return
        if kind == "pair":
            self.walk(template, node.children[1], scope, where)
            return
        if kind == "operator" and isinstance(node.children[0], Tree) and node.children[0].data in {
            "property_accessor", "index_accessor"}:
            expressions: list[Tree[Token] | Token] = []
            base, segments = accessor_chain(node, expressions)
            if base is not None:
                self.check_symbol(template, base, segments, scope, where, line_of(node))
            for inner_node in expressions:
                self.walk(template, inner_node, scope, where)
            return
        if kind == "loop":
            header = node.children[0]
            assert isinstance(header, Tree)
            inner_scope = set(scope)
            for child in header.children:
                if isinstance(child, Token):
                    inner_scope.add(str(child))
                else:
                    self.walk(template, child, scope, where)
            for child in node.children[1:]:
                self.walk(template, child, inner_scope, where)
            return
        for child in node.children:
            self.walk(template, child, scope, where)

    def walk_shifted(
        self, template: Template, node: Tree[Token] | Token | None, scope: set[str], where: str, line: int
    ) -> None:
        before = len(self.problems)
        self.walk(template, node, scope, where)
        for index in range(before, len(self.problems)):
            problem = self.problems[index]
            self.problems[index] = Problem(problem.file, line, problem.where, problem.message)

    def check_symbol(
        self, template: Template, name: str, segments: list[str], scope: set[str], where: str, line: int
    ) -> None:
        if name not in scope:
            close = difflib.get_close_matches(name, scope, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.report(template, line, where, f"undefined symbol '{name}'{hint}")
            return
        self.used.add((template.path, name))
        declaration = template.symbols.get(name)
        if declaration is None or not segments:
            return
        if declaration.kind == "resource":
            self.check_read(template, declaration, segments, where, line)
        elif declaration.kind == "module":
            self.check_module_read(template, declaration, segments, where, line)

    # -- resources -------------------------------------------------------------------------

    def resource_type(
        self, template: Template, declaration: Declaration, report: bool
    ) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        if self.types is None:
            return None
        type_name, version = declaration.detail["type"], declaration.detail["version"]
        found = self.types.body(type_name, version)
        if found is None and report:
            where = f"resource '{declaration.name}' ({type_name}@{version})"
            known = self.types.versions(type_name)
            if known:
                self.report(
                    template, declaration.line, where,
                    f"API version '{version}' does not exist for {type_name} (type data has: {', '.join(known)})",
                )
            elif type_name.lower() not in {t.lower() for t in UNTYPED}:
                self.report(
                    template, declaration.line, where,
                    f"resource type {type_name} has no type definition in {self.types.root.name}; "
                    "add it to UNTYPED with a reason if that is intended",
                )
        return found

    def check_resource(self, template: Template, declaration: Declaration) -> None:
        found = self.resource_type(template, declaration, report=True)
        obj, _ = body_object(declaration.node.children[4])
        where = f"resource '{declaration.name}' ({declaration.detail['type']}@{declaration.detail['version']})"
        if obj is None:
            self.report(template, declaration.line, where, "resource body is not an object literal")
            return
        for child in obj.children:
            if isinstance(child, Tree) and child.data == "child_resource":
                self.report(template, line_of(child), where, "nested resource declarations are not checked here; "
                            "declare the child at top level with `parent:`")
        if found is None:
            return
        data, body = found
        allowed_extra = set(RESOURCE_KEYWORDS)
        if declaration.detail["existing"]:
            for key, _, line in pairs(obj):
                if key not in {"name", "scope", "parent"}:
                    self.report(template, line, where, f"'{key}' cannot be set on an existing resource")
            return
        self.check_object(template, data, body, obj, where, "", allowed_extra)

    def check_object(
        self,
        template: Template,
        data: list[dict[str, Any]],
        type_def: dict[str, Any],
        obj: Tree[Token],
        where: str,
        path: str,
        extra_keys: set[str] | None = None,
    ) -> None:
        properties, additional = self.object_properties(data, type_def, obj)
        given = {key for key, _, _ in pairs(obj)}
        for key, value, line in pairs(obj):
            place = f"{path}.{key}" if path else key
            if extra_keys and key in extra_keys:
                continue
            spec = properties.get(key)
            if spec is None:
                if additional is not None:
                    self.check_value(template, data, additional, value, where, place, line)
                    continue
                close = difflib.get_close_matches(key, properties, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.report(template, line, where, f"property '{place}' does not exist at this level{hint}")
                continue
            flags = int(spec.get("flags", 0))
            if flags & 2:
                self.report(template, line, where, f"property '{place}' is read-only and cannot be set")
                continue
            self.check_value(template, data, spec["type"], value, where, place, line)
        for key, spec in properties.items():
            if int(spec.get("flags", 0)) & 1 and not int(spec.get("flags", 0)) & 2 and key not in given:
                self.report(template, line_of(obj), where, f"required property '{path + '.' if path else ''}{key}' "
                            "is missing")

    def object_properties(
        self, data: list[dict[str, Any]], type_def: dict[str, Any], obj: Tree[Token] | None
    ) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None]:
        """Properties of an object type; for a discriminated one, of the element its literal picks."""
        if type_def.get("$type") == "ObjectType":
            additional = type_def.get("additionalProperties")
            return dict(type_def.get("properties", {})), additional
        if type_def.get("$type") != "DiscriminatedObjectType":
            return {}, None
        discriminator = type_def["discriminator"]
        chosen: str | None = None
        if obj is not None:
            for key, value, _ in pairs(obj):
                if key == discriminator and literal(value)[0] == "string":
                    chosen = str(literal(value)[1])
        merged: dict[str, dict[str, Any]] = dict(type_def.get("baseProperties", {}))
        elements = type_def["elements"]
        picked = [elements[chosen]] if chosen in elements else list(elements.values())
        for ref in picked:
            merged.update(resolve(data, ref).get("properties", {}))
        if chosen is not None and chosen not in elements:
            # Let the discriminator's own value check report it with the allowed values.
            allowed = [{"$type": "StringLiteralType", "value": v} for v in elements]
            merged[discriminator] = {"type": {"$type": "UnionType", "elements": allowed}, "flags": 1}
        return merged, None

    def check_value(
        self,
        template: Template,
        data: list[dict[str, Any]],
        ref: dict[str, Any],
        value: Tree[Token] | Token,
        where: str,
        place: str,
        line: int,
    ) -> None:
        type_def = resolve(data, ref)
        kind = type_def.get("$type")
        if kind in {"AnyType", None}:
            return
        if isinstance(value, Tree) and value.data == "loop":
            if kind != "ArrayType":
                self.report(template, line, where, f"property '{place}' expects {describe(data, type_def)}, got a loop")
                return
            body, _ = body_object(value)
            if body is not None:
                self.check_value(template, data, type_def["itemType"], body, where, f"{place}[]", line)
            return
        shape, literal_value = literal(value, self.param_types(template))
        if kind == "UnionType":
            members = [resolve(data, e) for e in type_def["elements"]]
            if not any(self.accepts(data, member, value, shape, literal_value) for member in members):
                shown = literal_value if shape in {"string", "int", "bool"} else f"a value of type {shape}"
                self.report(template, line, where, f"property '{place}' value {shown!r} is not allowed; "
                            f"expected {describe(data, type_def)}")
            else:
                objects = [m for m in members if m.get("$type") in {"ObjectType", "DiscriminatedObjectType"}]
                if shape == "object" and len(objects) == 1 and isinstance(value, Tree):
                    self.check_object(template, data, objects[0], value, where, place)
            return
        if kind in {"ObjectType", "DiscriminatedObjectType"} and shape == "object":
            assert isinstance(value, Tree)
            self.check_object(template, data, type_def, value, where, place)
            return
        if kind == "ArrayType" and shape == "array":
            assert isinstance(value, Tree)
            for item in value.children:
                if isinstance(item, Tree | Token):
                    self.check_value(template, data, type_def["itemType"], item, where, f"{place}[]", line)
            self.check_bounds(template, type_def, len(value.children), where, place, line, "items")
            return
        if not self.accepts(data, type_def, value, shape, literal_value):
            shown = repr(literal_value) if shape in {"string", "int", "bool"} else f"a value of type {shape}"
            self.report(template, line, where, f"property '{place}' expects {describe(data, type_def)}, got {shown}")

    def accepts(
        self, data: list[dict[str, Any]], type_def: dict[str, Any], value: Tree[Token] | Token,
        shape: str, literal_value: Any,
    ) -> bool:
        """Whether a value of this shape (and literal value, if any) fits the type."""
        kind = type_def.get("$type")
        if shape == "unknown" or kind == "AnyType":
            return True
        if shape == "null":
            return True
        expected = {
            "StringType": "string", "StringLiteralType": "string", "IntegerType": "int", "BooleanType": "bool",
            "ArrayType": "array", "ObjectType": "object", "DiscriminatedObjectType": "object",
        }.get(str(kind))
        if kind == "UnionType":
            return any(self.accepts(data, resolve(data, e), value, shape, literal_value) for e in type_def["elements"])
        base_shape = shape.removeprefix("expr-")
        if expected != base_shape:
            return False
        if shape.startswith("expr-"):
            return True
        if kind == "StringLiteralType":
            return bool(literal_value == type_def["value"])
        if kind == "StringType" and isinstance(literal_value, str):
            if len(literal_value) < int(type_def.get("minLength", 0)):
                return False
            if "maxLength" in type_def and len(literal_value) > int(type_def["maxLength"]):
                return False
            pattern = type_def.get("pattern")
            if pattern:
                try:
                    return re.search(str(pattern), literal_value) is not None
                except re.error:
                    return True  # a .NET-only construct: the compiler decides
        if kind == "IntegerType" and isinstance(literal_value, int):
            return int(type_def.get("minValue", literal_value)) <= literal_value <= int(
                type_def.get("maxValue", literal_value))
        return True

    def check_bounds(
        self, template: Template, type_def: dict[str, Any], count: int, where: str, place: str, line: int, what: str
    ) -> None:
        if count < int(type_def.get("minLength", 0)) or count > int(type_def.get("maxLength", count)):
            self.report(template, line, where, f"property '{place}' has {count} {what}, outside the allowed range")

    # -- reads -----------------------------------------------------------------------------

    def check_read(self, template: Template, declaration: Declaration, segments: list[str], where: str,
                   line: int) -> None:
        found = self.resource_type(template, declaration, report=False)
        if found is None:
            return
        data, type_def = found
        if declaration.detail["loop"] and segments and segments[0] == INDEX:
            segments = segments[1:]
        obj, _ = body_object(declaration.node.children[4])
        walked: list[str] = []
        current: dict[str, Any] | None = type_def
        for position, segment in enumerate(segments):
            if current is None or segment == "?":
                return
            kind = current.get("$type")
            if segment == INDEX:
                current = resolve(data, current["itemType"]) if kind == "ArrayType" else None
                walked.append(INDEX)
                continue
            if kind not in {"ObjectType", "DiscriminatedObjectType"}:
                return
            properties, additional = self.object_properties(data, current, obj if position == 0 else None)
            spec = properties.get(segment)
            walked.append(segment)
            if spec is None:
                if additional is not None:
                    current = resolve(data, additional)
                    continue
                close = difflib.get_close_matches(segment, properties, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.report(template, line, where, f"'{declaration.name}.{'.'.join(walked)}' reads a property that "
                            f"{declaration.detail['type']}@{declaration.detail['version']} does not have{hint}")
                return
            if int(spec.get("flags", 0)) & 4:
                self.report(template, line, where,
                            f"'{declaration.name}.{'.'.join(walked)}' is write-only and cannot be read")
                return
            current = resolve(data, spec["type"])

    def check_module_read(self, template: Template, declaration: Declaration, segments: list[str], where: str,
                          line: int) -> None:
        if declaration.detail["loop"] and segments and segments[0] == INDEX:
            segments = segments[1:]
        if not segments or segments[0] == "name":
            return
        if segments[0] != "outputs":
            self.report(template, line, where, f"module '{declaration.name}' has no property '{segments[0]}'")
            return
        module = self.template(template.path.parent / declaration.detail["path"])
        if module is None or len(segments) < 2:
            return
        if segments[1] not in module.outputs:
            self.report(template, line, where, f"module '{declaration.name}' ({declaration.detail['path']}) has no "
                        f"output '{segments[1]}' (outputs: {', '.join(sorted(module.outputs))})")

    # -- modules ---------------------------------------------------------------------------

    def check_module(self, template: Template, declaration: Declaration) -> None:
        where = f"module '{declaration.name}'"
        target = template.path.parent / declaration.detail["path"]
        if not target.exists():
            self.report(template, declaration.line, where, f"module file {declaration.detail['path']} does not exist")
            return
        module = self.template(target)
        obj, _ = body_object(declaration.node.children[3])
        if module is None or obj is None:
            return
        params = {d.name: d for d in module.symbols.values() if d.kind == "param"}
        given: dict[str, tuple[Tree[Token] | Token, int]] = {}
        for key, value, line in pairs(obj):
            if key == "params" and isinstance(value, Tree) and value.data == "object":
                given = {k: (v, ln) for k, v, ln in pairs(value)}
            elif key not in {"name", "scope", "dependsOn", "params"}:
                self.report(template, line, where, f"'{key}' is not a module property")
        for name, (value, line) in given.items():
            param = params.get(name)
            if param is None:
                self.report(template, line, where, f"parameter '{name}' is not declared in "
                            f"{declaration.detail['path']}")
                continue
            shape, _ = literal(value, self.param_types(template))
            expected = PARAM_KINDS.get(param.detail["type"])
            actual = shape.removeprefix("expr-")
            if expected and actual not in {"unknown", "null", expected}:
                self.report(template, line, where, f"parameter '{name}' expects {expected}, got {actual}")
        for name, param in params.items():
            if not param.detail["default"] and name not in given:
                self.report(template, declaration.line, where,
                            f"required parameter '{name}' of {declaration.detail['path']} is not given")


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


def check(infra: Path, types_dir: Path | None) -> tuple[list[Problem], bool]:
    """Problems found, and whether the type rules ran (False when the type data is absent)."""
    types = TypeIndex(types_dir) if types_dir is not None and types_dir.is_dir() else None
    return Checker(infra, types).run(), types is not None


def main(argv: Iterable[str] | None = None) -> int:
    parser_ = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser_.add_argument("infra", nargs="?", default=str(ROOT / "infra"))
    parser_.add_argument("--types", default=str(DEFAULT_TYPES))
    args = parser_.parse_args(list(argv) if argv is not None else None)
    types_dir = Path(args.types)
    problems, typed = check(Path(args.infra), types_dir if types_dir.is_dir() else None)
    for problem in problems:
        print(problem)
    if not typed:
        print(f"bicep type check: SKIPPED the type rules: no type data at {types_dir} (symbols and modules checked)")
    if problems:
        print(f"bicep type check FAILED: {len(problems)} problem(s)")
        return 1
    print(f"bicep type check: {len(list(Path(args.infra).rglob('*.bicep')))} files clean"
          + (" against Azure's type definitions" if typed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
