"""Use cases over everything one owner has: the export of their lists and items as a stream of
lines, page by page, and the erase of all of it.

Export. A page is read with two range queries of the owner's partition, run in parallel: the
lists from the cursor's list on (that list included, to learn whether it still exists) and the
item rows after the cursor's position. Merged in key order (a list's line, then its items), they
give the page's lines. Either read may stop short of the other (a read returns at most one
storage page); the page then ends where both reads still know every row, so no line is skipped
and the next page starts from a key position: nothing is repeated. Items whose list row is gone
(a list deleted, possibly mid-export, or an interrupted delete's leftovers) are not lines, as
they are not visible anywhere in the API; their keys still move the position on. A page may
therefore hold fewer lines than asked for, even none, and only a missing next position means
the end. The export is not a snapshot: rows written ahead of the position appear with their
newest content, rows behind it do not (docs/data.md).

Erase. List rows go first (every item becomes invisible at once and no item can be added to a
gone list), then idempotency records, then the items of lists that are gone. Each step is safe to
repeat and to interrupt: what an interrupted erase leaves is invisible, and a retry (or the
housekeeping timer, which removes orphan items and expired records) finishes it.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from shared.domain.models import TodoItem, TodoList
from shared.domain.ports import ExportPosition, OwnerDataRepository, Page

# One read returns at most one storage page (Table Storage: 1,000 rows), counting the extra row
# that tells whether more follow; a read of more would cost a second round trip.
MAX_ROWS_PER_READ = 999
_END = ExportPosition("~", "~")  # after every position: ids are hexadecimal
R = TypeVar("R", TodoList, TodoItem)


@dataclass(frozen=True)
class ExportPage:
    lines: list[TodoList | TodoItem]
    next: ExportPosition | None  # where the next page starts; None: the export is complete


@dataclass(frozen=True)
class EraseReport:
    lists: int
    records: int
    items: int


def position_of(line: TodoList | TodoItem) -> ExportPosition:
    return ExportPosition(line.id) if isinstance(line, TodoList) else ExportPosition(line.list_id, line.id)


class OwnerDataService:
    def __init__(self, repository: OwnerDataRepository) -> None:
        self.repository = repository

    async def export_page(self, owner: str, after: ExportPosition | None, top: int) -> ExportPage:
        """At most top lines after the position, in key order, and where the next page starts."""
        lists, items = await asyncio.gather(
            # The cursor's own list is read again only to learn whether it still exists; with at least
            # one list beyond it, the read that stops first always has a row past the cursor: every
            # page moves the position on.
            self.repository.lists_from(owner, after.list_id if after else None, min(top + 1, MAX_ROWS_PER_READ)),
            self.repository.items_after(owner, after, min(top, MAX_ROWS_PER_READ)),
        )
        alive = {todo_list.id for todo_list in lists.values}
        horizon = min(_known_until(lists, lambda last: ExportPosition(last.id, "~")), _known_until(items, position_of))
        lines: list[TodoList | TodoItem] = []
        position, stopped = after, False
        for line in _merged(lists.values, items.values, after):
            key = position_of(line)
            if key > horizon or len(lines) == top:
                stopped = True
                break
            position = key
            if isinstance(line, TodoList) or line.list_id in alive:
                lines.append(line)
        more = stopped or lists.has_more or items.has_more
        return ExportPage(lines, position if more else None)

    async def erase(self, owner: str) -> EraseReport:
        """Remove everything the owner has; each step starts only once the previous one is done,
        so an interruption at any point leaves nothing visible."""
        lists = await self.repository.remove_lists(owner)
        records = await self.repository.remove_records(owner)
        items = await self.repository.remove_orphan_items(owner)
        return EraseReport(lists, records, items)


def _known_until(page: Page[R], last_position: Callable[[R], ExportPosition]) -> ExportPosition:
    """How far a read knows every row: to its last row when it stopped short, else to the end.
    A list read knows all list rows up to its last list, hence every position up to that
    list's items; an item read knows the item rows up to its last one."""
    if not page.has_more or not page.values:
        return _END
    return last_position(page.values[-1])


def _merged(
    lists: list[TodoList], items: list[TodoItem], after: ExportPosition | None
) -> Iterator[TodoList | TodoItem]:
    """Both reads in key order; the cursor's own list (read only for its existence) left out."""
    new_lists = [todo_list for todo_list in lists if after is None or todo_list.id > after.list_id]
    return heapq.merge(new_lists, items, key=position_of)
