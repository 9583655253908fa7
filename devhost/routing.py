"""Route templates as the Functions host reads them (ASP.NET Core style), compiled to regexes.

Supported: literal segments, `{name}`, optional `{name?}`, catch-all `{*name}`, and the
constraints `int`, `long`, `guid`, `alpha`, `bool`, `minlength(n)`, `maxlength(n)`,
`length(n)`, `regex(...)`. Matching ignores case. There is no precedence here: the host tries
functions in name order and takes the first match (see devhost.server), and templates_overlap
finds the pairs of templates for which that order would decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
class Segment:
    """One template segment: a literal, or a parameter with its pattern."""

    literal: str | None = None
    pattern: str = ""
    constraint: str | None = None
    optional: bool = False
    catch_all: bool = False


@dataclass(frozen=True)
class CompiledRoute:
    template: str
    pattern: re.Pattern[str]
    segments: tuple[Segment, ...] = ()

    def match(self, path: str) -> dict[str, str] | None:
        # ASP.NET Core routing, which the Functions host uses, ignores one trailing slash.
        found = self.pattern.fullmatch(path[:-1] if len(path) > 1 and path.endswith("/") else path)
        if found is None:
            return None
        return {name: value for name, value in found.groupdict().items() if value is not None}


def compile_route(prefix: str, template: str) -> CompiledRoute:
    segments = [s for s in f"{prefix.strip('/')}/{template.strip('/')}".split("/") if s]
    regex = ""
    parsed: list[Segment] = []
    for segment in segments:
        param = _PARAM.match(segment)
        if param is None:
            if "{" in segment or "}" in segment:
                raise RouteTemplateError(f"unsupported route segment: {segment}")
            regex += "/" + re.escape(segment)
            parsed.append(Segment(literal=segment))
            continue
        catch_all, name, constraint, optional = param.groups()
        if catch_all:
            regex += rf"(?:/(?P<{name}>.*))?"
            parsed.append(Segment(pattern=".*", catch_all=True))
            continue
        pattern = _constraint_pattern(constraint)
        part = rf"/(?P<{name}>{pattern})"
        regex += f"(?:{part})?" if optional else part
        parsed.append(Segment(pattern=pattern, constraint=constraint, optional=bool(optional)))
    return CompiledRoute(template, re.compile(regex or "/", re.IGNORECASE), tuple(parsed))


# Values that satisfy each built-in constraint; two constrained parameters overlap when one
# value satisfies both. Other constraints (lengths, regexes) are assumed to overlap.
_SAMPLES = ("0", "12", "-1", "a", "abc", "true", "false", "0123456789abcdef0123456789abcdef")


def _segments_overlap(one: Segment, other: Segment) -> bool:
    if one.literal is not None and other.literal is not None:
        return one.literal.lower() == other.literal.lower()
    if one.literal is not None or other.literal is not None:
        literal, param = (one, other) if one.literal is not None else (other, one)
        return re.fullmatch(param.pattern, literal.literal or "", re.IGNORECASE) is not None
    if one.constraint in _CONSTRAINTS and other.constraint in _CONSTRAINTS:
        return any(
            re.fullmatch(one.pattern, s, re.IGNORECASE) and re.fullmatch(other.pattern, s, re.IGNORECASE)
            for s in _SAMPLES
        )
    return True


def _only_optional(segments: tuple[Segment, ...]) -> bool:
    return all(s.optional or s.catch_all for s in segments)


def _overlap(one: tuple[Segment, ...], other: tuple[Segment, ...]) -> bool:
    if not one or not other:
        return _only_optional(one) and _only_optional(other)
    if one[0].catch_all or other[0].catch_all:
        return True  # a catch-all takes whatever the other template leaves (or nothing)
    if one[0].optional and _overlap(one[1:], other):
        return True
    if other[0].optional and _overlap(one, other[1:]):
        return True
    return _segments_overlap(one[0], other[0]) and _overlap(one[1:], other[1:])


def templates_overlap(one: CompiledRoute, other: CompiledRoute) -> bool:
    """Whether some path matches both templates (then the host's name order decides)."""
    return _overlap(one.segments, other.segments)
