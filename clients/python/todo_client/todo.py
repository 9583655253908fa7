"""The API's semantics on top of the generated operations. Written by hand: `make clients` keeps
this file. Every call goes through the generated `*_detailed` functions; this layer only adds
what the document cannot say to a generator:

- collections are iterated to the end by following `Link: rel="next"` (an opaque cursor);
- a read or write returns `Tagged(value, etag)`, and updates and deletes take that `Tagged` and
  send `If-Match` with its ETag, so a change made elsewhere raises `ConflictError` (412);
- creations send an `Idempotency-Key` (one per call unless given) and are retried with the same
  key after a transport error or a 503, so a retry never creates twice;
- an answer of 400 or more raises `ProblemError` (`NotFoundError` for 404, `ConflictError` for
  412) with the problem document's `type`, `title`, `status` and `detail`.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx

from .api.items import (
    create_item,
    delete_item,
    get_item,
    list_items,
    list_items_by_state,
    replace_item,
    set_items_state,
    update_item,
)
from .api.lists import create_list, delete_list, get_list, list_lists, replace_list, update_list
from .client import AuthenticatedClient, Client
from .models import ItemState, TodoItem, TodoItemPatch, TodoItemWrite, TodoList, TodoListPatch, TodoListWrite
from .problems import ProblemError, araise_unparsable, problem_of, raise_unparsable
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


def _ok(response: Response[Any]) -> Any:
    if int(response.status_code) >= 400:
        raise problem_of(response)
    return response.parsed


def _tagged(response: Response[Any]) -> Tagged[Any]:
    value = _ok(response)
    return Tagged(value, response.headers.get("ETag", ""), response.headers.get("Idempotent-Replayed") == "true")


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
    """Seconds to wait before retrying a creation after error, or None when the answer is final."""
    if isinstance(error, ProblemError):
        if error.status != 503:
            return None
        retry_after = error.retry_after
        if retry_after is not None:
            return min(retry_after, MAX_PAUSE)
    return min(0.5 * 2.0**attempt, MAX_PAUSE)


def make_client(
    base_url: str, token: str | None = None, headers: dict[str, str] | None = None, timeout: float = 30.0
) -> Client | AuthenticatedClient:
    """The generated client for base_url (…/api locally, the gateway's URL in Azure), with a bearer
    token when given (Entra ID through API Management) and any other headers (a subscription key)."""
    options: dict[str, Any] = {"base_url": base_url.rstrip("/"), "headers": headers or {}}
    options["timeout"] = httpx.Timeout(timeout)
    return AuthenticatedClient(token=token, **options) if token else Client(**options)


class _Api:
    """What Todo and AsyncTodo share: the generated client (`client`, for anything else) and how
    often a creation is retried."""

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


class Todo(_Api):
    """The Todo API, synchronously. `client` is the generated client, for anything else."""

    def _install_hooks(self) -> None:
        self.client.get_httpx_client().event_hooks["response"].append(raise_unparsable)

    def __enter__(self) -> Todo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.get_httpx_client().close()

    def _create(self, send: Callable[[str], Response[Any]], key: str | None) -> Tagged[Any]:
        key = key or str(uuid.uuid4())
        for attempt in range(self.retries + 1):
            try:
                return _tagged(send(key))
            except (httpx.TransportError, ProblemError) as error:
                pause = _pause(error, attempt)
                if pause is None or attempt == self.retries:
                    raise
                time.sleep(pause)
        raise AssertionError("unreachable")

    def _pages(self, fetch: Callable[..., Response[Any]], page_size: int) -> Iterator[Any]:
        arguments: dict[str, Any] | None = {"top": page_size}
        while arguments is not None:
            response = fetch(client=self.client, **arguments)
            yield from _ok(response)
            arguments = next_page(response)

    def lists(self, *, page_size: int = 100) -> Iterator[TodoList]:
        """Every list of the caller, oldest first, fetched page by page."""
        return self._pages(list_lists.sync_detailed, page_size)

    def get_list(self, list_id: str) -> Tagged[TodoList]:
        return _tagged(get_list.sync_detailed(list_id, client=self.client))

    def create_list(self, body: TodoListWrite, *, idempotency_key: str | None = None) -> Tagged[TodoList]:
        return self._create(
            lambda key: create_list.sync_detailed(client=self.client, body=body, idempotency_key=key), idempotency_key
        )

    def update_list(self, current: Tagged[TodoList], patch: TodoListPatch) -> Tagged[TodoList]:
        """Merge patch, if the list is still as read (else ConflictError)."""
        return _tagged(
            update_list.sync_detailed(current.value.id, client=self.client, body=patch, if_match=current.etag)
        )

    def replace_list(self, current: Tagged[TodoList], body: TodoListWrite) -> Tagged[TodoList]:
        return _tagged(
            replace_list.sync_detailed(current.value.id, client=self.client, body=body, if_match=current.etag)
        )

    def delete_list(self, current: Tagged[TodoList]) -> None:
        """Delete the list and its items, if it is still as read (else ConflictError)."""
        _ok(delete_list.sync_detailed(current.value.id, client=self.client, if_match=current.etag))

    def items(self, list_id: str, state: ItemState | None = None, *, page_size: int = 100) -> Iterator[TodoItem]:
        """Every item of the list (or those in one state), oldest first, fetched page by page."""
        if state is None:
            return self._pages(lambda **kw: list_items.sync_detailed(list_id, **kw), page_size)
        return self._pages(lambda **kw: list_items_by_state.sync_detailed(list_id, state, **kw), page_size)

    def get_item(self, list_id: str, item_id: str) -> Tagged[TodoItem]:
        return _tagged(get_item.sync_detailed(list_id, item_id, client=self.client))

    def create_item(self, list_id: str, body: TodoItemWrite, *, idempotency_key: str | None = None) -> Tagged[TodoItem]:
        return self._create(
            lambda key: create_item.sync_detailed(list_id, client=self.client, body=body, idempotency_key=key),
            idempotency_key,
        )

    def update_item(self, current: Tagged[TodoItem], patch: TodoItemPatch) -> Tagged[TodoItem]:
        item = current.value
        return _tagged(
            update_item.sync_detailed(item.list_id, item.id, client=self.client, body=patch, if_match=current.etag)
        )

    def replace_item(self, current: Tagged[TodoItem], body: TodoItemWrite) -> Tagged[TodoItem]:
        item = current.value
        return _tagged(
            replace_item.sync_detailed(item.list_id, item.id, client=self.client, body=body, if_match=current.etag)
        )

    def delete_item(self, current: Tagged[TodoItem]) -> None:
        item = current.value
        _ok(delete_item.sync_detailed(item.list_id, item.id, client=self.client, if_match=current.etag))

    def set_state(self, list_id: str, state: ItemState, item_ids: Sequence[str]) -> list[TodoItem]:
        """Move 1 to 100 items to one state, all or nothing (unknown ids: NotFoundError, unknown_ids)."""
        response = set_items_state.sync_detailed(list_id, state, client=self.client, body=list(item_ids))
        items: list[TodoItem] = _ok(response)
        return items


class AsyncTodo(_Api):
    """The Todo API, with asyncio: the same methods as Todo, awaited (collections are async iterators)."""

    def _install_hooks(self) -> None:
        self.client.get_async_httpx_client().event_hooks["response"].append(araise_unparsable)

    async def __aenter__(self) -> AsyncTodo:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.get_async_httpx_client().aclose()

    async def _create(self, send: Callable[[str], Awaitable[Response[Any]]], key: str | None) -> Tagged[Any]:
        key = key or str(uuid.uuid4())
        for attempt in range(self.retries + 1):
            try:
                return _tagged(await send(key))
            except (httpx.TransportError, ProblemError) as error:
                pause = _pause(error, attempt)
                if pause is None or attempt == self.retries:
                    raise
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    async def _pages(self, fetch: Callable[..., Awaitable[Response[Any]]], page_size: int) -> AsyncIterator[Any]:
        arguments: dict[str, Any] | None = {"top": page_size}
        while arguments is not None:
            response = await fetch(client=self.client, **arguments)
            for value in _ok(response):
                yield value
            arguments = next_page(response)

    def lists(self, *, page_size: int = 100) -> AsyncIterator[TodoList]:
        return self._pages(list_lists.asyncio_detailed, page_size)

    async def get_list(self, list_id: str) -> Tagged[TodoList]:
        return _tagged(await get_list.asyncio_detailed(list_id, client=self.client))

    async def create_list(self, body: TodoListWrite, *, idempotency_key: str | None = None) -> Tagged[TodoList]:
        return await self._create(
            lambda key: create_list.asyncio_detailed(client=self.client, body=body, idempotency_key=key),
            idempotency_key,
        )

    async def update_list(self, current: Tagged[TodoList], patch: TodoListPatch) -> Tagged[TodoList]:
        list_id, etag = current.value.id, current.etag
        return _tagged(await update_list.asyncio_detailed(list_id, client=self.client, body=patch, if_match=etag))

    async def replace_list(self, current: Tagged[TodoList], body: TodoListWrite) -> Tagged[TodoList]:
        list_id, etag = current.value.id, current.etag
        return _tagged(await replace_list.asyncio_detailed(list_id, client=self.client, body=body, if_match=etag))

    async def delete_list(self, current: Tagged[TodoList]) -> None:
        _ok(await delete_list.asyncio_detailed(current.value.id, client=self.client, if_match=current.etag))

    def items(self, list_id: str, state: ItemState | None = None, *, page_size: int = 100) -> AsyncIterator[TodoItem]:
        if state is None:
            return self._pages(lambda **kw: list_items.asyncio_detailed(list_id, **kw), page_size)
        return self._pages(lambda **kw: list_items_by_state.asyncio_detailed(list_id, state, **kw), page_size)

    async def get_item(self, list_id: str, item_id: str) -> Tagged[TodoItem]:
        return _tagged(await get_item.asyncio_detailed(list_id, item_id, client=self.client))

    async def create_item(
        self, list_id: str, body: TodoItemWrite, *, idempotency_key: str | None = None
    ) -> Tagged[TodoItem]:
        return await self._create(
            lambda key: create_item.asyncio_detailed(list_id, client=self.client, body=body, idempotency_key=key),
            idempotency_key,
        )

    async def update_item(self, current: Tagged[TodoItem], patch: TodoItemPatch) -> Tagged[TodoItem]:
        item, etag = current.value, current.etag
        response = await update_item.asyncio_detailed(
            item.list_id, item.id, client=self.client, body=patch, if_match=etag
        )
        return _tagged(response)

    async def replace_item(self, current: Tagged[TodoItem], body: TodoItemWrite) -> Tagged[TodoItem]:
        item, etag = current.value, current.etag
        response = await replace_item.asyncio_detailed(
            item.list_id, item.id, client=self.client, body=body, if_match=etag
        )
        return _tagged(response)

    async def delete_item(self, current: Tagged[TodoItem]) -> None:
        item = current.value
        _ok(await delete_item.asyncio_detailed(item.list_id, item.id, client=self.client, if_match=current.etag))

    async def set_state(self, list_id: str, state: ItemState, item_ids: Sequence[str]) -> list[TodoItem]:
        response = await set_items_state.asyncio_detailed(list_id, state, client=self.client, body=list(item_ids))
        items: list[TodoItem] = _ok(response)
        return items
