"""In-memory repositories with the same behaviour as the Table ones (unit tests, benchmarks).

They implement the domain ports (shared.domain.ports) and nothing else: no Azure SDK is
imported, and a method they lack is a type error, not a silently inherited Table call. Each
keeps the storage semantics the service relies on (versions that change on every write,
conditional writes, item writes that fail when the list is gone); tests/contract runs the same
tests on them and on the Table repositories against Azurite.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

from shared.domain.errors import NotFound
from shared.domain.models import ItemState, TodoItem, TodoList
from shared.domain.ports import (
    IdempotencyRecord,
    IdempotencyRecordExists,
    IdempotencyRepository,
    ItemRepository,
    ListRepository,
    Page,
    Stored,
    VersionConflict,
)

T = TypeVar("T", TodoList, TodoItem)


class FakeStore:
    def __init__(self) -> None:
        self.lists: dict[tuple[str, str], Stored[TodoList]] = {}
        self.items: dict[tuple[str, str, str], Stored[TodoItem]] = {}
        self.records: dict[tuple[str, str], IdempotencyRecord] = {}
        self.import_tags: dict[tuple[str, ...], str] = {}  # (owner, list id[, item id]) -> the import's tag
        self._etags = itertools.count(1)

    def etag(self) -> str:
        return f"etag-{next(self._etags)}"

    def touch_list(self, owner: str, list_id: str) -> None:
        stored = self.lists.get((owner, list_id))
        if stored is None:
            raise NotFound("the list does not exist")
        self.lists[(owner, list_id)] = Stored(stored.value, self.etag())


def _page(values: list[T], after: str | None, limit: int, skip: int) -> Page[T]:
    ordered = sorted(values, key=lambda v: v.id)
    remaining = [v for v in ordered if after is None or v.id > after][skip:]
    return Page(remaining[:limit], len(remaining) > limit)


class FakeIdempotencyRepository:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        return self.store.records.get((owner, key))

    async def remove(self, owner: str, key: str) -> None:
        self.store.records.pop((owner, key), None)

    def claim(self, owner: str, record: IdempotencyRecord | None) -> None:
        if record is not None:
            if (owner, record.key) in self.store.records:
                raise IdempotencyRecordExists()
            self.store.records[(owner, record.key)] = record


class FakeListRepository:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def add(self, owner: str, todo_list: TodoList, record: IdempotencyRecord | None) -> None:
        FakeIdempotencyRepository(self.store).claim(owner, record)
        self.store.lists[(owner, todo_list.id)] = Stored(todo_list, self.store.etag())

    async def get(self, owner: str, list_id: str) -> Stored[TodoList] | None:
        return self.store.lists.get((owner, list_id))

    async def replace(self, owner: str, todo_list: TodoList, etag: str) -> None:
        current = self.store.lists.get((owner, todo_list.id))
        if current is None or current.etag != etag:
            raise VersionConflict()
        self.store.lists[(owner, todo_list.id)] = Stored(todo_list, self.store.etag())

    async def remove(self, owner: str, list_id: str, etag: str | None) -> None:
        current = self.store.lists.get((owner, list_id))
        if current is not None and etag is not None and current.etag != etag:
            raise VersionConflict()
        self.store.lists.pop((owner, list_id), None)

    async def page(self, owner: str, after: str | None, limit: int, skip: int) -> Page[TodoList]:
        values = [s.value for (o, _), s in self.store.lists.items() if o == owner]
        return _page(values, after, limit, skip)


class FakeItemRepository:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def add(self, owner: str, item: TodoItem, record: IdempotencyRecord | None) -> None:
        self.store.touch_list(owner, item.list_id)
        FakeIdempotencyRepository(self.store).claim(owner, record)
        self.store.items[(owner, item.list_id, item.id)] = Stored(item, self.store.etag())

    async def get(self, owner: str, list_id: str, item_id: str) -> Stored[TodoItem] | None:
        return self.store.items.get((owner, list_id, item_id))

    async def get_many(self, owner: str, list_id: str, item_ids: Sequence[str]) -> dict[str, Stored[TodoItem]]:
        found = {i: self.store.items.get((owner, list_id, i)) for i in item_ids}
        return {i: stored for i, stored in found.items() if stored is not None}

    async def replace(self, owner: str, item: TodoItem, etag: str) -> None:
        current = self.store.items.get((owner, item.list_id, item.id))
        if current is None or current.etag != etag:
            raise VersionConflict()
        self.store.items[(owner, item.list_id, item.id)] = Stored(item, self.store.etag())

    async def replace_many(self, owner: str, list_id: str, items: Sequence[Stored[TodoItem]]) -> None:
        for stored in items:
            current = self.store.items.get((owner, list_id, stored.value.id))
            if current is None or current.etag != stored.etag:
                raise VersionConflict()
        for stored in items:
            self.store.items[(owner, list_id, stored.value.id)] = Stored(stored.value, self.store.etag())

    async def remove(self, owner: str, list_id: str, item_id: str, etag: str) -> None:
        current = self.store.items.get((owner, list_id, item_id))
        if current is not None and current.etag != etag:
            raise VersionConflict()
        self.store.items.pop((owner, list_id, item_id), None)

    async def page(
        self, owner: str, list_id: str, state: ItemState | None, after: str | None, limit: int, skip: int
    ) -> Page[TodoItem]:
        values = [
            s.value
            for (o, lid, _), s in self.store.items.items()
            if o == owner and lid == list_id and (state is None or s.value.state is state)
        ]
        return _page(values, after, limit, skip)

    async def remove_all(self, owner: str, list_id: str) -> int:
        keys = [k for k in self.store.items if k[0] == owner and k[1] == list_id]
        for key in keys:
            del self.store.items[key]
        return len(keys)


if TYPE_CHECKING:  # mypy proves each fake is a complete implementation of its port
    _lists: ListRepository = FakeListRepository(FakeStore())
    _items: ItemRepository = FakeItemRepository(FakeStore())
    _records: IdempotencyRepository = FakeIdempotencyRepository(FakeStore())
