"""The OwnerDataRepository on the table: range queries and batched deletes inside one owner's
partition (PartitionKey = owner), never across partitions.

Export reads: the lists from a list id on (RowKey ge "L|{id}") and the item rows after a key
position (RowKey gt "I|{listId}|{itemId}"); each asks for at most one storage page and only the
properties the resources are made of. Erase: the keys of a prefix (lists, then idempotency
records), deleted in entity-group transactions of up to 100 rows, and the items whose list row
is gone, found by reading a page of item keys and then which of their lists still exist.
Table Storage transactions: https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.domain.models import TodoItem, TodoList
from shared.domain.ports import ExportPosition, Page
from shared.storage.client import get_table, translate_storage_errors
from shared.storage.rows import (
    ITEM_PREFIX,
    ITEM_PROPERTIES,
    LIST_PREFIX,
    LIST_PROPERTIES,
    RECORD_PREFIX,
    item_from_entity,
    item_key,
    list_from_entity,
    list_key,
)
from shared.storage.tables import PAGE_LIMIT, delete_rows


async def _rows(
    owner: str, low: str, high: str, properties: Sequence[str], limit: int, inclusive: bool = False
) -> list[dict[str, Any]]:
    """Up to limit rows of the owner with low < RowKey < high (low <= RowKey when inclusive), in
    key order; at most one storage page when limit < 1,000."""
    table = await get_table()
    query = f"PartitionKey eq @pk and RowKey {'ge' if inclusive else 'gt'} @low and RowKey lt @high"
    rows: list[dict[str, Any]] = []
    async with translate_storage_errors():
        pager = table.query_entities(
            query,
            parameters={"pk": owner, "low": low, "high": high},
            select=list(properties),
            results_per_page=min(limit, PAGE_LIMIT),
        )
        async for entity in pager:
            rows.append(entity)
            if len(rows) >= limit:
                break
    return rows


class TableOwnerDataRepository:
    async def lists_from(self, owner: str, first: str | None, limit: int) -> Page[TodoList]:
        low = list_key(first) if first else LIST_PREFIX
        rows = await _rows(owner, low, LIST_PREFIX + "~", LIST_PROPERTIES, limit + 1, inclusive=first is not None)
        return Page([list_from_entity(row) for row in rows[:limit]], len(rows) > limit)

    async def items_after(self, owner: str, after: ExportPosition | None, limit: int) -> Page[TodoItem]:
        # item_key(list, "") is "I|{list}|", before every item of that list.
        low = item_key(after.list_id, after.item_id) if after else ITEM_PREFIX
        rows = await _rows(owner, low, ITEM_PREFIX + "~", ITEM_PROPERTIES, limit + 1)
        return Page([item_from_entity(row) for row in rows[:limit]], len(rows) > limit)

    async def remove_lists(self, owner: str) -> int:
        return await self._remove_prefix(owner, LIST_PREFIX)

    async def remove_records(self, owner: str) -> int:
        return await self._remove_prefix(owner, RECORD_PREFIX)

    async def _remove_prefix(self, owner: str, prefix: str) -> int:
        """Every row of the prefix, a page of keys at a time, until a short page was removed
        whole. Rows written meanwhile (a list created during the erase) may survive."""
        removed = 0
        while True:
            keys = [row["RowKey"] for row in await _rows(owner, prefix, prefix + "~", ["RowKey"], PAGE_LIMIT)]
            count, completed = await delete_rows(owner, keys)
            removed += count
            if completed and len(keys) < PAGE_LIMIT:
                return removed

    async def remove_orphan_items(self, owner: str) -> int:
        """Every item whose list row is gone. A page of item keys is read first, then which of
        their lists exist: an item read earlier whose list is missing later can only belong to
        a deleted list (ids are never reused), so nothing visible is removed, even while
        another request creates a list and its items."""
        removed, low = 0, ITEM_PREFIX
        while True:
            keys = [row["RowKey"] for row in await _rows(owner, low, ITEM_PREFIX + "~", ["RowKey"], PAGE_LIMIT)]
            if not keys:
                return removed
            alive = await self._existing_lists(owner, keys[0].split("|")[1], keys[-1].split("|")[1])
            orphans = [key for key in keys if key.split("|")[1] not in alive]
            count, completed = await delete_rows(owner, orphans)
            removed += count
            if not completed:
                continue  # someone else removed some of these: read the same page again
            if len(keys) < PAGE_LIMIT:
                return removed
            low = keys[-1]

    async def _existing_lists(self, owner: str, first: str, last: str) -> set[str]:
        """The ids of the lists from first to last that still exist (only keys are read)."""
        table = await get_table()
        alive: set[str] = set()
        async with translate_storage_errors():
            pager = table.query_entities(
                "PartitionKey eq @pk and RowKey ge @low and RowKey le @high",
                parameters={"pk": owner, "low": list_key(first), "high": list_key(last)},
                select=["RowKey"],
                results_per_page=PAGE_LIMIT,
            )
            async for entity in pager:
                alive.add(entity["RowKey"][len(LIST_PREFIX) :])
        return alive
