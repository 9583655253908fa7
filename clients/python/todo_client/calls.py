"""How the layer makes one call and reads its answer, shared by the resource methods (todo.py) and
the data operations (data.py). Written by hand: `make clients` keeps this file.

- `ok` turns an answer of 400 or more into `ProblemError` and gives the parsed body otherwise;
- `next_page` reads the paging arguments out of `Link: rel="next"` (the cursor is opaque);
- `retry` / `aretry` send a write with one `Idempotency-Key`, again with the same key after a
  transport error or a 503 (waiting `Retry-After`, at most `MAX_PAUSE`), so a retry never
  writes twice: the API replays the first answer for a key it has seen.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx

from .client import AuthenticatedClient, Client
from .problems import ProblemError, problem_of
from .types import Response

T = TypeVar("T")
NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')
MAX_PAUSE = 5.0


@dataclass(frozen=True)
class Tagged(Generic[T]):
    """A representation with the strong ETag it was served with (and, for a creation, whether an
    Idempotency-Key replayed an earlier one)."""

    value: T
    etag: str
    replayed: bool = False


def ok(response: Response[Any]) -> Any:
    """The parsed body of a success; an answer of 400 or more raises its ProblemError."""
    if int(response.status_code) >= 400:
        raise problem_of(response)
    return response.parsed


def tagged(response: Response[Any]) -> Tagged[Any]:
    return Tagged(ok(response), response.headers.get("ETag", ""), replayed(response))


def replayed(response: Response[Any]) -> bool:
    """Whether the API answered with the stored answer of an earlier request with the same key."""
    return response.headers.get("Idempotent-Replayed") == "true"


def next_page(response: Response[Any]) -> dict[str, Any] | None:
    """The paging arguments (cursor, top) of the response's `Link: rel="next"`; None on the last page."""
    match = NEXT.search(response.headers.get("Link", ""))
    if match is None:
        return None
    query = parse_qs(urlsplit(match.group(1)).query)
    arguments: dict[str, Any] = {"cursor": query["cursor"][0]}
    if "top" in query:
        arguments["top"] = int(query["top"][0])
    return arguments


def _pause(error: Exception, attempt: int) -> float | None:
    """Seconds to wait before retrying a keyed write after error, or None when the answer is final."""
    if isinstance(error, ProblemError):
        if error.status != 503:
            return None
        retry_after = error.retry_after
        if retry_after is not None:
            return min(retry_after, MAX_PAUSE)
    return min(0.5 * 2.0**attempt, MAX_PAUSE)


def retry(send: Callable[[str], T], key: str | None, retries: int) -> T:
    """send(key) with key (a new UUID when None), repeated with that key at most retries times
    while it fails with a transport error or a 503; the last failure is raised."""
    key = key or str(uuid.uuid4())
    for attempt in range(retries + 1):
        try:
            return send(key)
        except (httpx.TransportError, ProblemError) as error:
            pause = _pause(error, attempt)
            if pause is None or attempt == retries:
                raise
            time.sleep(pause)
    raise AssertionError("unreachable")


async def aretry(send: Callable[[str], Awaitable[T]], key: str | None, retries: int) -> T:
    """retry for a coroutine: the pauses are asyncio.sleep."""
    key = key or str(uuid.uuid4())
    for attempt in range(retries + 1):
        try:
            return await send(key)
        except (httpx.TransportError, ProblemError) as error:
            pause = _pause(error, attempt)
            if pause is None or attempt == retries:
                raise
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")


def make_client(
    base_url: str, token: str | None = None, headers: dict[str, str] | None = None, timeout: float = 30.0
) -> Client | AuthenticatedClient:
    """The generated client for base_url (…/api locally, the gateway's URL in Azure), with a bearer
    token when given (Entra ID through API Management) and any other headers (a subscription key)."""
    options: dict[str, Any] = {"base_url": base_url.rstrip("/"), "headers": headers or {}}
    options["timeout"] = httpx.Timeout(timeout)
    return AuthenticatedClient(token=token, **options) if token else Client(**options)


class Api:
    """What Todo and AsyncTodo share: the generated client (`client`, for anything else) and how
    often a keyed write (a creation, an import request) is retried."""

    def __init__(
        self,
        base_url: str = "",
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30.0,
        retries: int = 2,
        client: Client | AuthenticatedClient | None = None,
    ) -> None:
        self.client = client or make_client(base_url, token, headers, timeout)
        self.retries = retries
        self._install_hooks()

    def _install_hooks(self) -> None:
        raise NotImplementedError
