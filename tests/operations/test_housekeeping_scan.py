"""The orphan scan's exact bookkeeping against Azurite (a table per test): which rows it walks,
where it says it stopped, and what a run reports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.domain.ids import new_id
from shared.domain.models import TodoItem, TodoList
from shared.domain.ports import IdempotencyRecord, ScanPosition, utc_now
from shared.service.housekeeping import Budget, Housekeeping
from shared.storage.client import get_table
from shared.storage.housekeeping import TableHousekeepingRepository
from shared.storage.repositories import TableItemRepository, TableListRepository


async def a_list(owner: str, items: int, record: bool = False) -> TodoList:
    now = utc_now()
    todo_list = TodoList(id=new_id(), name="l", created_date=now, updated_date=now)
    fresh = IdempotencyRecord(new_id(), "fp", "{}", now) if record else None
    await TableListRepository().add(owner, todo_list, fresh)
    for _ in range(items):
        item = TodoItem(id=new_id(), list_id=todo_list.id, name="i", created_date=now, updated_date=now)
        await TableItemRepository().add(owner, item, None)
    return todo_list


async def test_the_scan_walks_item_rows_only_and_finishes_exactly_the_orphans(table_name: str, owner: str) -> None:
    await a_list(owner, 2, record=True)  # live, with a fresh idempotency record: nothing to do
    orphaned = await a_list(owner, 3)
    await TableListRepository().remove(owner, orphaned.id, None)
    sweep = Housekeeping(TableHousekeepingRepository(), TableListRepository(), idempotency_ttl=timedelta(hours=1))
    report = await sweep.run(Budget())
    assert (report.item_rows_scanned, report.orphan_items_removed, report.lists_finished) == (5, 3, 1)
    assert report.expired_records_removed == 0 and report.scan_completed and not report.budget_exhausted
    assert await TableHousekeepingRepository().orphan_scan_position() is None  # next run starts from the top


async def test_a_scan_that_stops_at_its_row_limit_names_the_last_row_it_read(table_name: str, owner: str) -> None:
    first, second = await a_list(owner, 2), await a_list(owner, 2)
    repository = TableHousekeepingRepository()
    scan = await repository.scan_item_lists(None, 3)
    assert scan.rows == 3 and scan.lists == [(owner, first.id), (owner, second.id)]
    assert scan.last is not None and scan.last.owner == owner and scan.last.list_id == second.id
    rest = await repository.scan_item_lists(scan.last, 3)
    assert rest.rows == 1 and rest.lists == [(owner, second.id)] and rest.last is None
    whole = await repository.scan_item_lists(None, 4)
    assert whole.rows == 4 and whole.last is not None  # a full page may have more after it
    assert (await repository.scan_item_lists(whole.last, 4)).rows == 0


async def test_the_scan_finds_lists_whose_ids_start_with_a_digit_or_a_letter(table_name: str, owner: str) -> None:
    now = utc_now()
    ids = ["0" + new_id()[1:], "9" + new_id()[1:], "a" + new_id()[1:], "f" + new_id()[1:]]
    for list_id in ids:
        await TableListRepository().add(owner, TodoList(id=list_id, name="l", created_date=now, updated_date=now), None)
        item = TodoItem(id=new_id(), list_id=list_id, name="i", created_date=now, updated_date=now)
        await TableItemRepository().add(owner, item, None)
    scan = await TableHousekeepingRepository().scan_item_lists(None, 10)
    assert scan.rows == 4 and scan.lists == [(owner, list_id) for list_id in ids] and scan.last is None


async def test_the_scan_position_is_saved_read_back_and_cleared(table_name: str, owner: str) -> None:
    repository = TableHousekeepingRepository()
    assert await repository.orphan_scan_position() is None
    await repository.save_orphan_scan_position(ScanPosition(owner, "abc", "def"))
    assert await repository.orphan_scan_position() == ScanPosition(owner, "abc", "def")
    await repository.save_orphan_scan_position(ScanPosition(owner, "abd"))
    assert await repository.orphan_scan_position() == ScanPosition(owner, "abd")
    await repository.save_orphan_scan_position(None)
    assert await repository.orphan_scan_position() is None


async def test_removing_an_orphans_items_in_steps_says_when_none_are_left(table_name: str, owner: str) -> None:
    orphaned = await a_list(owner, 5)
    await TableListRepository().remove(owner, orphaned.id, None)
    repository = TableHousekeepingRepository()
    assert await repository.remove_list_items(owner, orphaned.id, 2) == (2, False)
    assert await repository.remove_list_items(owner, orphaned.id, 3) == (3, True)
    assert await repository.remove_list_items(owner, orphaned.id, 3) == (0, True)


async def test_orphan_items_with_ids_starting_with_a_letter_are_removed_too(table_name: str, owner: str) -> None:
    orphaned = await a_list(owner, 0)
    now = utc_now()
    for first in "0f":
        item = TodoItem(id=first + new_id()[1:], list_id=orphaned.id, name="i", created_date=now, updated_date=now)
        await TableItemRepository().add(owner, item, None)
    await TableListRepository().remove(owner, orphaned.id, None)
    assert await TableHousekeepingRepository().remove_list_items(owner, orphaned.id, 10) == (2, True)


async def test_removing_orphan_items_another_sweep_took_first_stops_and_looks_again_next_time(
    table_name: str, owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shared.storage.housekeeping
    import shared.storage.tables

    orphaned = await a_list(owner, 3)
    await TableListRepository().remove(owner, orphaned.id, None)
    real_submit = shared.storage.tables.submit

    async def another_sweep_first(operations: Any) -> None:
        await (await get_table()).delete_entity(owner, operations[0][1]["RowKey"])
        await real_submit(operations)

    monkeypatch.setattr(shared.storage.housekeeping, "submit", another_sweep_first)
    assert await TableHousekeepingRepository().remove_list_items(owner, orphaned.id, 10) == (0, False)
    monkeypatch.setattr(shared.storage.housekeeping, "submit", real_submit)
    assert await TableHousekeepingRepository().remove_list_items(owner, orphaned.id, 10) == (2, True)
