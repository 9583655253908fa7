"""The checker: reads every template under an infra folder and reports undefined symbols, unused
declarations, resource types and API versions without a definition, property reads that do not
exist, module parameters and outputs, and (through PropertyRules) every property set."""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any

from lark import Token, Tree
from lark.exceptions import LarkError

from tools.bicep_typecheck.diagnostics import CATEGORIES
from tools.bicep_typecheck.grammar import (
    INDEX,
    Declaration,
    ParseFailure,
    Problem,
    Template,
    accessor_chain,
    body_object,
    interpolations,
    line_of,
    load_template,
    pairs,
    parser,
)
from tools.bicep_typecheck.policies import check_policies
from tools.bicep_typecheck.provider_rules import ProviderRules
from tools.bicep_typecheck.rules import PropertyRules
from tools.bicep_typecheck.typedata import PARAM_KINDS, TypeIndex, literal, resolve

ROOT = Path(__file__).resolve().parents[2]
# ../shared/azure-types; AZURE_TYPES_DIR points elsewhere (e.g. at nothing, to see the skips).
DEFAULT_TYPES = Path(os.environ.get("AZURE_TYPES_DIR") or ROOT.parent / "shared" / "azure-types")

# Resource types allowed without a type definition, each with the reason. The compiler only
# warns (BCP081) for these and checks nothing inside them, so each entry is a blind spot.
# (Empty since the workbook type joined the type data: every resource type in infra/ is checked.)
UNTYPED: dict[str, str] = {}

# Resource type prefixes that come from a Bicep extension rather than Azure Resource Manager, and
# the extension a template must declare for them (its alias in bicepconfig.json).
EXTENSION_TYPES = {"Microsoft.Graph/": "microsoftGraphV1"}

# Keys Bicep accepts in every resource body besides the type's own properties.
RESOURCE_KEYWORDS = {"parent", "scope", "dependsOn"}


