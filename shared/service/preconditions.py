"""What a client said it expects of the resource it writes (If-Match / If-None-Match), checked
by the service against the current version inside its read-check-write loop.

Versions are those of the representation (a hash of its JSON), which the HTTP layer exposes as
strong ETags; the storage ETag is never shown to clients.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.errors import PreconditionFailed
from shared.domain.models import TodoItem, TodoList


@dataclass(frozen=True)
class Expectation:
    """What the client believes the current version is (If-Match); empty means unconditional."""

    versions: frozenset[str] = frozenset()
    any_version: bool = False
    # If-None-Match on a write: fail when the resource exists in one of these versions (or at
    # all, for *), e.g. to make sure a write does not overwrite something already there.
    unwanted_versions: frozenset[str] = frozenset()
    unwanted_any: bool = False

    @property
    def is_unconditional(self) -> bool:
        return not (self.versions or self.any_version or self.unwanted_versions or self.unwanted_any)

    def check(self, current: TodoList | TodoItem | None) -> None:
        self.check_version(None if current is None else current.version())

    def check_version(self, current: str | None) -> None:
        """current: the version of the target's representation, None when it does not exist."""
        if current is None:
            if self.any_version or self.versions:
                raise PreconditionFailed("the resource does not exist")
            return
        if self.versions and current not in self.versions:
            raise PreconditionFailed("the resource has changed since you read it")
        if self.unwanted_any or current in self.unwanted_versions:
            raise PreconditionFailed("the resource exists in a version If-None-Match excludes")


UNCONDITIONAL = Expectation()
