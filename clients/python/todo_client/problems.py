"""Problem documents (RFC 9457) as exceptions. Written by hand: `make clients` keeps this file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import httpx

from .models.problem import Problem
from .types import Response


class ProblemError(Exception):
    """An answer of 400 or more. Carries the problem document's fields; an answer that was not a
    problem document (a gateway's own 401 or 429, say) gets `about:blank` and the HTTP reason."""

    def __init__(self, problem: Problem, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{problem.status} {problem.title}: {problem.detail}")
        self.problem = problem
        self.type = problem.type_
        self.title = problem.title
        self.status = problem.status
        self.detail = problem.detail
        self.headers = headers or {}

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Per-field errors of a 422 (`field` is a JSON pointer into the body, and `message`)."""
        return [error.to_dict() for error in self.problem.errors or []]

    @property
    def unknown_ids(self) -> list[str]:
        """The ids a batch state change named that the list does not have (404)."""
        return list(self.problem.unknown_ids or [])

    @property
    def conflicting_ids(self) -> list[str]:
        """The ids an import's lines gave with other content than the caller's lists and items (409)."""
        return list(self.problem.conflicting_ids or [])

    @property
    def retry_after(self) -> float | None:
        value = self.headers.get("retry-after", "")
        return float(value) if value.isdigit() else None


class NotFoundError(ProblemError):
    """404: no such list or item for this caller."""


class ConflictError(ProblemError):
    """412: the resource changed since the read whose ETag was sent in If-Match (or a creation's
    precondition on the collection failed). Read it again, reapply the change, retry."""


def problem_of(response: Response[Any]) -> ProblemError:
    """The exception for an answer of 400 or more, parsed by the generated code when it could."""
    return _error(int(response.status_code), response.content, response.headers, response.parsed)


def raise_unparsable(response: httpx.Response) -> None:
    """httpx response hook: an error answer that is not JSON (a gateway's or a proxy's own page)
    raises here, before the generated code would fail to parse it as a problem document."""
    if response.status_code >= 400 and "json" not in response.headers.get("Content-Type", ""):
        response.read()
        raise _error(response.status_code, response.content, response.headers)


async def araise_unparsable(response: httpx.Response) -> None:
    """raise_unparsable for httpx.AsyncClient."""
    if response.status_code >= 400 and "json" not in response.headers.get("Content-Type", ""):
        await response.aread()
        raise _error(response.status_code, response.content, response.headers)


def _error(status: int, content: bytes, headers: Mapping[str, str], parsed: object = None) -> ProblemError:
    problem = parsed if isinstance(parsed, Problem) else _problem_from_bytes(status, content)
    kind = {404: NotFoundError, 412: ConflictError}.get(status, ProblemError)
    return kind(problem, {name.lower(): value for name, value in headers.items()})


def _problem_from_bytes(status: int, content: bytes) -> Problem:
    try:
        return Problem.from_dict(json.loads(content))
    except (ValueError, KeyError, TypeError, AttributeError):
        reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        return Problem(
            type_="about:blank", title=reason, status=status, detail=content.decode("utf-8", "replace")[:500]
        )
