"""The API's semantics on top of the generated operations. Written by hand: `make clients` keeps
this file (and calls.py, data.py, problems.py). Every call goes through the generated
`*_detailed` functions; this layer only adds what the document cannot say to a generator:

- collections are iterated to the end by following `Link: rel="next"` (an opaque cursor);
- a read or write returns `Tagged(value, etag)`, and updates and deletes take that `Tagged` and
  send `If-Match` with its ETag, so a change made elsewhere raises `ConflictError` (412);
- creations send an `Idempotency-Key` (one per call unless given) and are retried with the same
  key after a transport error or a 503, so a retry never creates twice;
- an answer of 400 or more raises `ProblemError` (`NotFoundError` for 404, `ConflictError` for
  412) with the problem document's `type`, `title`, `status` and `detail`;
- the caller's data as NDJSON lines (data.py): `export_lines` follows the export's links,
  `import_lines` sends lines in keyed requests of at most 100, `erase` removes everything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any

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
from .calls import Tagged, aretry, make_client, next_page, ok, retry, tagged
from .data import AsyncData, Data, ImportSummary
from .models import ItemState, TodoItem, TodoItemPatch, TodoItemWrite, TodoList, TodoListPatch, TodoListWrite
from .problems import araise_unparsable, raise_unparsable
from .types import Response

__all__ = ("AsyncTodo", "ImportSummary", "Tagged", "Todo", "make_client", "next_page")


class Todo(Data):
    """The Todo API, synchronously. `client` is the generated client, for anything else; the data
    operations (export_lines, import_lines, erase) are Data's."""

    def _install_hooks(self) -> None:
        self.client.get_httpx_client().event_hooks["response"].append(raise_unparsable)

    def __enter__(self) -> Todo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.get_httpx_client().close()

    def _create(self, send: Callable[[str], Response[Any]], key: str | None) -> Tagged[Any]:
        return retry(lambda key: tagged(send(key)), key, self.retries)

    def _pages(self, fetch: Callable[..., Response[Any]], page_size: int) -> Iterator[Any]:
        arguments: dict[str, Any] | None = {"top": page_size}
        while arguments is not None:
            response = fetch(client=self.client, **arguments)
            yield from ok(response)
            arguments = next_page(response)

    def lists(self, *, page_size: int = 100) -> Iterator[TodoList]:
        """Every list of the caller, oldest first, fetched page by page."""
        return self._pages(list_lists.sync_detailed, page_size)

    def get_list(self, list_id: str) -> Tagged[TodoList]:
        return tagged(get_list.sync_detailed(list_id, client=self.client))

    def create_list(self, body: TodoListWrite, *, idempotency_key: str | None = None) -> Tagged[TodoList]:
        return self._create(
            lambda key: create_list.sync_detailed(client=self.client, body=body, idempotency_key=key), idempotency_key
        )

    def update_list(self, current: Tagged[TodoList], patch: TodoListPatch) -> Tagged[TodoList]:
        """Merge patch, if the list is still as read (else ConflictError)."""
        return tagged(
            update_list.sync_detailed(current.value.id, client=self.client, body=patch, if_match=current.etag)
        )

    def replace_list(self, current: Tagged[TodoList], body: TodoListWrite) -> Tagged[TodoList]:
        return tagged(
            replace_list.sync_detailed(current.value.id, client=self.client, body=body, if_match=current.etag)
        )

    def delete_list(self, current: Tagged[TodoList]) -> None:
        """Delete the list and its items, if it is still as read (else ConflictError)."""
        ok(delete_list.sync_detailed(current.value.id, client=self.client, if_match=current.etag))

    def items(self, list_id: str, state: ItemState | None = None, *, page_size: int = 100) -> Iterator[TodoItem]:
        """Every item of the list (or those in one state), oldest first, fetched page by page."""
        if state is None:
            return self._pages(lambda **kw: list_items.sync_detailed(list_id, **kw), page_size)
        return self._pages(lambda **kw: list_items_by_state.sync_detailed(list_id, state, **kw), page_size)

    def get_item(self, list_id: str, item_id: str) -> Tagged[TodoItem]:
        return tagged(get_item.sync_detailed(list_id, item_id, client=self.client))

    def create_item(self, list_id: str, body: TodoItemWrite, *, idempotency_key: str | None = None) -> Tagged[TodoItem]:
        return self._create(
            lambda key: create_item.sync_detailed(list_id, client=self.client, body=body, idempotency_key=key),
            idempotency_key,
        )

    def update_item(self, current: Tagged[TodoItem], patch: TodoItemPatch) -> Tagged[TodoItem]:
        item = current.value
        return tagged(
            update_item.sync_detailed(item.list_id, item.id, client=self.client, body=patch, if_match=current.etag)
        )

    def replace_item(self, current: Tagged[TodoItem], body: TodoItemWrite) -> Tagged[TodoItem]:
        item = current.value
        return tagged(
            replace_item.sync_detailed(item.list_id, item.id, client=self.client, body=body, if_match=current.etag)
        )

    def delete_item(self, current: Tagged[TodoItem]) -> None:
        item = current.value
        ok(delete_item.sync_detailed(item.list_id, item.id, client=self.client, if_match=current.etag))

    def set_state(self, list_id: str, state: ItemState, item_ids: Sequence[str]) -> list[TodoItem]:
        """Move 1 to 100 items to one state, all or nothing (unknown ids: NotFoundError, unknown_ids)."""
        response = set_items_state.sync_detailed(list_id, state, client=self.client, body=list(item_ids))
        items: list[TodoItem] = ok(response)
        return items


