"""Domain errors raised by the service and repositories; the HTTP layer maps each to a status."""

from __future__ import annotations

from typing import Any


class TodoError(Exception):
    """Base of every error the API turns into a problem document."""

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(TodoError):
    """The resource does not exist, or belongs to another owner (never reveal which)."""


class PreconditionFailed(TodoError):
    """If-Match did not match the current version, or the resource changed meanwhile."""


class UnknownItems(TodoError):
    """A batch named item ids that the list does not contain; nothing was changed."""


class IdempotencyKeyReused(TodoError):
    """An Idempotency-Key was reused with a different request."""


class StorageUnavailable(TodoError):
    """Storage did not answer in time or answered with a server error: safe to retry later."""


class InvalidLines(TodoError):
    """Lines of an import are not valid resources; `errors` names each line, field and reason."""


class TooManyLines(TodoError):
    """An import holds more lines than one transaction can write; `limit` says how many fit."""


class ImportConflict(TodoError):
    """Lines of an import name ids that already exist with other content; nothing was written."""
