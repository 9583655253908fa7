"""Symbolic values of the deployment model (tests/infra/bicep_model.py): what a template
expression evaluates to when its value exists only at deployment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Ref:
    """The id of a resource of the deployment (instance key, symbol, loop index)."""

    instance: str
    symbol: str
    index: int | None = None

    def __str__(self) -> str:
        return f"ref:{self.instance}/{self.symbol}" + ("" if self.index is None else f"[{self.index}]")


@dataclass(frozen=True)
class ResourceId:
    """resourceId(type, name, ...) in the deployment's own resource group."""

    type: str
    names: tuple[str, ...]

    def __str__(self) -> str:
        return f"resourceId:{self.type}/{'/'.join(self.names)}"


@dataclass(frozen=True)
class Opaque:
    """A value known only at deployment (uniqueString, another resource's properties, ...)."""

    text: str

    def __str__(self) -> str:
        return f"expr:{self.text}"


@dataclass(frozen=True)
class Handle:
    kind: str  # resource or module
    instance: str
    symbol: str
    index: int | None = None


def plain(value: Any) -> Any:
    """JSON-ready form: symbolic values as their text, null properties dropped (ARM omits them)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Ref | ResourceId | Opaque):
        return str(value)
    if isinstance(value, Handle):
        return f"{value.kind}:{value.instance}/{value.symbol}" + ("" if value.index is None else f"[{value.index}]")
    return value


def concrete(value: Any) -> bool:
    if isinstance(value, dict):
        return all(concrete(v) for v in value.values())
    if isinstance(value, list):
        return all(concrete(v) for v in value)
    return not isinstance(value, Ref | ResourceId | Opaque | Handle)
