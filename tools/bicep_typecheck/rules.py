"""The property rules of the type check: every key set in a resource body exists at its place,
is not read-only, and its value fits the type definition (enum, pattern, length, range)."""

from __future__ import annotations

import difflib
import re
from typing import Any

from lark import Token, Tree

from tools.bicep_typecheck.grammar import Problem, Template, body_object, interpolations, line_of, pairs, unquote
from tools.bicep_typecheck.typedata import PARAM_KINDS, describe, literal, resolve


class PropertyRules:
    """Checks of object literals against type definitions; the Checker adds templates and symbols."""

    problems: list[Problem]

    def report(self, template: Template, line: int, where: str, message: str) -> None:
        self.problems.append(Problem(template.label, line, where, message))

    def through_variables(
        self, template: Template, value: Tree[Token] | Token
    ) -> tuple[Tree[Token] | Token, list[str]]:
        """A value with the variables it names replaced by their own values, as the compiler's
        types flow through `var` (an object, an array, a literal, another variable), and the
        variables passed through; a static interpolation becomes the string it always is."""
        seen: list[str] = []
        while (isinstance(value, Tree) and value.data == "string" and isinstance(value.children[0], Token)
               and value.children[0].type == "STRING"):
            declaration = template.symbols.get(str(value.children[0]))
            if declaration is None or declaration.kind != "var" or declaration.name in seen:
                break
            seen.append(declaration.name)
            resolved = declaration.node.children[-1]
            assert isinstance(resolved, Tree | Token)
            value = resolved
        static = self.static_string(template, value)
        if static is not None and isinstance(value, Tree):
            value = Tree("string", [Token("QUOTED_INTERPOLATION", "'" + static.replace("'", "\\'") + "'")], value.meta)
        return value, seen

    def static_string(self, template: Template, value: Tree[Token] | Token, depth: int = 0) -> str | None:
        """The value of an interpolated string whose every expression is a variable holding a
        static string (`'${prefix}-x'` with `var prefix = 'a'`), else None."""
        if depth > 10 or not (isinstance(value, Tree) and value.data == "string"):
            return None
        token = value.children[0]
        if not isinstance(token, Token) or token.type == "STRING" or "${" not in str(token):
            return None
        text = str(token)
        for expression in interpolations(text):
            declaration = template.symbols.get(expression.strip())
            if declaration is None or declaration.kind != "var":
                return None
            inner = declaration.node.children[-1]
            if not isinstance(inner, Tree | Token):
                return None
            shape, known = literal(inner)
            piece = str(known) if shape in {"string", "int"} else self.static_string(template, inner, depth + 1)
            if piece is None:
                return None
            text = text.replace("${" + expression + "}", piece, 1)
        return unquote(text)

    def param_types(self, template: Template) -> dict[str, str]:
        return {
            d.name: PARAM_KINDS[d.detail["type"]]
            for d in template.symbols.values()
            if d.kind == "param" and d.detail["type"] in PARAM_KINDS
        }

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
        value, via = self.through_variables(template, value)
        if via:
            place = f"{place} <- var {' <- var '.join(via)}"
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
