"""Bicep source as pycep's grammar reads it: the parser, the declarations of a template and the
helpers that walk object literals and accessor chains (`a.b[i].c`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError
from pycep.main import LARK_GRAMMAR

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


# `extension <name>` (Bicep extensions such as Microsoft Graph): pycep's grammar has no rule for it.
EXTENSION_LINE = re.compile(r"^extension[ \t]+(\S+)[ \t]*$", re.MULTILINE)


def extensions(text: str) -> list[str]:
    """The extensions a template declares (`extension microsoftGraphV1`)."""
    return EXTENSION_LINE.findall(text)


def bicep_source(path: Path) -> str:
    """A template's text as pycep's grammar can read it: each `extension` line blanked (line
    numbers kept). Its resources are then checked like any other against their type data."""
    return EXTENSION_LINE.sub("", path.read_text())


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
    extensions: list[str] = field(default_factory=list)


def load_template(path: Path, label: str) -> Template:
    tree = parse(bicep_source(path), label)
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
    return Template(path, label, tree, symbols, outputs, extensions(path.read_text()))


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
