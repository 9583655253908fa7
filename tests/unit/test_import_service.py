"""The import use case (shared/service/imports.py) on the in-memory repositories: what it writes,
what it refuses with nothing written, what a retry answers, and how it decides again after a race."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inmemory.imports import FakeImportRepository
from inmemory.repositories import FakeIdempotencyRepository, FakeStore
from shared.domain.errors import IdempotencyKeyReused, ImportConflict, InvalidLines, StorageUnavailable
from shared.domain.import_lines import parse_lines
from shared.domain.models import TodoItem, TodoList
from shared.domain.ports import IdempotencyRecord, Stored
from shared.service.idempotency import IdempotencyRequest
from shared.service.imports import ImportService

OWNER = "alice"
DATE = datetime(2025, 1, 2, tzinfo=UTC)
DATES = {"createdDate": "2025-01-02T00:00:00Z", "updatedDate": "2025-01-02T00:00:00Z"}


def ident(n: int) -> str:
    return f"0190a1b2c3d4{n:020x}"


def lines(*values: dict[str, Any]) -> bytes:
    return b"\n".join(json.dumps(value).encode() for value in values)


def list_line(n: int, name: str = "home") -> dict[str, Any]:
    return {"kind": "list", "id": ident(n), "name": name, **DATES}


def item_line(n: int, list_n: int, name: str = "milk") -> dict[str, Any]:
    return {"kind": "item", "id": ident(n), "listId": ident(list_n), "name": name, **DATES}


def request(body: bytes, key: str = "k") -> IdempotencyRequest:
    return IdempotencyRequest.of(key, "POST", "/api/me/import", body)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def service_on(store: FakeStore, clock: Clock, imports: FakeImportRepository | None = None) -> ImportService:
    return ImportService(
        imports or FakeImportRepository(store), FakeIdempotencyRepository(store), clock, timedelta(hours=1)
    )


async def run(service: ImportService, body: bytes, key: str = "k") -> tuple[dict[str, int], bool]:
    imported = await service.import_lines(OWNER, parse_lines(body), request(body, key))
    return json.loads(imported.body), imported.replayed


def existing_list(store: FakeStore, n: int, name: str = "home") -> None:
    store.lists[(OWNER, ident(n))] = Stored(TodoList(id=ident(n), name=name, created_date=DATE, updated_date=DATE), "e")


async def test_new_lines_are_created_and_counted(store: FakeStore, clock: Clock) -> None:
    body = lines(list_line(1), item_line(2, 1), item_line(3, 1))
    assert await run(service_on(store, clock), body) == ({"created": 3, "unchanged": 0}, False)
    assert store.items[(OWNER, ident(1), ident(3))].value.name == "milk"
    assert set(store.records) == {(OWNER, "k")}


async def test_a_retry_replays_the_first_answer_even_though_everything_now_exists(
    store: FakeStore, clock: Clock
) -> None:
    service, body = service_on(store, clock), lines(list_line(1))
    assert await run(service, body) == ({"created": 1, "unchanged": 0}, False)
    assert await run(service, body) == ({"created": 1, "unchanged": 0}, True)
    assert await run(service, body, key="new") == ({"created": 0, "unchanged": 1}, False)


async def test_a_key_reused_with_another_body_is_refused(store: FakeStore, clock: Clock) -> None:
    service = service_on(store, clock)
    await run(service, lines(list_line(1)))
    with pytest.raises(IdempotencyKeyReused):
        await run(service, lines(list_line(2)))
    assert (OWNER, ident(2)) not in store.lists


async def test_an_expired_record_is_replaced_and_the_answer_recomputed(store: FakeStore, clock: Clock) -> None:
    service = service_on(store, clock)
    await run(service, lines(list_line(1)))
    clock.now += timedelta(hours=2)
    assert await run(service, lines(list_line(2))) == ({"created": 1, "unchanged": 0}, False)
    assert store.records[(OWNER, "k")].created == clock.now


async def test_ids_taken_with_other_content_refuse_the_whole_import(store: FakeStore, clock: Clock) -> None:
    existing_list(store, 1, name="mine")
    with pytest.raises(ImportConflict) as caught:
        await run(service_on(store, clock), lines(list_line(2), list_line(1, name="theirs"), item_line(3, 2)))
    assert caught.value.extensions["conflictingIds"] == [ident(1)]
    assert caught.value.extensions["conflicts"] == [{"line": 2, "kind": "list", "id": ident(1)}]
    assert (OWNER, ident(2)) not in store.lists and not store.items and not store.records


async def test_an_item_with_other_content_is_a_conflict_too(store: FakeStore, clock: Clock) -> None:
    service = service_on(store, clock)
    await run(service, lines(list_line(1), item_line(2, 1)), key="a")
    with pytest.raises(ImportConflict) as caught:
        await run(service, lines(list_line(1), item_line(2, 1, name="oat milk")), key="b")
    assert caught.value.extensions["conflicts"] == [{"line": 2, "kind": "item", "id": ident(2)}]


async def test_an_item_whose_list_is_nowhere_is_an_invalid_line(store: FakeStore, clock: Clock) -> None:
    with pytest.raises(InvalidLines) as caught:
        await run(service_on(store, clock), lines(list_line(1), item_line(2, 1), item_line(3, 9)))
    assert [(e["line"], e["field"]) for e in caught.value.extensions["errors"]] == [(3, "/listId")]
    assert not store.lists and not store.records


async def test_items_go_into_a_list_the_owner_has(store: FakeStore, clock: Clock) -> None:
    existing_list(store, 1)
    assert await run(service_on(store, clock), lines(item_line(2, 1))) == ({"created": 1, "unchanged": 0}, False)


async def test_another_owners_list_is_not_the_callers(store: FakeStore, clock: Clock) -> None:
    store.lists[("mallory", ident(1))] = Stored(
        TodoList(id=ident(1), name="x", created_date=DATE, updated_date=DATE), "e"
    )
    with pytest.raises(InvalidLines):
        await run(service_on(store, clock), lines(item_line(2, 1)))


class _LosesRecord(FakeImportRepository):
    """The first write commits the rows and stops before the record (a 100-row transaction whose
    process ended before the record's own write)."""

    async def write(
        self,
        owner: str,
        lists: Sequence[TodoList],
        items: Sequence[TodoItem],
        existing_lists: Sequence[str],
        tag: str,
        record: IdempotencyRecord,
    ) -> None:
        await super().write(owner, lists, items, existing_lists, tag, record)
        del self.store.records[(owner, record.key)]
        raise StorageUnavailable("stopped before the record")


async def test_a_retry_whose_record_is_missing_gives_the_same_answer(store: FakeStore, clock: Clock) -> None:
    body = lines(list_line(1), item_line(2, 1))
    with pytest.raises(StorageUnavailable):
        await run(service_on(store, clock, _LosesRecord(store)), body)
    assert (OWNER, ident(1)) in store.lists and not store.records
    service = service_on(store, clock)
    assert await run(service, body) == ({"created": 2, "unchanged": 0}, False)  # its own rows count as created
    assert await run(service, body, key="other") == ({"created": 0, "unchanged": 2}, False)


class _Interleaved(FakeImportRepository):
    """Someone else writes between this import's read and its transaction, once."""

    def __init__(self, store: FakeStore, meanwhile: Any) -> None:
        super().__init__(store)
        self.meanwhile = meanwhile

    async def write(self, owner: str, *args: Any) -> None:
        if self.meanwhile is not None:
            self.meanwhile(self.store)
            self.meanwhile = None
        await super().write(owner, *args)


async def test_a_row_created_meanwhile_with_the_same_content_is_skipped_on_the_new_read(
    store: FakeStore, clock: Clock
) -> None:
    body = lines(list_line(1), list_line(2))
    same = parse_lines(lines(list_line(1))).lists[0].value
    imports = _Interleaved(store, lambda s: s.lists.__setitem__((OWNER, ident(1)), Stored(same, "x")))
    assert await run(service_on(store, clock, imports), body) == ({"created": 1, "unchanged": 1}, False)


async def test_a_row_created_meanwhile_with_other_content_makes_it_a_conflict(store: FakeStore, clock: Clock) -> None:
    other = TodoList(id=ident(1), name="theirs", created_date=DATE, updated_date=DATE)
    imports = _Interleaved(store, lambda s: s.lists.__setitem__((OWNER, ident(1)), Stored(other, "x")))
    with pytest.raises(ImportConflict):
        await run(service_on(store, clock, imports), lines(list_line(1), list_line(2)))
    assert (OWNER, ident(2)) not in store.lists


async def test_a_list_deleted_meanwhile_makes_its_items_invalid_lines(store: FakeStore, clock: Clock) -> None:
    existing_list(store, 1)
    imports = _Interleaved(store, lambda s: s.lists.pop((OWNER, ident(1))))
    with pytest.raises(InvalidLines):
        await run(service_on(store, clock, imports), lines(item_line(2, 1)))
    assert not store.items