class Checker(PropertyRules, ProviderRules):
    """One run over an infra folder; `run()` returns every problem found."""

    def __init__(self, infra: Path, types: TypeIndex | None) -> None:
        self.infra = infra
        self.types = types
        self.problems: list[Problem] = []
        self.templates: dict[Path, Template] = {}
        self.used: set[tuple[Path, str]] = set()

    # -- bookkeeping -----------------------------------------------------------------------

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


    # -- per template ----------------------------------------------------------------------

    def check_extensions(self, template: Template) -> None:
        """Each extension is configured in bicepconfig.json, and resources of an extension's types
        are only declared where the template declares that extension (BCP081/BCP208 otherwise)."""
        config_file = self.infra / "bicepconfig.json"
        configured = set(json.loads(config_file.read_text()).get("extensions", {})) if config_file.exists() else set()
        for name in template.extensions:
            if name not in configured:
                self.report(template, 0, f"extension '{name}'", "not configured under 'extensions' in bicepconfig.json")
        for declaration in template.symbols.values():
            if declaration.kind != "resource":
                continue
            for prefix, extension in EXTENSION_TYPES.items():
                if declaration.detail["type"].startswith(prefix) and extension not in template.extensions:
                    self.report(template, declaration.line, f"resource '{declaration.name}'",
                                f"{declaration.detail['type']} needs `extension {extension}` in this file")

    def check_template(self, template: Template) -> None:
        self.check_extensions(template)
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
        self.check_child_name(template, declaration, obj, where)
        if str(declaration.detail["type"]).lower() == "microsoft.insights/diagnosticsettings":
            self.check_diagnostic_categories(template, obj, where)
        if str(declaration.detail["type"]).lower() == "microsoft.insights/scheduledqueryrules":
            self.check_log_alert_windows(template, obj, where)  # provider_rules.py
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


    def check_child_name(self, template: Template, declaration: Declaration, obj: Tree[Token], where: str) -> None:
        """Bicep's structural rules for child resources: with `parent:` the name is the child's own
        segment, without any '/' (BCP170), and the parent is of the type one level up; without
        `parent:` a nested type's name has one segment per level (BCP169)."""
        type_name = str(declaration.detail["type"])
        if type_name.startswith(tuple(EXTENSION_TYPES)):
            return  # extension resources have no ARM name
        levels = len(type_name.split("/")) - 1  # Microsoft.Web/sites/config: 2
        given = {key: (value, line) for key, value, line in pairs(obj)}
        name = given.get("name")
        static = None
        if name is not None:
            value, _ = self.through_variables(template, name[0])
            static = _name_skeleton(value)
        if "parent" in given:
            if static is not None and "/" in static:
                self.report(template, name[1] if name else declaration.line, f"{where}.name",
                            "a child resource declared with `parent:` must not have '/' in its name: give only its "
                            "own segment (BCP170)")
            expressions: list[Tree[Token] | Token] = []
            base, _ = accessor_chain(given["parent"][0], expressions)
            parent = template.symbols.get(base or "")
            if parent is not None and parent.kind == "resource":
                expected = type_name.rsplit("/", 1)[0]
                if str(parent.detail["type"]).lower() != expected.lower():
                    self.report(template, given["parent"][1], f"{where}.parent",
                                f"parent '{parent.name}' is a {parent.detail['type']}, not a {expected}")
        elif static is not None and levels > 1 and static.count("/") != levels - 1:
            self.report(template, name[1] if name else declaration.line, f"{where}.name",
                        f"the name of a {type_name} declared without `parent:` needs {levels} segments "
                        f"separated by '/' (BCP169); or declare it with `parent:`")

    def check_diagnostic_categories(self, template: Template, obj: Tree[Token], where: str) -> None:
        """Each log category, category group and metric category exists for the type of the
        resource the setting is scoped to (tools/bicep_typecheck/diagnostics.py)."""
        given = {key: (value, line) for key, value, line in pairs(obj)}
        scope = given.get("scope")
        if scope is None:
            return
        target = template.symbols.get(accessor_chain(scope[0], [])[0] or "")
        if target is None or target.kind != "resource":
            return
        target_type = str(target.detail["type"])
        known = CATEGORIES.get(target_type.lower())
        if known is None:
            self.report(template, scope[1], f"{where}.scope", f"no documented diagnostic categories for {target_type}"
                        " in tools/bicep_typecheck/diagnostics.py: add them before scoping a setting to it")
            return
        logs, groups, metrics = known
        properties = given.get("properties")
        if properties is None or not isinstance(properties[0], Tree) or properties[0].data != "object":
            return
        for section, value, _ in pairs(properties[0]):
            if section not in {"logs", "metrics"}:
                continue
            items, via = self.through_variables(template, value)
            if not isinstance(items, Tree) or items.data != "array":
                continue
            for item in items.children:
                if not isinstance(item, Tree) or item.data != "object":
                    continue
                for key, entry, line in pairs(item):
                    shape, text = literal(entry)
                    allowed = {("logs", "category"): logs, ("logs", "categoryGroup"): groups,
                               ("metrics", "category"): metrics}.get((section, key))
                    if allowed is None or shape != "string" or text in allowed:
                        continue
                    place = f"properties.{section}[].{key}" + (f" <- var {' <- var '.join(via)}" if via else "")
                    self.report(template, line, where, f"property '{place}' value {text!r} is not a diagnostic "
                                f"{'group' if key == 'categoryGroup' else 'category'} of {target_type} (documented: "
                                f"{', '.join(sorted(allowed)) or 'none'})")

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


def _name_skeleton(value: Tree[Token] | Token) -> str | None:
    """A name's text with each interpolation as one opaque segment (None: not a string literal)."""
    if not (isinstance(value, Tree) and value.data == "string"):
        return None
    token = value.children[0]
    if not isinstance(token, Token) or token.type == "STRING":
        return None
    text = str(token)
    for expression in interpolations(text):
        text = text.replace("${" + expression + "}", "x", 1)
    return text[1:-1]


def check(infra: Path, types_dir: Path | None) -> tuple[list[Problem], bool]:
    """Problems found, and whether the type rules ran (False when the type data is absent)."""
    types = TypeIndex(types_dir) if types_dir is not None and types_dir.is_dir() else None
    return Checker(infra, types).run() + check_policies(infra), types is not None

