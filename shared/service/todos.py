"""Use cases of the Todo API. Plain values in, models out: no HTTP and no Table Storage here.

Preconditions use the representation's version (a hash of its JSON), which the HTTP layer
exposes as a strong ETag. Writes are checked against the storage ETag read with the same
entity, so a concurrent writer always makes the slower one re-read and re-check.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from shared.domain.errors import (
    IdempotencyKeyReused,
    NotFound,
    PreconditionFailed,
    StorageUnavailable,
    UnknownItems,
)
from shared.domain.ids import new_id
from shared.domain.models import (
    ItemState,
    TodoItem,
    TodoItemWrite,
    TodoList,
    TodoListWrite,
)
from shared.storage.repositories import (
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
WRITE_ATTEMPTS = 6
RETRY_PAUSE_SECONDS = 0.01  # upper bound of the random pause, times the attempt number
MAX_BATCH_IDS = 100


async def pause_before(attempt: int) -> None:
    """In a read-check-write loop, the first attempt runs at once and each retry after a short
    random pause, so writers that collided (or item creations touching the list row) spread out
    instead of colliding again. (A plain loop, not an async generator: one left early by a
    return would cost a finalizer task on every request.)"""
    if attempt:
        await asyncio.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * attempt))


def utc_now() -> datetime:
    """Millisecond precision, so a stored and re-read date gives identical JSON (and ETag)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Expectation:
    """What the client believes the current version is (If-Match); None means unconditional."""

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
        if current is None:
            if self.any_version or self.versions:
                raise PreconditionFailed("the resource does not exist")
            return
        if self.versions and current.version() not in self.versions:
            raise PreconditionFailed("the resource has changed since you read it")
        if self.unwanted_any or current.version() in self.unwanted_versions:
            raise PreconditionFailed("the resource exists in a version If-None-Match excludes")


UNCONDITIONAL = Expectation()


@dataclass(frozen=True)
class IdempotencyRequest:
    key: str
    fingerprint: str