class AsyncTodo(AsyncData):
    """The Todo API, with asyncio: the same methods as Todo, awaited (collections are async iterators)."""

    def _install_hooks(self) -> None:
        self.client.get_async_httpx_client().event_hooks["response"].append(araise_unparsable)

    async def __aenter__(self) -> AsyncTodo:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.get_async_httpx_client().aclose()

    async def _create(self, send: Callable[[str], Awaitable[Response[Any]]], key: str | None) -> Tagged[Any]:
        async def create(key: str) -> Tagged[Any]:
            return tagged(await send(key))

        return await aretry(create, key, self.retries)

    async def _pages(self, fetch: Callable[..., Awaitable[Response[Any]]], page_size: int) -> AsyncIterator[Any]:
        arguments: dict[str, Any] | None = {"top": page_size}
        while arguments is not None:
            response = await fetch(client=self.client, **arguments)
            for value in ok(response):
                yield value
            arguments = next_page(response)

    def lists(self, *, page_size: int = 100) -> AsyncIterator[TodoList]:
        return self._pages(list_lists.asyncio_detailed, page_size)

    async def get_list(self, list_id: str) -> Tagged[TodoList]:
        return tagged(await get_list.asyncio_detailed(list_id, client=self.client))

    async def create_list(self, body: TodoListWrite, *, idempotency_key: str | None = None) -> Tagged[TodoList]:
        return await self._create(
            lambda key: create_list.asyncio_detailed(client=self.client, body=body, idempotency_key=key),
            idempotency_key,
        )

    async def update_list(self, current: Tagged[TodoList], patch: TodoListPatch) -> Tagged[TodoList]:
        list_id, etag = current.value.id, current.etag
        return tagged(await update_list.asyncio_detailed(list_id, client=self.client, body=patch, if_match=etag))

    async def replace_list(self, current: Tagged[TodoList], body: TodoListWrite) -> Tagged[TodoList]:
        list_id, etag = current.value.id, current.etag
        return tagged(await replace_list.asyncio_detailed(list_id, client=self.client, body=body, if_match=etag))

    async def delete_list(self, current: Tagged[TodoList]) -> None:
        ok(await delete_list.asyncio_detailed(current.value.id, client=self.client, if_match=current.etag))

    def items(self, list_id: str, state: ItemState | None = None, *, page_size: int = 100) -> AsyncIterator[TodoItem]:
        if state is None:
            return self._pages(lambda **kw: list_items.asyncio_detailed(list_id, **kw), page_size)
        return self._pages(lambda **kw: list_items_by_state.asyncio_detailed(list_id, state, **kw), page_size)

    async def get_item(self, list_id: str, item_id: str) -> Tagged[TodoItem]:
        return tagged(await get_item.asyncio_detailed(list_id, item_id, client=self.client))

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
        return tagged(response)

    async def replace_item(self, current: Tagged[TodoItem], body: TodoItemWrite) -> Tagged[TodoItem]:
        item, etag = current.value, current.etag
        response = await replace_item.asyncio_detailed(
            item.list_id, item.id, client=self.client, body=body, if_match=etag
        )
        return tagged(response)

    async def delete_item(self, current: Tagged[TodoItem]) -> None:
        item = current.value
        ok(await delete_item.asyncio_detailed(item.list_id, item.id, client=self.client, if_match=current.etag))

    async def set_state(self, list_id: str, state: ItemState, item_ids: Sequence[str]) -> list[TodoItem]:
        response = await set_items_state.asyncio_detailed(list_id, state, client=self.client, body=list(item_ids))
        items: list[TodoItem] = ok(response)
        return items
