"""Housekeeping against a real Azurite: what goes, what stays, concurrent runs, budgets."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from azure.data.tables import TableClient

import function_app
from devhost.registration import index_app
from shared.domain.errors import StorageUnavailable
from shared.domain.ids import new_id
from shared.domain.models import TodoItem, TodoList
from shared.domain.ports import IdempotencyRecord, utc_now
from shared.service.housekeeping import Budget, Housekeeping
from shared.service.owner_data import OwnerDataService
from shared.storage.client import get_table
from shared.storage.housekeeping import TableHousekeepingRepository
from shared.storage.owner_data import TableOwnerDataRepository
from shared.storage.repositories import TableIdempotencyRepository, TableItemRepository, TableListRepository
from tests.support import Azurite

TTL = timedelta(hours=24)


def table_rows(azurite: Azurite, table: str) -> list[dict[str, Any]]:
    with TableClient.from_connection_string(azurite.connection_string, table) as client:
        return [dict(row) for row in client.list_entities()]


def keys(rows: list[dict[str, Any]], owner: str, prefix: str) -> set[str]:
    return {row["RowKey"] for row in rows if row["PartitionKey"] == owner and row["RowKey"].startswith(prefix)}


async def new_list(owner: str, record_age: timedelta | None = None, key: str | None = None) -> TodoList:
    """A list, created with an idempotency record of the given age when asked."""
    now = utc_now()
    todo_list = TodoList(id=new_id(), name="l", created_date=now, updated_date=now)
    record = None
    if record_age is not None:
        record = IdempotencyRecord(key or new_id(), "fp", todo_list.to_json().decode(), now - record_age)
    await TableListRepository().add(owner, todo_list, record)
    return todo_list


async def add_items(owner: str, list_id: str, count: int) -> None:
    items = TableItemRepository()
    now = utc_now()

    def item() -> TodoItem:
        return TodoItem(id=new_id(), list_id=list_id, name="i", created_date=now, updated_date=now)

    for start in range(0, count, 25):
        await asyncio.gather(*(items.add(owner, item(), None) for _ in range(start, min(count, start + 25))))


async def interrupted_delete(owner: str, items: int) -> str:
    """A list whose delete stopped right after removing the list row: its items stay stored."""
    todo_list = await new_list(owner)
    await add_items(owner, todo_list.id, items)
    await TableListRepository().remove(owner, todo_list.id, None)
    return todo_list.id


def housekeeping() -> Housekeeping:
    return Housekeeping(TableHousekeepingRepository(), TableListRepository(), idempotency_ttl=TTL)


async def test_records_past_expiry_are_removed_and_fresh_ones_stay(
    table_name: str, azurite: Azurite, owner: str
) -> None:
    for _ in range(3):
        await new_list(owner, record_age=TTL + timedelta(minutes=5))
    fresh = [await new_list(owner, record_age=TTL - timedelta(minutes=5)) for _ in range(2)]
    before = keys(table_rows(azurite, table_name), owner, "K|")

    report = await housekeeping().run(Budget())

    rows = table_rows(azurite, table_name)
    assert report.expired_records_removed == 3
    assert len(before) == 5 and len(keys(rows, owner, "K|")) == 2
    assert len(keys(rows, owner, "L|")) == 5  # the lists the records stood for are untouched
    assert all(utc_now() - row["CreatedDate"] < TTL for row in rows if row["RowKey"].startswith("K|"))
    for todo_list in fresh:  # the fresh records still replay their creation
        record = next(row for row in rows if row["RowKey"].startswith("K|") and todo_list.id in row["Resource"])
        assert record["Fingerprint"] == "fp"


async def test_a_list_delete_interrupted_after_its_list_row_was_removed_is_finished(
    table_name: str, azurite: Azurite, owner: str
) -> None:
    gone = await interrupted_delete(owner, 130)  # more than one transaction of 100
    live = await new_list(owner)
    await add_items(owner, live.id, 3)
    other_owner = owner + "-b"
    other = await new_list(other_owner)
    await add_items(other_owner, other.id, 2)

    report = await housekeeping().run(Budget())

    rows = table_rows(azurite, table_name)
    assert (report.orphan_items_removed, report.lists_finished, report.scan_completed) == (130, 1, True)
    assert keys(rows, owner, f"I|{gone}|") == set()
    assert len(keys(rows, owner, f"I|{live.id}|")) == 3
    assert len(keys(rows, other_owner, f"I|{other.id}|")) == 2


async def test_two_concurrent_runs_delete_each_row_once_and_never_a_live_one(
    table_name: str, azurite: Azurite, owner: str
) -> None:
    owners = [f"{owner}-{n}" for n in range(3)]
    for who in owners:
        for _ in range(40):
            await new_list(who, record_age=TTL * 2)
        await interrupted_delete(who, 60)
    live = await new_list(owner, record_age=timedelta(minutes=1))
    await add_items(owner, live.id, 30)
    live_rows = {(r["PartitionKey"], r["RowKey"]) for r in table_rows(azurite, table_name)} - {
        (r["PartitionKey"], r["RowKey"])
        for r in table_rows(azurite, table_name)
        if r["PartitionKey"] in owners and r["RowKey"].startswith(("K|", "I|"))
    }

    first, second = await asyncio.gather(housekeeping().run(Budget()), housekeeping().run(Budget()))

    assert first.expired_records_removed + second.expired_records_removed == 120
    assert first.orphan_items_removed + second.orphan_items_removed == 180
    rows = table_rows(azurite, table_name)
    assert {(r["PartitionKey"], r["RowKey"]) for r in rows} == live_rows


async def test_a_record_written_again_after_the_sweep_read_it_is_not_removed(table_name: str, owner: str) -> None:
    await new_list(owner, record_age=TTL * 2, key="k1")
    repository = TableHousekeepingRepository()
    read = await repository.expired_idempotency_records(utc_now() - TTL, 10)
    await TableIdempotencyRepository().remove(owner, "k1")  # what a request does with an expired record...
    await new_list(owner, record_age=timedelta(0), key="k1")  # ...before writing it again

    assert len(read) == 1
    assert await repository.remove_unchanged(read) == 0
    record = await TableIdempotencyRepository().get(owner, "k1")
    assert record is not None and utc_now() - record.created < TTL


async def test_an_empty_table_is_a_no_op(table_name: str, azurite: Azurite) -> None:
    await get_table()  # the table exists and is empty

    report = await housekeeping().run(Budget())

    assert report.expired_records_removed == report.orphan_items_removed == report.item_rows_scanned == 0
    assert report.scan_completed and not report.budget_exhausted
    assert table_rows(azurite, table_name) == []  # not even a scan position was written


async def test_a_run_stops_at_its_row_budget_and_the_next_run_continues(
    table_name: str, azurite: Azurite, owner: str
) -> None:
    for _ in range(30):
        await new_list(owner, record_age=TTL * 2)
    gone = await interrupted_delete(owner, 250)
    live = await new_list(owner)
    await add_items(owner, live.id, 5)

    reports = [await housekeeping().run(Budget(rows=100)) for _ in range(4)]

    assert [r.expired_records_removed for r in reports] == [30, 0, 0, 0]
    assert [r.orphan_items_removed for r in reports] == [70, 100, 80, 0]
    assert [r.budget_exhausted for r in reports] == [True, True, False, False]
    assert sum(r.lists_finished for r in reports) == 1
    rows = table_rows(azurite, table_name)
    assert keys(rows, owner, f"I|{gone}|") == set() and len(keys(rows, owner, f"I|{live.id}|")) == 5


async def test_a_run_out_of_time_removes_nothing_more(table_name: str, azurite: Azurite, owner: str) -> None:
    await new_list(owner, record_age=TTL * 2)
    ticks = itertools.count(step=100.0)  # every look at the clock is 100 s later
    late = Housekeeping(
        TableHousekeepingRepository(), TableListRepository(), idempotency_ttl=TTL, monotonic=lambda: next(ticks)
    )

    report = await late.run(Budget(seconds=50))

    assert report.budget_exhausted and report.expired_records_removed == 0
    assert len(keys(table_rows(azurite, table_name), owner, "K|")) == 1


async def test_the_timer_function_logs_what_it_removed_as_one_structured_line(
    table_name: str, owner: str, caplog: pytest.LogCaptureFixture
) -> None:
    from azure.functions.timer import TimerRequest

    await new_list(owner, record_age=timedelta(days=2))
    await interrupted_delete(owner, 4)
    handler = next(f.handler for f in index_app(function_app.app) if f.name == "housekeeping")

    with caplog.at_level(logging.INFO, logger="todo.housekeeping"):
        await handler(timer=TimerRequest(past_due=False))

    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "todo.housekeeping"]
    assert len(lines) == 1
    assert lines[0]["event"] == "housekeeping"
    assert (lines[0]["expiredRecordsRemoved"], lines[0]["orphanItemsRemoved"], lines[0]["listDeletesFinished"]) == (
        1,
        4,
        1,
    )


class _EraseStopsAfterLists(TableOwnerDataRepository):
    async def remove_records(self, owner: str) -> int:
        raise StorageUnavailable("storage did not answer in time")


async def test_an_erase_interrupted_after_the_lists_is_finished_by_housekeeping(
    table_name: str, azurite: Azurite, owner: str
) -> None:
    """DELETE /me removes the list rows first; if it stops there, the timer removes what is left:
    the items as orphans, the idempotency records once they expire (docs/data.md)."""
    erased = [await new_list(owner, record_age=TTL + timedelta(minutes=5)) for _ in range(2)]
    for todo_list in erased:
        await add_items(owner, todo_list.id, 3)
    with pytest.raises(StorageUnavailable):
        await OwnerDataService(_EraseStopsAfterLists()).erase(owner)
    left = table_rows(azurite, table_name)
    assert keys(left, owner, "L|") == set() and len(keys(left, owner, "I|")) == 6 and len(keys(left, owner, "K|")) == 2

    report = await housekeeping().run(Budget())

    assert (report.expired_records_removed, report.orphan_items_removed, report.lists_finished) == (2, 6, 2)
    assert [row for row in table_rows(azurite, table_name) if row["PartitionKey"] == owner] == []