@dataclass(frozen=True)
class Created(Generic[T]):
    value: T
    replayed: bool


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class TodoService:
    def __init__(
        self,
        lists: ListRepository | None = None,
        items: ItemRepository | None = None,
        idempotency: IdempotencyRepository | None = None,
        clock: Clock = utc_now,
        idempotency_ttl: timedelta = timedelta(hours=24),
    ) -> None:
        self.lists = lists or ListRepository()
        self.items = items or ItemRepository()
        self.idempotency = idempotency or IdempotencyRepository()
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

        return await self._create(owner, todo_list, TodoList, add, idempotency)

    async def replace_list(self, owner: str, list_id: str, data: TodoListWrite, expect: Expectation) -> TodoList:
        return await self.update_list(owner, list_id, {"name": data.name, "description": data.description}, expect)

    async def update_list(self, owner: str, list_id: str, changes: dict[str, Any], expect: Expectation) -> TodoList:
        for attempt in range(WRITE_ATTEMPTS):
            await pause_before(attempt)
            stored = await self.lists.get(owner, list_id)
            expect.check(stored.value if stored else None)
            if stored is None:
                raise NotFound("the list does not exist")
            merged = stored.value.model_copy(update=changes)
            updated = stored.value.model_copy(update={**changes, "updated_date": self.clock()})
            if merged == stored.value:
                return stored.value  # nothing changed: keep the version clients already hold
            try:
                await self.lists.replace(owner, updated, stored.etag)
                return updated
            except VersionConflict:
                continue
        raise StorageUnavailable("the list is being changed by many writers; retry")

    async def delete_list(self, owner: str, list_id: str, expect: Expectation) -> None:
        for attempt in range(WRITE_ATTEMPTS):
            await pause_before(attempt)
            stored = await self.lists.get(owner, list_id)
            if stored is None:
                # A previous delete may have stopped after removing the list: finish it (the
                # leftovers are invisible either way). For the client the list is gone, so a
                # precondition still fails.
                removed = await self.items.remove_all(owner, list_id)
                expect.check(None)
                if removed:
                    return
                raise NotFound("the list does not exist")
            expect.check(stored.value)
            try:
                # Removing the list first makes every item invisible and makes concurrent item
                # creations fail (they write in a transaction that requires the list). Without
                # If-Match the removal is unconditional: item creations change the list row's
                # storage ETag, and they must not make a delete give up.
                await self.lists.remove(owner, list_id, None if expect.is_unconditional else stored.etag)
            except VersionConflict:
                continue
            await self.items.remove_all(owner, list_id)
            return
        raise StorageUnavailable("the list is being changed by many writers; retry")

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

        return await self._create(owner, item, TodoItem, add, idempotency)

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
        for attempt in range(WRITE_ATTEMPTS):
            await pause_before(attempt)
            stored = await self._stored_item(owner, list_id, item_id, expect)
            updated = self._apply_item_changes(stored.value, changes)
            if updated == stored.value:
                return stored.value
            updated = updated.model_copy(update={"updated_date": self.clock()})
            try:
                await self.items.replace(owner, updated, stored.etag)
                return updated
            except VersionConflict:
                continue
        raise StorageUnavailable("the item is being changed by many writers; retry")

    async def delete_item(self, owner: str, list_id: str, item_id: str, expect: Expectation) -> None:
        for attempt in range(WRITE_ATTEMPTS):
            await pause_before(attempt)
            stored = await self._stored_item(owner, list_id, item_id, expect)
            try:
                await self.items.remove(owner, list_id, item_id, stored.etag)
                return
            except VersionConflict:
                continue
        raise StorageUnavailable("the item is being changed by many writers; retry")

    async def set_items_state(self, owner: str, list_id: str, state: ItemState, item_ids: list[str]) -> list[TodoItem]:
        wanted = list(dict.fromkeys(item_ids))  # keep order, drop repeats
        for attempt in range(WRITE_ATTEMPTS):
            await pause_before(attempt)
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
            try:
                if changed:
                    await self.items.replace_many(owner, list_id, changed)
            except VersionConflict:
                continue
            by_id = {s.value.id: s.value for s in changed}
            return [by_id.get(s.value.id, s.value) for s in present]
        raise StorageUnavailable("the items are being changed by many writers; retry")

    # Helpers ----------------------------------------------------------------------------

    def _apply_item_changes(self, item: TodoItem, changes: dict[str, Any]) -> TodoItem:
        """Merge changes, keeping completedDate consistent with the state unless sent."""
        updated = item.model_copy(update=changes)
        if "completed_date" not in changes and updated.state is not item.state:
            completed = self.clock() if updated.state is ItemState.DONE else None
            updated = updated.model_copy(update={"completed_date": completed})
        return updated

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

    async def _create(
        self,
        owner: str,
        resource: T,
        model: type[T],
        add: Callable[[IdempotencyRecord | None], Awaitable[None]],
        idempotency: IdempotencyRequest | None,
    ) -> Created[T]:
        if idempotency is None:
            await add(None)
            return Created(resource, replayed=False)
        record = IdempotencyRecord(
            key=idempotency.key,
            fingerprint=idempotency.fingerprint,
            resource_json=resource.to_json().decode(),
            created=self.clock(),
        )
        for _ in range(2):
            try:
                await add(record)
                return Created(resource, replayed=False)
            except IdempotencyRecordExists:
                existing = await self.idempotency.get(owner, idempotency.key)
                if existing is None:
                    continue
                if self.clock() - existing.created > self.idempotency_ttl:
                    await self.idempotency.remove(owner, idempotency.key)
                    continue
                if existing.fingerprint != idempotency.fingerprint:
                    raise IdempotencyKeyReused(
                        "this Idempotency-Key was already used with a different request"
                    ) from None
                return Created(model.model_validate_json(existing.resource_json), replayed=True)
        raise StorageUnavailable("the idempotency record is being replaced; retry")


_service: TodoService | None = None


def get_service() -> TodoService:
    """The process-wide service (stateless; repositories share the process table client)."""
    global _service
    if _service is None:
        from shared.platform.settings import get_settings

        _service = TodoService(idempotency_ttl=timedelta(seconds=get_settings().idempotency_ttl_seconds))
    return _service
