"""The in-memory import repository: the Table one's semantics (all rows or none, rows tagged with
the import that wrote them, the record in the same step) on the fake store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from inmemory.repositories import FakeIdempotencyRepository, FakeStore
from shared.domain.models import TodoItem, TodoList
from shared.domain.ports import Found, IdempotencyRecord, ImportRepository, ImportRows, Stored, VersionConflict


class FakeImportRepository:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def read(self, owner: str, list_ids: Sequence[str], item_keys: Sequence[tuple[str, str]]) -> ImportRows:
        tags = self.store.import_tags
        lists = {
            list_id: Found(stored.value, tags.get((owner, list_id)))
            for list_id in list_ids
            if (stored := self.store.lists.get((owner, list_id))) is not None
        }
        items = {
            (list_id, item_id): Found(item.value, tags.get((owner, list_id, item_id)))
            for list_id, item_id in item_keys
            if (item := self.store.items.get((owner, list_id, item_id))) is not None
        }
        return ImportRows(lists, items)

    async def write(
        self,
        owner: str,
        lists: Sequence[TodoList],
        items: Sequence[TodoItem],
        existing_lists: Sequence[str],
        tag: str,
        record: IdempotencyRecord,
    ) -> None:
        store = self.store
        taken = any((owner, todo_list.id) in store.lists for todo_list in lists) or any(
            (owner, item.list_id, item.id) in store.items for item in items
        )
        if taken or any((owner, list_id) not in store.lists for list_id in existing_lists):
            raise VersionConflict()
        FakeIdempotencyRepository(store).claim(owner, record)  # IdempotencyRecordExists: nothing written
        for todo_list in lists:
            store.lists[(owner, todo_list.id)] = Stored(todo_list, store.etag())
            store.import_tags[(owner, todo_list.id)] = tag
        for item in items:
            store.items[(owner, item.list_id, item.id)] = Stored(item, store.etag())
            store.import_tags[(owner, item.list_id, item.id)] = tag


if TYPE_CHECKING:  # mypy proves the fake is a complete implementation of the port
    _imports: ImportRepository = FakeImportRepository(FakeStore())
