"""Use cases of the Todo API: lists and the items inside them. Plain values in, models out; the
repositories come in through the domain ports, so nothing here knows HTTP or Table Storage.

Preconditions use the representation's version (a hash of its JSON), which the HTTP layer
exposes as a strong ETag. Writes are checked against the storage version read with the same
entity (shared.service.retry), so a concurrent writer always makes the slower one re-read and
re-check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from shared.domain.errors import NotFound, UnknownItems
from shared.domain.ids import new_id
from shared.domain.models import ItemState, TodoItem, TodoItemWrite, TodoList, TodoListWrite
from shared.domain.ports import (
    Clock,
    IdempotencyRecord,
    IdempotencyRepository,
    ItemRepository,
    ListRepository,
    Page,
    Stored,
    utc_now,
)
from shared.service.idempotency import Created, IdempotencyRequest, create_once
from shared.service.preconditions import UNCONDITIONAL, Expectation
from shared.service.retry import until_written

MAX_BATCH_IDS = 100
T = TypeVar("T", TodoList, TodoItem)


class TodoService:
    def __init__(
        self,
        lists: ListRepository,
        items: ItemRepository,
        idempotency: IdempotencyRepository,
        clock: Clock = utc_now,
        idempotency_ttl: timedelta = timedelta(hours=24),
    ) -> None:
        self.lists = lists
        self.items = items
        self.idempotency = idempotency
        self.clock = clock
        self.idempotency_ttl = idempotency_ttl

    # Lists ------------------------------------------------------------------------------

    async def list_lists(self, owner: str, after: str | None, limit: int, skip: int) -> Page[TodoList]:
        return await self.lists.page(owner, after, limit, skip)

    async def get_list(self, owner: str, list_id: str) -> TodoList:
        return (await self._stored_list(owner, list_id)).value

    async def create_list(
        self, owner: str, data: TodoListWrite, idempotency: IdempotencyRequest | None
    ) -> Created[TodoList]:
        now = self.clock()
        todo_list = TodoList(
            id=new_id(), name=data.name, description=data.description, created_date=now, updated_date=now
        )

        async def add(record: IdempotencyRecord | None) -> None:
            await self.lists.add(owner, todo_list, record)

        return await create_once(
            owner,
            todo_list,
            add,
            idempotency,
            records=self.idempotency,
            clock=self.clock,
            lifetime=self.idempotency_ttl,
        )

    async def replace_list(self, owner: str, list_id: str, data: TodoListWrite, expect: Expectation) -> TodoList:
        return await self.update_list(owner, list_id, {"name": data.name, "description": data.description}, expect)

    async def update_list(self, owner: str, list_id: str, changes: dict[str, Any], expect: Expectation) -> TodoList:
        async def write() -> TodoList:
            stored = await self.lists.get(owner, list_id)
            expect.check(stored.value if stored else None)
            if stored is None:
                raise NotFound("the list does not exist")
            if stored.value.model_copy(update=changes) == stored.value:
                return stored.value  # nothing changed: keep the version clients already hold
            updated = stored.value.model_copy(update={**changes, "updated_date": self.clock()})
            await self.lists.replace(owner, updated, stored.etag)
            return updated

        return await until_written(write, busy="the list is being changed by many writers; retry")

    async def delete_list(self, owner: str, list_id: str, expect: Expectation) -> None:
        async def write() -> None:
            stored = await self.lists.get(owner, list_id)
            if stored is None:
                # A previous delete may have stopped after removing the list: finish it (the
                # leftovers are invisible either way). For the client the list is gone, so a
                # precondition still fails.
                removed = await self.items.remove_all(owner, list_id)
                expect.check(None)
                if not removed:
                    raise NotFound("the list does not exist")
                return
            expect.check(stored.value)
            # Removing the list first makes every item invisible and makes concurrent item
            # creations fail (they write in a transaction that requires the list). Without
            # If-Match the removal is unconditional: item creations change the list row's
            # storage ETag, and they must not make a delete give up.
            await self.lists.remove(owner, list_id, None if expect.is_unconditional else stored.etag)
            await self.items.remove_all(owner, list_id)

        await until_written(write, busy="the list is being changed by many writers; retry")

    # Items ------------------------------------------------------------------------------

    async def list_items(
        self, owner: str, list_id: str, state: ItemState | None, after: str | None, limit: int, skip: int
    ) -> Page[TodoItem]:
        stored_list, page = await asyncio.gather(
            self.lists.get(owner, list_id), self.items.page(owner, list_id, state, after, limit, skip)
        )
        if stored_list is None:
            raise NotFound("the list does not exist")
        return page

    async def get_item(self, owner: str, list_id: str, item_id: str) -> TodoItem:
        return (await self._stored_item(owner, list_id, item_id)).value

    async def create_item(
        self, owner: str, list_id: str, data: TodoItemWrite, idempotency: IdempotencyRequest | None
    ) -> Created[TodoItem]:
        now = self.clock()
        item = TodoItem(
            id=new_id(),
            list_id=list_id,
            name=data.name,
            description=data.description,
            state=data.state,
            due_date=data.due_date,
            completed_date=data.completed_date or (now if data.state is ItemState.DONE else None),
            created_date=now,
            updated_date=now,
        )

        async def add(record: IdempotencyRecord | None) -> None:
            await self.items.add(owner, item, record)

        return await self._create_once(owner, item, add, idempotency)

    async def replace_item(
        self, owner: str, list_id: str, item_id: str, data: TodoItemWrite, expect: Expectation
    ) -> TodoItem:
        changes = data.model_dump()  # the read-only fields are declared exclude=True
        if "completed_date" not in data.model_fields_set:
            del changes["completed_date"]  # let the state change decide it (see _apply_item_changes)
        return await self.update_item(owner, list_id, item_id, changes, expect)

    async def update_item(
        self, owner: str, list_id: str, item_id: str, changes: dict[str, Any], expect: Expectation
    ) -> TodoItem:
        async def write() -> TodoItem:
            stored = await self._stored_item(owner, list_id, item_id, expect)
            updated = self._apply_item_changes(stored.value, changes)
            if updated == stored.value:
                return stored.value
            updated = updated.model_copy(update={"updated_date": self.clock()})
            await self.items.replace(owner, updated, stored.etag)
            return updated

        return await until_written(write, busy="the item is being changed by many writers; retry")

    async def delete_item(self, owner: str, list_id: str, item_id: str, expect: Expectation) -> None:
        async def write() -> None:
            stored = await self._stored_item(owner, list_id, item_id, expect)
            await self.items.remove(owner, list_id, item_id, stored.etag)

        await until_written(write, busy="the item is being changed by many writers; retry")

    async def set_items_state(self, owner: str, list_id: str, state: ItemState, item_ids: list[str]) -> list[TodoItem]:
        wanted = list(dict.fromkeys(item_ids))  # keep order, drop repeats

        async def write() -> list[TodoItem]:
            stored_list, found = await asyncio.gather(
                self.lists.get(owner, list_id), self.items.get_many(owner, list_id, wanted)
            )
            if stored_list is None:
                raise NotFound("the list does not exist")
            unknown = [item_id for item_id in wanted if item_id not in found]
            if unknown:
                raise UnknownItems("some item ids are not in this list; nothing was changed", unknownIds=unknown)
            present = [found[item_id] for item_id in wanted]
            changed = [
                Stored(
                    self._apply_item_changes(s.value, {"state": state}).model_copy(
                        update={"updated_date": self.clock()}
                    ),
                    s.etag,
                )
                for s in present
                if s.value.state is not state
            ]
            if changed:
                await self.items.replace_many(owner, list_id, changed)
            by_id = {s.value.id: s.value for s in changed}
            return [by_id.get(s.value.id, s.value) for s in present]

        return await until_written(write, busy="the items are being changed by many writers; retry")

    # Helpers ----------------------------------------------------------------------------

    def _apply_item_changes(self, item: TodoItem, changes: dict[str, Any]) -> TodoItem:
        """Merge changes, keeping completedDate consistent with the state unless sent."""
        updated = item.model_copy(update=changes)
        if "completed_date" not in changes and updated.state is not item.state:
            completed = self.clock() if updated.state is ItemState.DONE else None
            updated = updated.model_copy(update={"completed_date": completed})
        return updated

    async def _create_once(
        self,
        owner: str,
        resource: T,
        add: Callable[[IdempotencyRecord | None], Awaitable[None]],
        idempotency: IdempotencyRequest | None,
    ) -> Created[T]:
        return await create_once(
            owner, resource, add, idempotency, records=self.idempotency, clock=self.clock, lifetime=self.idempotency_ttl
        )

    async def _stored_list(self, owner: str, list_id: str) -> Stored[TodoList]:
        stored = await self.lists.get(owner, list_id)
        if stored is None:
            raise NotFound("the list does not exist")
        return stored

    async def _stored_item(
        self, owner: str, list_id: str, item_id: str, expect: Expectation = UNCONDITIONAL
    ) -> Stored[TodoItem]:
        """An item is visible only while its list exists (hides what an interrupted delete left)."""
        stored_list, stored_item = await asyncio.gather(
            self.lists.get(owner, list_id), self.items.get(owner, list_id, item_id)
        )
        visible = stored_item if stored_list is not None else None
        expect.check(visible.value if visible else None)
        if visible is None:
            raise NotFound("the item does not exist")
        return visible
