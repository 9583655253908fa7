"""Housekeeping on the table: rows nobody reads any more, found across every owner.

Idempotency records past their lifetime, and the items an interrupted list delete left behind
(invisible, since an item shows only while its list exists). Table Storage has no TTL and no
secondary index, so both are found by cross-partition queries filtered on RowKey (the service
scans, the app reads only matching keys).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from azure.data.tables import TableTransactionError, UpdateMode

from shared.domain.ports import ItemScan, RowRef, ScanPosition
from shared.storage.client import get_table, translate_storage_errors
from shared.storage.rows import ITEM_PREFIX, RECORD_PREFIX, if_unchanged, scan_key, scan_position
from shared.storage.tables import BATCH_LIMIT, PAGE_LIMIT, item_keys, read_row, submit

HOUSEKEEPING_PARTITION = "~housekeeping"  # "~" is not an owner character, so no owner can collide
ORPHAN_SCAN_ROW = "orphan-scan"


class TableHousekeepingRepository:
    async def expired_idempotency_records(self, created_before: datetime, limit: int) -> list[RowRef]:
        """Idempotency records created before the cutoff, across every owner."""
        table = await get_table()
        found: list[RowRef] = []
        async with translate_storage_errors():
            pager = table.query_entities(
                "RowKey gt @low and RowKey lt @high and CreatedDate lt @cutoff",
                parameters={"low": RECORD_PREFIX, "high": RECORD_PREFIX + "~", "cutoff": created_before},
                select=["PartitionKey", "RowKey"],
                results_per_page=min(limit, PAGE_LIMIT),
            )
            async for entity in pager:
                found.append(RowRef(entity["PartitionKey"], entity["RowKey"], str(entity.metadata["etag"])))
                if len(found) >= limit:
                    break
        return found

    async def remove_unchanged(self, rows: Sequence[RowRef]) -> int:
        """Delete each row only if its storage ETag is still the one read, in transactions of up
        to 100 per owner. A row already gone (another sweep) or changed since (a record written
        again) is left alone; the count is of rows this call actually removed."""
        removed = 0
        by_owner: dict[str, list[RowRef]] = {}
        for row in rows:
            by_owner.setdefault(row.owner, []).append(row)
        for owner_rows in by_owner.values():
            for start in range(0, len(owner_rows), BATCH_LIMIT):
                removed += await self._delete_batch(list(owner_rows[start : start + BATCH_LIMIT]))
        return removed

    async def _delete_batch(self, batch: list[RowRef]) -> int:
        while batch:
            operations = [
                ("delete", {"PartitionKey": row.owner, "RowKey": row.row_key}, if_unchanged(row.etag)) for row in batch
            ]
            try:
                await submit(operations)
                return len(batch)
            except TableTransactionError as exc:
                if exc.status_code not in (404, 412) or not 0 <= exc.index < len(batch):
                    raise
                del batch[exc.index]  # the transaction did nothing: drop the row that failed, retry the rest
        return 0

    async def scan_item_lists(self, after: ScanPosition | None, max_rows: int) -> ItemScan:
        """The lists that item rows belong to, from the position on, across every owner; only
        keys are read. Stops after max_rows rows."""
        table = await get_table()
        query = "RowKey gt @low and RowKey lt @high"
        parameters: dict[str, Any] = {"low": ITEM_PREFIX, "high": ITEM_PREFIX + "~"}
        if after is not None:
            # Spaces around the parentheses: the SDK substitutes only words that start with @.
            query += " and (PartitionKey gt @owner or (PartitionKey eq @owner and RowKey gt @key ) )"
            parameters.update(owner=after.owner, key=scan_key(after))
        lists: dict[tuple[str, str], None] = {}
        last: ScanPosition | None = None
        rows = 0
        async with translate_storage_errors():
            pager = table.query_entities(
                query,
                parameters=parameters,
                select=["PartitionKey", "RowKey"],
                results_per_page=min(max_rows, PAGE_LIMIT),
            )
            async for entity in pager:
                owner, key = entity["PartitionKey"], entity["RowKey"]
                lists[(owner, key.split("|")[1])] = None
                last, rows = scan_position(owner, key), rows + 1
                if rows >= max_rows:
                    break
        return ItemScan(list(lists), last if rows >= max_rows else None, rows)

    async def remove_list_items(self, owner: str, list_id: str, limit: int) -> tuple[int, bool]:
        """Delete up to limit items of a list (one page of keys at most); returns how many this
        call removed and whether none are left. Only for a list whose row is gone: no item can
        be added to such a list, so nothing here can delete a live row."""
        table = await get_table()
        wanted = min(limit, PAGE_LIMIT)
        keys: list[str] = []
        async with translate_storage_errors():
            pager = item_keys(table, owner, list_id, wanted + 1)
            async for entity in pager:
                keys.append(entity["RowKey"])
                if len(keys) > wanted:
                    break
        more = len(keys) > wanted
        removed = 0
        for start in range(0, min(len(keys), wanted), BATCH_LIMIT):
            chunk = keys[start : min(start + BATCH_LIMIT, wanted)]
            try:
                await submit([("delete", {"PartitionKey": owner, "RowKey": key}) for key in chunk])
            except TableTransactionError as exc:
                if exc.status_code != 404:
                    raise
                return removed, False  # another sweep removed some of these: look again next time
            removed += len(chunk)
        return removed, not more

    async def orphan_scan_position(self) -> ScanPosition | None:
        entity = await read_row(HOUSEKEEPING_PARTITION, ORPHAN_SCAN_ROW)
        return None if entity is None else scan_position(entity["Owner"], entity["Key"])

    async def save_orphan_scan_position(self, position: ScanPosition | None) -> None:
        """Remember where the next sweep starts (None: from the beginning). Concurrent sweeps
        may overwrite each other's position; each wrote only a point it had scanned up to."""
        table = await get_table()
        async with translate_storage_errors():
            if position is None:
                await table.delete_entity(HOUSEKEEPING_PARTITION, ORPHAN_SCAN_ROW)
                return
            entity = {
                "PartitionKey": HOUSEKEEPING_PARTITION,
                "RowKey": ORPHAN_SCAN_ROW,
                "Owner": position.owner,
                "Key": scan_key(position),
            }
            await table.upsert_entity(entity, mode=UpdateMode.REPLACE)
