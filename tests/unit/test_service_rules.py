"""Service rules the main service tests leave open: what each use case passes on and keeps, the
texts of its errors (they become problem details), retries with their pauses, and idempotency
edges. On the in-memory repositories, like tests/unit/test_service.py."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import shared.domain.ports as ports_module
import shared.wiring as wiring
from inmemory.repositories import FakeIdempotencyRepository, FakeItemRepository, FakeListRepository, FakeStore
from shared.domain.errors import IdempotencyKeyReused, NotFound, PreconditionFailed, StorageUnavailable, UnknownItems
from shared.domain.models import ItemState, TodoItem, TodoItemWrite, TodoList, TodoListWrite
from shared.domain.ports import IdempotencyRecord, IdempotencyRecordExists, Stored, VersionConflict, utc_now
from shared.service.idempotency import IdempotencyRequest
from shared.service.preconditions import UNCONDITIONAL, Expectation
from shared.service.retry import RETRY_PAUSE_SECONDS, WRITE_ATTEMPTS, pause_before
from shared.service.todos import TodoService
from shared.wiring import get_service

OWNER = "alice"
MISSING = "0" * 32
START = datetime(2026, 1, 1, tzinfo=UTC)


class Clock:
    """Advances one second per reading, unless frozen."""

    def __init__(self) -> None:
        self.now = START
        self.frozen = False

    def __call__(self) -> datetime:
        if not self.frozen:
            self.now += timedelta(seconds=1)
        return self.now


class ConflictingLists(FakeListRepository):
    """Every conditional write loses to another writer for the first `conflicts` attempts."""

    conflicts = WRITE_ATTEMPTS
    replaces = 0

    async def replace(self, owner: str, todo_list: TodoList, etag: str) -> None:
        self.replaces += 1
        if self.replaces <= self.conflicts:
            raise VersionConflict()
        await super().replace(owner, todo_list, etag)


class ConflictingItems(FakeItemRepository):
    conflicts = WRITE_ATTEMPTS
    writes = 0

    async def _maybe_conflict(self) -> None:
        self.writes += 1
        if self.writes <= self.conflicts:
            raise VersionConflict()

    async def replace(self, owner: str, item: TodoItem, etag: str) -> None:
        await self._maybe_conflict()
        await super().replace(owner, item, etag)

    async def replace_many(self, owner: str, list_id: str, items: Sequence[Stored[TodoItem]]) -> None:
        await self._maybe_conflict()
        await super().replace_many(owner, list_id, items)

    async def remove(self, owner: str, list_id: str, item_id: str, etag: str) -> None:
        await self._maybe_conflict()
        await super().remove(owner, list_id, item_id, etag)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """Records the bounds of every random pause and makes it instant."""
    seen: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        seen.append((low, high))
        return 0.0

    monkeypatch.setattr(random, "uniform", uniform)  # the module shared.service.todos draws its pauses from
    return seen


def make(
    store: FakeStore,
    clock: Clock,
    lists: type[FakeListRepository] = FakeListRepository,
    items: type[FakeItemRepository] = FakeItemRepository,
    ttl: timedelta = timedelta(hours=1),
) -> TodoService:
    return TodoService(lists(store), items(store), FakeIdempotencyRepository(store), clock=clock, idempotency_ttl=ttl)


@pytest.fixture
def service(store: FakeStore, clock: Clock) -> TodoService:
    return make(store, clock)


async def _list(service: TodoService, name: str = "home") -> TodoList:
    return (await service.create_list(OWNER, TodoListWrite(name=name), None)).value


async def _item(service: TodoService, list_id: str, **fields: Any) -> TodoItem:
    """Fields by their JSON names, as a client sends them."""
    write = TodoItemWrite.model_validate({"name": "milk", **fields})
    return (await service.create_item(OWNER, list_id, write, None)).value


async def _detail(call: Any, error: type[Exception]) -> str:
    with pytest.raises(error) as raised:
        await call
    return str(raised.value)


# Pauses and clock ---------------------------------------------------------------------------


async def test_first_attempt_runs_at_once_and_each_retry_pauses_longer(pauses: list[tuple[float, float]]) -> None:
    for attempt in range(4):
        await pause_before(attempt)
    assert pauses == [(0, RETRY_PAUSE_SECONDS * n) for n in (1, 2, 3)]


def test_clock_has_millisecond_precision(monkeypatch: pytest.MonkeyPatch) -> None:
    class Frozen(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Frozen:
            return cls(2026, 5, 6, 7, 8, 9, 500_400, tzinfo=tz)

    monkeypatch.setattr(ports_module, "datetime", Frozen)
    assert utc_now() == datetime(2026, 5, 6, 7, 8, 9, 500_000, tzinfo=UTC)


def test_clock_reads_utc() -> None:
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    now = utc_now()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC) and now.microsecond % 1000 == 0


# Lists ---------------------------------------------------------------------------------------


async def test_list_pages_pass_owner_cursor_limit_and_skip(service: TodoService) -> None:
    created = sorted([(await _list(service, f"l{n}")).id for n in range(5)])
    await service.create_list("mallory", TodoListWrite(name="other"), None)
    page = await service.list_lists(OWNER, created[0], 2, 1)
    assert [v.id for v in page.values] == created[2:4] and page.has_more
    last = await service.list_lists(OWNER, None, 10, 0)
    assert [v.id for v in last.values] == created and not last.has_more


async def test_created_list_keeps_the_description(service: TodoService) -> None:
    created = await service.create_list(OWNER, TodoListWrite(name="home", description="chores"), None)
    assert created.value.description == "chores" and created.replayed is False
    assert (await service.get_list(OWNER, created.value.id)).description == "chores"


async def test_replace_list_sets_name_and_description(service: TodoService) -> None:
    created = await _list(service)
    replaced = await service.replace_list(OWNER, created.id, TodoListWrite(name="work", description="d"), UNCONDITIONAL)
    assert (replaced.name, replaced.description) == ("work", "d")
    assert await service.get_list(OWNER, created.id) == replaced


async def test_missing_list_errors_say_the_list_does_not_exist(service: TodoService) -> None:
    expected = "the list does not exist"
    assert await _detail(service.get_list(OWNER, MISSING), NotFound) == expected
    assert await _detail(service.update_list(OWNER, MISSING, {"name": "x"}, UNCONDITIONAL), NotFound) == expected
    assert await _detail(service.list_items(OWNER, MISSING, None, None, 10, 0), NotFound) == expected
    assert await _detail(service.set_items_state(OWNER, MISSING, ItemState.DONE, [MISSING]), NotFound) == expected
    assert await _detail(service.delete_list(OWNER, MISSING, UNCONDITIONAL), NotFound) == expected


async def test_list_update_retries_after_a_conflict(
    store: FakeStore, clock: Clock, pauses: list[tuple[float, float]]
) -> None:
    service = make(store, clock, lists=ConflictingLists)
    created = await _list(service)
    assert isinstance(service.lists, ConflictingLists)
    service.lists.conflicts = 2
    assert (await service.update_list(OWNER, created.id, {"name": "work"}, UNCONDITIONAL)).name == "work"
    assert service.lists.replaces == 3 and len(pauses) == 2


async def test_list_update_gives_up_after_every_attempt_conflicted(
    store: FakeStore, clock: Clock, pauses: list[tuple[float, float]]
) -> None:
    service = make(store, clock, lists=ConflictingLists)
    created = await _list(service)
    detail = await _detail(service.update_list(OWNER, created.id, {"name": "w"}, UNCONDITIONAL), StorageUnavailable)
    assert detail == "the list is being changed by many writers; retry"
    assert isinstance(service.lists, ConflictingLists) and service.lists.replaces == WRITE_ATTEMPTS
    assert pauses == [(0, RETRY_PAUSE_SECONDS * n) for n in range(1, WRITE_ATTEMPTS)]


# Items ---------------------------------------------------------------------------------------


async def test_item_pages_check_the_list_and_pass_state_cursor_limit_and_skip(service: TodoService) -> None:
    todo_list = await _list(service)
    done = sorted([(await _item(service, todo_list.id, state=ItemState.DONE)).id for _ in range(4)])
    await _item(service, todo_list.id)
    page = await service.list_items(OWNER, todo_list.id, ItemState.DONE, done[0], 1, 1)
    assert [v.id for v in page.values] == [done[2]] and page.has_more
    everything = await service.list_items(OWNER, todo_list.id, None, None, 10, 0)
    assert len(everything.values) == 5 and not everything.has_more
    only_done = await service.list_items(OWNER, todo_list.id, ItemState.DONE, None, 10, 0)
    assert [v.id for v in only_done.values] == done


async def test_created_item_keeps_every_field_sent(service: TodoService) -> None:
    todo_list = await _list(service)
    due, completed = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 1, 5, tzinfo=UTC)
    # A completed date sent with an open state is kept: the client decides what it records.
    item = await _item(service, todo_list.id, description="2l", dueDate=due, completedDate=completed)
    assert (item.description, item.state, item.due_date, item.completed_date) == ("2l", ItemState.TODO, due, completed)
    assert item.list_id == todo_list.id and item.created_date == item.updated_date
    assert await service.get_item(OWNER, todo_list.id, item.id) == item


async def test_item_created_done_is_completed_at_creation(service: TodoService) -> None:
    todo_list = await _list(service)
    done = await _item(service, todo_list.id, state=ItemState.DONE)
    assert done.state is ItemState.DONE and done.completed_date == done.created_date
    started = await _item(service, todo_list.id, state=ItemState.IN_PROGRESS)
    assert started.state is ItemState.IN_PROGRESS and started.completed_date is None


async def test_idempotent_item_creation_replays_the_stored_item(service: TodoService, store: FakeStore) -> None:
    todo_list = await _list(service)
    request = IdempotencyRequest(key="k", fingerprint="f")
    first = await service.create_item(OWNER, todo_list.id, TodoItemWrite(name="milk"), request)
    again = await service.create_item(OWNER, todo_list.id, TodoItemWrite(name="milk"), request)
    assert first.replayed is False and again.replayed is True
    assert isinstance(again.value, TodoItem) and again.value == first.value
    assert len(store.items) == 1 and (OWNER, "k") in store.records


async def test_a_replayed_creation_answers_with_the_first_creations_exact_bytes(service: TodoService) -> None:
    todo_list = await _list(service)
    request = IdempotencyRequest(key="k", fingerprint="f")
    first = await service.create_item(OWNER, todo_list.id, TodoItemWrite(name="milk"), request)
    again = await service.create_item(OWNER, todo_list.id, TodoItemWrite(name="milk"), request)
    assert again.replayed is True and again.body == first.body == first.value.to_json()


async def test_replace_item_sets_every_field_and_ignores_read_only_ones(service: TodoService) -> None:
    todo_list = await _list(service)
    item = await _item(service, todo_list.id)
    body = b'{"id": "x", "listId": "y", "createdDate": "z", "updatedDate": "z", "name": "bread", "description": "w"}'
    replaced = await service.replace_item(OWNER, todo_list.id, item.id, TodoItemWrite.model_validate_json(body),
                                          UNCONDITIONAL)  # fmt: skip
    assert (replaced.id, replaced.list_id, replaced.created_date) == (item.id, todo_list.id, item.created_date)
    assert (replaced.name, replaced.description) == ("bread", "w")
    assert replaced.updated_date > item.updated_date


async def test_replace_item_keeps_a_completed_date_that_was_sent(service: TodoService) -> None:
    todo_list = await _list(service)
    item = await _item(service, todo_list.id)
    sent = datetime(2025, 12, 24, tzinfo=UTC)
    write = TodoItemWrite.model_validate({"name": "milk", "state": ItemState.DONE, "completedDate": sent})
    assert (await service.replace_item(OWNER, todo_list.id, item.id, write, UNCONDITIONAL)).completed_date == sent


async def test_state_change_with_a_sent_completed_date_keeps_the_sent_date(service: TodoService) -> None:
    todo_list = await _list(service)
    item = await _item(service, todo_list.id)
    sent = datetime(2025, 12, 24, tzinfo=UTC)
    changes = {"state": ItemState.DONE, "completed_date": sent}
    assert (await service.update_item(OWNER, todo_list.id, item.id, changes, UNCONDITIONAL)).completed_date == sent


async def test_renaming_a_done_item_keeps_its_completed_date(service: TodoService) -> None:
    todo_list = await _list(service)
    done = await _item(service, todo_list.id, state=ItemState.DONE)
    renamed = await service.update_item(OWNER, todo_list.id, done.id, {"name": "oat milk"}, UNCONDITIONAL)
    assert renamed.completed_date == done.completed_date and renamed.updated_date > done.updated_date


async def test_item_update_checks_the_precondition(service: TodoService) -> None:
    todo_list = await _list(service)
    item = await _item(service, todo_list.id)
    stale = Expectation(versions=frozenset({"stale"}))
    assert await _detail(service.update_item(OWNER, todo_list.id, item.id, {"name": "x"}, stale), PreconditionFailed)
    current = Expectation(versions=frozenset({item.version()}))
    assert (await service.update_item(OWNER, todo_list.id, item.id, {"name": "x"}, current)).name == "x"


async def test_if_none_match_star_refuses_to_overwrite_an_existing_item(service: TodoService) -> None:
    todo_list = await _list(service)
    item = await _item(service, todo_list.id)
    detail = await _detail(
        service.update_item(OWNER, todo_list.id, item.id, {"name": "x"}, Expectation(unwanted_any=True)),
        PreconditionFailed,
    )
    assert detail == "the resource exists in a version If-None-Match excludes"


async def test_missing_item_errors_say_the_item_does_not_exist(service: TodoService) -> None:
    todo_list = await _list(service)
    assert await _detail(service.get_item(OWNER, todo_list.id, MISSING), NotFound) == "the item does not exist"


async def test_item_delete_removes_exactly_that_item(service: TodoService, store: FakeStore) -> None:
    todo_list = await _list(service)
    keep, gone = await _item(service, todo_list.id), await _item(service, todo_list.id)
    await service.delete_item(OWNER, todo_list.id, gone.id, UNCONDITIONAL)
    assert list(store.items) == [(OWNER, todo_list.id, keep.id)]


@pytest.mark.parametrize("operation", ["update", "delete", "batch"])
async def test_item_writes_retry_after_a_conflict_and_give_up_after_every_attempt(
    store: FakeStore, clock: Clock, pauses: list[tuple[float, float]], operation: str
) -> None:
    service = make(store, clock, items=ConflictingItems)
    todo_list = await _list(service)
    item = await _item(service, todo_list.id)
    repository = service.items
    assert isinstance(repository, ConflictingItems)

    def write() -> Any:
        if operation == "update":
            return service.update_item(OWNER, todo_list.id, item.id, {"name": "x"}, UNCONDITIONAL)
        if operation == "delete":
            return service.delete_item(OWNER, todo_list.id, item.id, UNCONDITIONAL)
        return service.set_items_state(OWNER, todo_list.id, ItemState.DONE, [item.id])

    detail = await _detail(write(), StorageUnavailable)
    noun = "items are" if operation == "batch" else "item is"
    assert detail == f"the {noun} being changed by many writers; retry"
    assert repository.writes == WRITE_ATTEMPTS and len(pauses) == WRITE_ATTEMPTS - 1
    repository.writes, repository.conflicts = 0, 1
    await write()
    assert repository.writes == 2 and len(pauses) == WRITE_ATTEMPTS


async def test_batch_state_change_texts_dates_and_unchanged_items(service: TodoService) -> None:
    todo_list = await _list(service)
    done = await _item(service, todo_list.id, state=ItemState.DONE)
    todo = await _item(service, todo_list.id)
    detail = await _detail(service.set_items_state(OWNER, todo_list.id, ItemState.DONE, [MISSING]), UnknownItems)
    assert detail == "some item ids are not in this list; nothing was changed"
    result = await service.set_items_state(OWNER, todo_list.id, ItemState.DONE, [done.id, todo.id])
    assert result[0] == done  # already in that state: returned as it is, not rewritten
    assert result[1].state is ItemState.DONE and result[1].updated_date > todo.updated_date
    assert result[1].completed_date is not None


# Idempotency ---------------------------------------------------------------------------------


class RecordVanishes(FakeIdempotencyRepository):
    """The conflicting record is gone when read (it expired and another request removed it)."""

    async def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        self.store.records.pop((owner, key), None)
        return None


async def test_creation_retries_once_when_the_conflicting_record_vanished(store: FakeStore, clock: Clock) -> None:
    service = TodoService(FakeListRepository(store), FakeItemRepository(store), RecordVanishes(store), clock=clock)
    request = IdempotencyRequest(key="k", fingerprint="f")
    first = await service.create_list(OWNER, TodoListWrite(name="a"), request)
    second = await service.create_list(OWNER, TodoListWrite(name="a"), request)
    assert second.replayed is False and second.value.id != first.value.id


async def test_creation_gives_up_when_the_record_keeps_conflicting(store: FakeStore, clock: Clock) -> None:
    attempts = 0

    class AlwaysExists(FakeListRepository):
        async def add(self, owner: str, todo_list: TodoList, record: IdempotencyRecord | None) -> None:
            nonlocal attempts
            attempts += 1
            raise IdempotencyRecordExists()

    service = TodoService(AlwaysExists(store), FakeItemRepository(store), RecordVanishes(store), clock=clock)
    request = IdempotencyRequest(key="k", fingerprint="f")
    detail = await _detail(service.create_list(OWNER, TodoListWrite(name="a"), request), StorageUnavailable)
    assert detail == "the idempotency record is being replaced; retry" and attempts == 2


async def test_idempotency_record_is_replayed_until_exactly_its_lifetime(store: FakeStore, clock: Clock) -> None:
    service = make(store, clock, ttl=timedelta(seconds=30))
    request = IdempotencyRequest(key="k", fingerprint="f")
    first = await service.create_list(OWNER, TodoListWrite(name="a"), request)
    clock.frozen = True
    clock.now = store.records[(OWNER, "k")].created + timedelta(seconds=30)
    replay = await service.create_list(OWNER, TodoListWrite(name="a"), request)
    assert replay.replayed is True and replay.value == first.value
    clock.now += timedelta(microseconds=1)
    assert (await service.create_list(OWNER, TodoListWrite(name="a"), request)).replayed is False


async def test_reused_idempotency_key_says_why(service: TodoService) -> None:
    await service.create_list(OWNER, TodoListWrite(name="a"), IdempotencyRequest("k", "f1"))
    detail = await _detail(
        service.create_list(OWNER, TodoListWrite(name="b"), IdempotencyRequest("k", "f2")), IdempotencyKeyReused
    )
    assert detail == "this Idempotency-Key was already used with a different request"


def test_process_service_is_built_once_with_the_configured_idempotency_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.platform.settings import reset_settings_cache
    from shared.storage.repositories import TableIdempotencyRepository, TableItemRepository, TableListRepository

    monkeypatch.setattr(wiring, "_service", None)
    monkeypatch.setenv("TODO_IDEMPOTENCY_TTL_SECONDS", "120")
    reset_settings_cache()
    try:
        built = get_service()
        assert isinstance(built, TodoService) and built.idempotency_ttl == timedelta(seconds=120)
        assert isinstance(built.lists, TableListRepository) and isinstance(built.items, TableItemRepository)
        assert isinstance(built.idempotency, TableIdempotencyRepository)
        assert get_service() is built
    finally:
        reset_settings_cache()


def test_the_data_use_cases_are_built_once_per_process_on_the_table_repositories(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shared.platform.settings import reset_settings_cache
    from shared.service.imports import ImportService
    from shared.service.owner_data import OwnerDataService
    from shared.storage.imports import TableImportRepository
    from shared.storage.owner_data import TableOwnerDataRepository
    from shared.storage.repositories import TableIdempotencyRepository

    monkeypatch.setattr(wiring, "_owner_data", None)
    monkeypatch.setattr(wiring, "_imports", None)
    monkeypatch.setenv("TODO_IDEMPOTENCY_TTL_SECONDS", "90")
    reset_settings_cache()
    try:
        owner_data, imports = wiring.get_owner_data(), wiring.get_import_service()
        assert isinstance(owner_data, OwnerDataService)
        assert isinstance(owner_data.repository, TableOwnerDataRepository)
        assert isinstance(imports, ImportService) and imports.idempotency_ttl == timedelta(seconds=90)
        assert isinstance(imports.imports, TableImportRepository)
        assert isinstance(imports.records, TableIdempotencyRepository)
        assert wiring.get_owner_data() is owner_data and wiring.get_import_service() is imports
    finally:
        reset_settings_cache()


# List deletion and preconditions --------------------------------------------------------------


class RecordingListRemovals(FakeListRepository):
    """Records the storage ETag each removal was conditioned on; the first `conflicts` lose."""

    conflicts = 0
    removals: list[str | None]

    async def remove(self, owner: str, list_id: str, etag: str | None) -> None:
        self.removals = [*getattr(self, "removals", []), etag]
        if len(self.removals) <= self.conflicts:
            raise VersionConflict()
        await super().remove(owner, list_id, etag)


async def test_list_delete_is_conditional_on_the_storage_etag_only_when_the_client_asked(
    store: FakeStore, clock: Clock
) -> None:
    service = make(store, clock, lists=RecordingListRemovals)
    repository = service.lists
    assert isinstance(repository, RecordingListRemovals)
    plain, guarded = await _list(service), await _list(service)
    await service.delete_list(OWNER, plain.id, UNCONDITIONAL)
    etag = store.lists[(OWNER, guarded.id)].etag
    await service.delete_list(OWNER, guarded.id, Expectation(versions=frozenset({guarded.version()})))
    assert repository.removals == [None, etag]
    assert store.lists == {}


async def test_list_delete_retries_after_a_conflict_and_gives_up_after_every_attempt(
    store: FakeStore, clock: Clock, pauses: list[tuple[float, float]]
) -> None:
    service = make(store, clock, lists=RecordingListRemovals)
    repository = service.lists
    assert isinstance(repository, RecordingListRemovals)
    todo_list = await _list(service)
    current = Expectation(versions=frozenset({todo_list.version()}))
    repository.conflicts = WRITE_ATTEMPTS
    detail = await _detail(service.delete_list(OWNER, todo_list.id, current), StorageUnavailable)
    assert detail == "the list is being changed by many writers; retry"
    assert len(repository.removals) == WRITE_ATTEMPTS and len(pauses) == WRITE_ATTEMPTS - 1
    repository.removals, repository.conflicts = [], 1
    await service.delete_list(OWNER, todo_list.id, current)
    assert len(repository.removals) == 2 and store.lists == {}


async def test_precondition_failures_say_why(service: TodoService) -> None:
    todo_list = await _list(service)
    stale = Expectation(versions=frozenset({"stale"}))
    assert await _detail(service.update_list(OWNER, todo_list.id, {"name": "x"}, stale), PreconditionFailed) == (
        "the resource has changed since you read it"
    )
    assert await _detail(service.delete_list(OWNER, todo_list.id, stale), PreconditionFailed) == (
        "the resource has changed since you read it"
    )
    assert await _detail(service.update_list(OWNER, MISSING, {"name": "x"}, stale), PreconditionFailed) == (
        "the resource does not exist"
    )
