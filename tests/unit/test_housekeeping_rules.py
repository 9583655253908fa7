"""How a housekeeping run walks the item rows (shared/service/housekeeping.py), on an in-memory repository
with the scan semantics of the Table one: where it starts, where it says the next run starts when
its budget runs out, and what it counts."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

import shared.service.housekeeping as housekeeping_module
from inmemory.repositories import FakeListRepository, FakeStore
from shared.domain.models import TodoList
from shared.domain.ports import ItemScan, RowRef, ScanPosition, Stored
from shared.service.housekeeping import Budget, Housekeeping, HousekeepingReport
from shared.storage.housekeeping import TableHousekeepingRepository

OWNER = "o"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


class Rows:
    """Item rows as (owner, row key), sorted as Table Storage returns them."""

    def __init__(self, rows: Sequence[tuple[str, str]], saved: ScanPosition | None = None) -> None:
        self.rows = sorted(rows)
        self.saved = saved
        self.saves: list[ScanPosition | None] = []

    async def expired_idempotency_records(self, created_before: datetime, limit: int) -> list[RowRef]:
        return []

    async def remove_unchanged(self, rows: Sequence[RowRef]) -> int:
        return 0

    async def orphan_scan_position(self) -> ScanPosition | None:
        return self.saved

    async def save_orphan_scan_position(self, position: ScanPosition | None) -> None:
        self.saves.append(position)

    async def scan_item_lists(self, after: ScanPosition | None, max_rows: int) -> ItemScan:
        start = (after.owner, f"I|{after.list_id}|{after.item_id}") if after else ("", "")
        read = [row for row in self.rows if row > start][:max_rows]
        lists = list(dict.fromkeys((owner, key.split("|")[1]) for owner, key in read))
        last = ScanPosition(read[-1][0], *read[-1][1].split("|")[1:]) if len(read) >= max_rows else None
        return ItemScan(lists, last, len(read))

    async def remove_list_items(self, owner: str, list_id: str, limit: int) -> tuple[int, bool]:
        mine = [row for row in self.rows if row[0] == owner and row[1].startswith(f"I|{list_id}|")]
        for row in mine[:limit]:
            self.rows.remove(row)
        return len(mine[:limit]), len(mine) <= limit


def items(list_id: str, count: int) -> list[tuple[str, str]]:
    return [(OWNER, f"I|{list_id}|{n}") for n in range(count)]


def run(rows: Rows, live: Sequence[str] = (), budget: Budget | None = None, ticks: float = 0.0) -> HousekeepingReport:
    store = FakeStore()
    for list_id in live:
        store.lists[(OWNER, list_id)] = Stored(TodoList(id=list_id, name="n", created_date=NOW, updated_date=NOW), "e")
    clock = iter(n * ticks for n in range(10_000))
    sweep = Housekeeping(rows, FakeListRepository(store), clock=lambda: NOW, monotonic=lambda: next(clock))
    return asyncio.run(sweep.run(budget or Budget()))


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(housekeeping_module, "PAGE", 2)  # several pages from a few rows


def test_a_run_walks_every_page_and_finishes_each_orphaned_list() -> None:
    rows = Rows(items("a", 3) + items("b", 2) + items("c", 2))
    report = run(rows, live=["b"])  # pages of two rows: a0 a1 | b0 b1 | c0 c1 | (end); a2 goes with a
    assert report == HousekeepingReport(
        expired_records_removed=0, orphan_items_removed=5, lists_finished=2, item_rows_scanned=6,
        scan_completed=True, budget_exhausted=False)  # fmt: skip
    assert rows.rows == items("b", 2) and rows.saves == []  # started and ended at the top: nothing to save


def test_a_run_starts_where_the_last_one_stopped_and_clears_the_position_at_the_end() -> None:
    rows = Rows(items("a", 2) + items("b", 3), saved=ScanPosition(OWNER, "b"))
    report = run(rows, live=["a"])
    # b's rows go with the first page of it, so the second page finds none left.
    assert (report.item_rows_scanned, report.orphan_items_removed, report.scan_completed) == (2, 3, True)
    assert rows.saves == [None]


def test_a_run_out_of_rows_inside_a_list_saves_that_lists_start() -> None:
    rows = Rows(items("a", 3) + items("b", 1))
    report = run(rows, budget=Budget(rows=2))
    assert (report.orphan_items_removed, report.lists_finished) == (2, 0)
    assert report.scan_completed is False and report.budget_exhausted is True
    assert rows.saves == [ScanPosition(OWNER, "a")]


def test_a_run_out_of_time_before_a_list_saves_that_lists_start() -> None:
    rows = Rows(items("a", 1) + items("b", 1))
    # One tick per clock reading: the deadline passes after the first list was handled.
    report = run(rows, budget=Budget(seconds=3.5), ticks=1.0)
    assert (report.orphan_items_removed, report.lists_finished, report.scan_completed) == (1, 1, False)
    assert rows.saves == [ScanPosition(OWNER, "b")]


def test_a_batch_delete_failing_for_any_other_reason_is_raised_not_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.data.tables import TableTransactionError

    import shared.storage.housekeeping

    failure = TableTransactionError(message="0:throttled", index=0)
    failure.status_code = 503
    submitted: list[int] = []

    async def failing_submit(operations: Sequence[tuple[object, ...]]) -> None:
        submitted.append(len(operations))
        raise failure

    monkeypatch.setattr(shared.storage.housekeeping, "submit", failing_submit)
    rows = [RowRef(OWNER, "K|a", "e1"), RowRef(OWNER, "K|b", "e2")]
    with pytest.raises(TableTransactionError):
        asyncio.run(TableHousekeepingRepository().remove_unchanged(rows))
    assert submitted == [2]  # not retried without the row, as a 404 or 412 would be


def test_a_row_gone_or_changed_since_read_is_dropped_and_the_rest_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    from azure.data.tables import TableTransactionError

    import shared.storage.housekeeping

    submitted: list[list[str]] = []

    async def first_row_changed(operations: Sequence[tuple[object, ...]]) -> None:
        submitted.append([op[1]["RowKey"] for op in operations])  # type: ignore[index]
        if len(submitted) == 1:
            changed = TableTransactionError(message="0:UpdateConditionNotSatisfied", index=0)
            changed.status_code = 412
            raise changed

    monkeypatch.setattr(shared.storage.housekeeping, "submit", first_row_changed)
    rows = [RowRef(OWNER, "K|a", "e1"), RowRef(OWNER, "K|b", "e2")]
    assert asyncio.run(TableHousekeepingRepository().remove_unchanged(rows)) == 1
    assert submitted == [["K|a", "K|b"], ["K|b"]]
