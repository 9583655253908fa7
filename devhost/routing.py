"""Route templates as the Functions host reads them (ASP.NET Core style), compiled to regexes.

Supported: literal segments, `{name}`, optional `{name?}`, catch-all `{*name}`, and the
constraints `int`, `long`, `guid`, `alpha`, `bool`, `minlength(n)`, `maxlength(n)`,
`length(n)`, `regex(...)`. Matching ignores case; a literal segment beats a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "guid": r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
    "alpha": r"[A-Za-z]+",
    "bool": r"(?:true|false)",
}
_PARAM = re.compile(r"^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([^?}]+(?:\([^)]*\))?))?(\?)?\}$")


class RouteTemplateError(ValueError):
    pass


def _constraint_pattern(constraint: str | None) -> str:
    if constraint is None:
        return r"[^/]+"
    if constraint in _CONSTRAINTS:
        return _CONSTRAINTS[constraint]
    match = re.fullmatch(r"(minlength|maxlength|length)\((\d+)\)", constraint)
    if match:
        size = match.group(2)
        return {"minlength": rf"[^/]{{{size},}}", "maxlength": rf"[^/]{{1,{size}}}", "length": rf"[^/]{{{size}}}"}[
            match.group(1)
        ]
    match = re.fullmatch(r"regex\((.*)\)", constraint)
    if match:
        # Route templates escape braces by doubling them; anchors apply to the segment.
        body = match.group(1).replace("{{", "{").replace("}}", "}").removeprefix("^").removesuffix("$")
        return rf"(?:{body})"
    raise RouteTemplateError(f"unsupported route constraint: {constraint}")


@dataclass(frozen=True)
class CompiledRoute:
    template: str
    pattern: re.Pattern[str]
    precedence: tuple[int, ...] = field(compare=False)

    def match(self, path: str) -> dict[str, str] | None:
        # ASP.NET Core routing, which the Functions host uses, ignores one trailing slash.
        found = self.pattern.fullmatch(path[:-1] if len(path) > 1 and path.endswith("/") else path)
        if found is None:
            return None
        return {name: value for name, value in found.groupdict().items() if value is not None}


def compile_route(prefix: str, template: str) -> CompiledRoute:
    segments = [s for s in f"{prefix.strip('/')}/{template.strip('/')}".split("/") if s]
    regex = ""
    precedence: list[int] = []
    for segment in segments:
        param = _PARAM.match(segment)
        if param is None:
            if "{" in segment or "}" in segment:
                raise RouteTemplateError(f"unsupported route segment: {segment}")
            regex += "/" + re.escape(segment)
            precedence.append(0)
            continue
        catch_all, name, constraint, optional = param.groups()
        if catch_all:
            regex += rf"(?:/(?P<{name}>.*))?"
            precedence.append(3)
            continue
        part = rf"/(?P<{name}>{_constraint_pattern(constraint)})"
        regex += f"(?:{part})?" if optional else part
        precedence.append(1 if constraint else 2)
    return CompiledRoute(template, re.compile(regex or "/", re.IGNORECASE), tuple(precedence))
