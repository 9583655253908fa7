"""The service layer's rules, on in-memory repositories (no HTTP, no storage)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from inmemory.repositories import FakeIdempotencyRepository, FakeItemRepository, FakeListRepository, FakeStore
from shared.domain.errors import IdempotencyKeyReused, NotFound, PreconditionFailed, UnknownItems
from shared.domain.models import ItemState, TodoItem, TodoItemWrite, TodoListWrite
from shared.domain.ports import Stored
from shared.service.idempotency import IdempotencyRequest
from shared.service.preconditions import UNCONDITIONAL, Expectation
from shared.service.todos import TodoService

OWNER = "alice"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(store: FakeStore, clock: Clock) -> TodoService:
    return TodoService(
        FakeListRepository(store), FakeItemRepository(store), FakeIdempotencyRepository(store), clock=clock
    )


async def test_created_list_is_readable_only_by_its_owner(service: TodoService) -> None:
    created = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    assert (await service.get_list(OWNER, created.id)) == created
    with pytest.raises(NotFound):
        await service.get_list("mallory", created.id)


async def test_update_with_stale_version_is_refused_and_changes_nothing(service: TodoService) -> None:
    created = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    stale = Expectation(versions=frozenset({"not-the-version"}))
    with pytest.raises(PreconditionFailed):
        await service.update_list(OWNER, created.id, {"name": "work"}, stale)
    assert (await service.get_list(OWNER, created.id)).name == "home"


async def test_update_with_current_version_applies_and_changes_the_version(service: TodoService) -> None:
    created = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    current = Expectation(versions=frozenset({created.version()}))
    updated = await service.update_list(OWNER, created.id, {"description": "chores"}, current)
    assert updated.description == "chores" and updated.name == "home"
    assert updated.version() != created.version()
    assert updated.updated_date > created.updated_date


async def test_if_match_any_on_missing_resource_fails_the_precondition(service: TodoService) -> None:
    with pytest.raises(PreconditionFailed):
        await service.update_list(OWNER, "0" * 32, {"name": "x"}, Expectation(any_version=True))


async def test_merge_patch_null_removes_an_optional_field(service: TodoService) -> None:
    created = (await service.create_list(OWNER, TodoListWrite(name="home", description="d"), None)).value
    updated = await service.update_list(OWNER, created.id, {"description": None}, UNCONDITIONAL)
    assert updated.description is None


async def test_deleting_a_list_deletes_its_items(service: TodoService, store: FakeStore) -> None:
    todo_list = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    for n in range(3):
        await service.create_item(OWNER, todo_list.id, TodoItemWrite(name=f"item {n}"), None)
    await service.delete_list(OWNER, todo_list.id, UNCONDITIONAL)
    assert store.items == {}
    with pytest.raises(NotFound):
        await service.get_list(OWNER, todo_list.id)


async def test_delete_retry_finishes_an_interrupted_delete(service: TodoService, store: FakeStore) -> None:
    todo_list = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    item = (await service.create_item(OWNER, todo_list.id, TodoItemWrite(name="left behind"), None)).value
    del store.lists[(OWNER, todo_list.id)]  # as if the delete stopped after removing the list
    with pytest.raises(NotFound):
        await service.get_item(OWNER, todo_list.id, item.id)  # leftovers are invisible
    await service.delete_list(OWNER, todo_list.id, UNCONDITIONAL)  # the retry sweeps them
    assert store.items == {}
    with pytest.raises(NotFound):
        await service.delete_list(OWNER, todo_list.id, UNCONDITIONAL)


async def test_items_left_by_an_interrupted_delete_cannot_be_deleted_one_by_one(
    service: TodoService, store: FakeStore
) -> None:
    todo_list = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    items = [(await service.create_item(OWNER, todo_list.id, TodoItemWrite(name=n), None)).value for n in "ab"]
    etag_version = items[1].version()
    del store.lists[(OWNER, todo_list.id)]  # as if the delete stopped after removing the list
    with pytest.raises(NotFound):
        await service.delete_item(OWNER, todo_list.id, items[0].id, UNCONDITIONAL)
    with pytest.raises(PreconditionFailed):  # the client held an ETag of a resource that is gone
        await service.delete_item(OWNER, todo_list.id, items[1].id, Expectation(versions=frozenset({etag_version})))
    assert len(store.items) == 2  # the list delete's retry sweeps them, not these calls


async def test_unconditional_delete_of_a_missing_item_is_not_found(service: TodoService) -> None:
    todo_list = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    with pytest.raises(NotFound):
        await service.delete_item(OWNER, todo_list.id, "0" * 32, UNCONDITIONAL)
    with pytest.raises(PreconditionFailed):
        await service.delete_item(OWNER, todo_list.id, "0" * 32, Expectation(any_version=True))


async def test_item_cannot_be_created_in_a_missing_list(service: TodoService, store: FakeStore) -> None:
    with pytest.raises(NotFound):
        await service.create_item(OWNER, "0" * 32, TodoItemWrite(name="orphan"), None)
    assert store.items == {}


async def test_completing_an_item_sets_and_reopening_clears_completed_date(service: TodoService) -> None:
    todo_list = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    item = (await service.create_item(OWNER, todo_list.id, TodoItemWrite(name="milk"), None)).value
    assert item.completed_date is None
    done = await service.update_item(OWNER, todo_list.id, item.id, {"state": ItemState.DONE}, UNCONDITIONAL)
    assert done.completed_date is not None
    reopened = await service.update_item(OWNER, todo_list.id, item.id, {"state": ItemState.TODO}, UNCONDITIONAL)
    assert reopened.completed_date is None


async def test_idempotent_create_replays_the_first_result(service: TodoService, store: FakeStore) -> None:
    request = IdempotencyRequest(key="k1", fingerprint="f1")
    first = await service.create_list(OWNER, TodoListWrite(name="home"), request)
    again = await service.create_list(OWNER, TodoListWrite(name="home"), request)
    assert not first.replayed and again.replayed
    assert again.value == first.value
    assert len(store.lists) == 1


async def test_idempotency_key_reused_with_another_request_is_refused(service: TodoService) -> None:
    await service.create_list(OWNER, TodoListWrite(name="home"), IdempotencyRequest("k1", "f1"))
    with pytest.raises(IdempotencyKeyReused):
        await service.create_list(OWNER, TodoListWrite(name="work"), IdempotencyRequest("k1", "f2"))


async def test_expired_idempotency_key_creates_again(store: FakeStore, clock: Clock) -> None:
    service = TodoService(
        FakeListRepository(store),
        FakeItemRepository(store),
        FakeIdempotencyRepository(store),
        clock=clock,
        idempotency_ttl=timedelta(seconds=5),
    )
    first = await service.create_list(OWNER, TodoListWrite(name="home"), IdempotencyRequest("k", "f"))
    clock.now += timedelta(minutes=1)
    second = await service.create_list(OWNER, TodoListWrite(name="home"), IdempotencyRequest("k", "f"))
    assert not second.replayed and second.value.id != first.value.id


async def test_batch_state_change_with_unknown_ids_changes_nothing(service: TodoService) -> None:
    todo_list = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    item = (await service.create_item(OWNER, todo_list.id, TodoItemWrite(name="milk"), None)).value
    unknown = "f" * 32
    with pytest.raises(UnknownItems) as raised:
        await service.set_items_state(OWNER, todo_list.id, ItemState.DONE, [item.id, unknown])
    assert raised.value.extensions["unknownIds"] == [unknown]
    assert (await service.get_item(OWNER, todo_list.id, item.id)).state is ItemState.TODO


async def test_batch_state_change_returns_every_named_item_updated(service: TodoService) -> None:
    todo_list = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    ids = [
        (await service.create_item(OWNER, todo_list.id, TodoItemWrite(name=f"i{n}"), None)).value.id for n in range(3)
    ]
    result = await service.set_items_state(OWNER, todo_list.id, ItemState.DONE, [*ids, ids[0]])
    assert [i.id for i in result] == ids
    assert all(i.state is ItemState.DONE and i.completed_date for i in result)


async def test_unchanged_replace_keeps_the_version(service: TodoService) -> None:
    created = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    same = await service.replace_list(OWNER, created.id, TodoListWrite(name="home"), UNCONDITIONAL)
    assert same.version() == created.version()


async def test_put_to_done_without_completed_date_sets_it(service: TodoService) -> None:
    todo_list = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    item = (await service.create_item(OWNER, todo_list.id, TodoItemWrite(name="milk"), None)).value
    done = await service.replace_item(
        OWNER, todo_list.id, item.id, TodoItemWrite(name="milk", state=ItemState.DONE), UNCONDITIONAL
    )
    assert done.completed_date is not None


async def test_retried_conditional_delete_of_an_interrupted_list_delete_sweeps_and_fails_precondition(
    service: TodoService, store: FakeStore
) -> None:
    todo_list = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    await service.create_item(OWNER, todo_list.id, TodoItemWrite(name="left behind"), None)
    del store.lists[(OWNER, todo_list.id)]  # as if the delete stopped after removing the list
    with pytest.raises(PreconditionFailed):
        await service.delete_list(OWNER, todo_list.id, Expectation(versions=frozenset({todo_list.version()})))
    assert store.items == {}  # the leftovers are swept all the same


async def test_state_batch_reports_an_item_deleted_while_it_ran_as_unknown(store: FakeStore, clock: Clock) -> None:
    class DeletesFirstItemOnce(FakeItemRepository):
        """Another request deletes the first item between this batch's read and its write."""

        deleted = False

        async def replace_many(self, owner: str, list_id: str, items: Sequence[Stored[TodoItem]]) -> None:
            if not self.deleted:
                self.deleted = True
                del self.store.items[(owner, list_id, items[0].value.id)]
            await super().replace_many(owner, list_id, items)

    service = TodoService(
        FakeListRepository(store), DeletesFirstItemOnce(store), FakeIdempotencyRepository(store), clock=clock
    )
    todo_list = (await service.create_list(OWNER, TodoListWrite(name="home"), None)).value
    first = (await service.create_item(OWNER, todo_list.id, TodoItemWrite(name="a"), None)).value
    second = (await service.create_item(OWNER, todo_list.id, TodoItemWrite(name="b"), None)).value
    with pytest.raises(UnknownItems) as raised:
        await service.set_items_state(OWNER, todo_list.id, ItemState.DONE, [first.id, second.id])
    assert raised.value.extensions["unknownIds"] == [first.id]
