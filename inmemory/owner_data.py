"""The in-memory OwnerDataRepository, over the same FakeStore as the other fakes (unit tests).

Like the Table one, it reads in key order with the has_more of a read that stopped short, and
its orphan sweep removes only the items of lists that are gone. `stop_after` lets a test
interrupt an erase after a given step, as a storage fault would."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inmemory.repositories import FakeStore
from shared.domain.errors import StorageUnavailable
from shared.domain.models import TodoItem, TodoList
from shared.domain.ports import ExportPosition, OwnerDataRepository, Page


class FakeOwnerDataRepository:
    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.calls: list[str] = []  # the steps and reads asked for, in order
        self.fail_on: str | None = None  # a step name: raise StorageUnavailable when it is called

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if name == self.fail_on:
            raise StorageUnavailable("storage did not answer in time")

    async def lists_from(self, owner: str, first: str | None, limit: int) -> Page[TodoList]:
        self._call("lists_from")
        found = sorted(
            (s.value for (o, lid), s in self.store.lists.items() if o == owner and (first is None or lid >= first)),
            key=lambda v: v.id,
        )
        return Page(found[:limit], len(found) > limit)

    async def items_after(self, owner: str, after: ExportPosition | None, limit: int) -> Page[TodoItem]:
        self._call("items_after")
        found = sorted(
            (
                s.value
                for (o, lid, iid), s in self.store.items.items()
                if o == owner and (after is None or ExportPosition(lid, iid) > after)
            ),
            key=lambda v: (v.list_id, v.id),
        )
        return Page(found[:limit], len(found) > limit)

    async def remove_lists(self, owner: str) -> int:
        self._call("remove_lists")
        keys = [key for key in self.store.lists if key[0] == owner]
        for key in keys:
            del self.store.lists[key]
        return len(keys)

    async def remove_records(self, owner: str) -> int:
        self._call("remove_records")
        keys = [key for key in self.store.records if key[0] == owner]
        for key in keys:
            del self.store.records[key]
        return len(keys)

    async def remove_orphan_items(self, owner: str) -> int:
        self._call("remove_orphan_items")
        keys = [key for key in self.store.items if key[0] == owner and (owner, key[1]) not in self.store.lists]
        for key in keys:
            del self.store.items[key]
        return len(keys)


if TYPE_CHECKING:  # mypy proves the fake is a complete implementation of its port
    _owner_data: OwnerDataRepository = FakeOwnerDataRepository(FakeStore())
