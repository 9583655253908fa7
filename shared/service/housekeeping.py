"""Housekeeping use case: remove what requests leave behind and never read again.

Two kinds of rows would otherwise stay forever (Table Storage has no TTL): idempotency records
past their lifetime (a request only replaces one when its key is used again), and the items of
a list whose delete stopped after removing the list row (invisible, since an item shows only
while its list exists; a retried DELETE would finish it, but nobody may retry). A run does a
bounded amount of work (rows and seconds) and picks up where the last one stopped, so it fits
the function timeout whatever the table's size. Every delete is safe against a concurrent run
or request: records are deleted only if unchanged since read, and items only of a list that is
gone, which no request can add to.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain.ports import Clock, HousekeepingRepository, ListRepository, ScanPosition, utc_now

PAGE = 1000  # rows per query: one Table Storage page


@dataclass(frozen=True)
class Budget:
    """How much one run may do: rows removed, and wall-clock seconds."""

    rows: int = 5000
    seconds: float = 20.0


@dataclass(frozen=True)
class HousekeepingReport:
    expired_records_removed: int
    orphan_items_removed: int
    lists_finished: int
    item_rows_scanned: int
    scan_completed: bool  # the item scan reached the end of the table in this run
    budget_exhausted: bool


class _Allowance:
    """What is left of a run's budget."""

    def __init__(self, budget: Budget, monotonic: Callable[[], float]) -> None:
        self.rows = budget.rows
        self._deadline = monotonic() + budget.seconds
        self._monotonic = monotonic

    def spend(self, rows: int) -> None:
        self.rows -= rows

    @property
    def exhausted(self) -> bool:
        return self.rows <= 0 or self._monotonic() >= self._deadline


class Housekeeping:
    def __init__(
        self,
        repository: HousekeepingRepository,
        lists: ListRepository,
        clock: Clock = utc_now,
        idempotency_ttl: timedelta = timedelta(hours=24),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.repository = repository
        self.lists = lists
        self.clock = clock
        self.idempotency_ttl = idempotency_ttl
        self.monotonic = monotonic

    async def run(self, budget: Budget) -> HousekeepingReport:
        allowance = _Allowance(budget, self.monotonic)
        expired = await self._remove_expired_records(self.clock() - self.idempotency_ttl, allowance)
        removed, finished, scanned, completed = await self._finish_interrupted_deletes(allowance)
        return HousekeepingReport(expired, removed, finished, scanned, completed, allowance.exhausted)

    async def _remove_expired_records(self, cutoff: datetime, allowance: _Allowance) -> int:
        removed = 0
        while not allowance.exhausted:
            records = await self.repository.expired_idempotency_records(cutoff, min(allowance.rows, PAGE))
            gone = await self.repository.remove_unchanged(records) if records else 0
            allowance.spend(gone)
            removed += gone
            if not gone:
                break  # none left, or all changed or removed by someone else since read
        return removed

    async def _finish_interrupted_deletes(self, allowance: _Allowance) -> tuple[int, int, int, bool]:
        """Walk the item rows from where the last run stopped; every list they belong to that
        no longer exists is an interrupted delete, whose items are removed. Reading keys is
        cheap, so only time bounds the walk; the row budget bounds what is removed."""
        start = position = await self.repository.orphan_scan_position()
        removed = finished = scanned = 0
        completed = False
        while not allowance.exhausted:
            scan = await self.repository.scan_item_lists(position, PAGE)
            scanned += scan.rows
            stopped_at: ScanPosition | None = None
            for owner, list_id in scan.lists:
                if allowance.exhausted:
                    stopped_at = ScanPosition(owner, list_id)  # the next run starts with this list
                    break
                if await self.lists.get(owner, list_id) is not None:
                    continue
                count, done = await self.repository.remove_list_items(owner, list_id, allowance.rows)
                allowance.spend(count)
                removed += count
                finished += done
                if not done:
                    stopped_at = ScanPosition(owner, list_id)
                    break
            position = stopped_at or scan.last
            if stopped_at is None and scan.last is None:
                completed = True
                break
            if stopped_at is not None:
                break
        if position != start:
            await self.repository.save_orphan_scan_position(position)
        return removed, finished, scanned, completed
