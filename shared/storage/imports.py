"""The import repository on Table Storage: read the rows an import names in few round trips, and
write the new ones in one entity-group transaction.

Every row of an owner is in the owner's partition, so one transaction can hold all the rows of
an import: Table Storage applies it all or not at all, at most 100 operations, each entity once
(https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions).
Its operations, in order: a create per new row (fails with 409 when the row exists), a no-op
merge of each existing list new items go into (fails with 404 when it is gone, so no item is
ever written into a deleted list), and the idempotency record's create when there is room. With
more operations than fit, the record is written right after the transaction, and list checks
that do not fit are left to the read (an item written into a list deleted at that very moment is
invisible, and housekeeping removes it like the leftovers of an interrupted delete).

Reads: the lists in one range query from the lowest list key named to the highest, the items in
another, both with $select and in parallel; past one page (1,000 rows) of a range the rest are
read by key, in parallel. Imported rows carry `ImportTag` (shared.service.imports.import_tag),
which the API's own reads never select.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableTransactionError

from shared.domain.models import TodoItem, TodoList
from shared.domain.ports import Found, IdempotencyRecord, IdempotencyRecordExists, ImportRows, VersionConflict
from shared.storage.client import get_table, translate_storage_errors
from shared.storage.rows import (
    ITEM_PROPERTIES,
    LIST_PROPERTIES,
    item_entity,
    item_from_entity,
    item_key,
    list_entity,
    list_from_entity,
    list_key,
    record_entity,
    touch_list,
)
from shared.storage.tables import BATCH_LIMIT, PAGE_LIMIT, read_row, submit

IMPORT_TAG = "ImportTag"


class TableImportRepository:
    async def read(self, owner: str, list_ids: Sequence[str], item_keys: Sequence[tuple[str, str]]) -> ImportRows:
        list_rows, item_rows = await asyncio.gather(
            rows_among(owner, [list_key(i) for i in list_ids], (*LIST_PROPERTIES, IMPORT_TAG)),
            rows_among(owner, [item_key(lid, iid) for lid, iid in item_keys], (*ITEM_PROPERTIES, IMPORT_TAG)),
        )
        lists = {}
        for row in list_rows.values():
            todo_list = list_from_entity(row)
            lists[todo_list.id] = Found(todo_list, row.get(IMPORT_TAG))
        items = {}
        for row in item_rows.values():
            item = item_from_entity(row)
            items[(item.list_id, item.id)] = Found(item, row.get(IMPORT_TAG))
        return ImportRows(lists, items)

    async def write(
        self,
        owner: str,
        lists: Sequence[TodoList],
        items: Sequence[TodoItem],
        existing_lists: Sequence[str],
        tag: str,
        record: IdempotencyRecord,
    ) -> None:
        rows: list[tuple[Any, ...]] = [
            ("create", {**list_entity(owner, todo_list), IMPORT_TAG: tag}) for todo_list in lists
        ]
        rows += [("create", {**item_entity(owner, item), IMPORT_TAG: tag}) for item in items]
        if not rows:
            await add_record(owner, record)
            return
        checks = [touch_list(owner, list_id) for list_id in existing_lists][: BATCH_LIMIT - len(rows)]
        operations = rows + checks
        record_inside = len(operations) < BATCH_LIMIT
        if record_inside:
            operations.append(("create", record_entity(owner, record)))
        try:
            await submit(operations)
        except TableTransactionError as exc:
            raise_for_import(exc, rows=len(rows), record_at=len(operations) - 1 if record_inside else None)
        if not record_inside:
            await add_record(owner, record)


def raise_for_import(exc: TableTransactionError, *, rows: int, record_at: int | None) -> None:
    """What a failed import transaction means: a row created or a list deleted by someone else
    since the read is a VersionConflict (read again, decide again); a record created meanwhile is
    IdempotencyRecordExists. Anything else is raised as it came."""
    status, index = exc.status_code, exc.index
    if record_at is not None and index == record_at and status == 409:
        raise IdempotencyRecordExists() from exc
    if (status == 409 and 0 <= index < rows) or (status == 404 and index >= rows):
        raise VersionConflict() from exc
    raise exc


async def add_record(owner: str, record: IdempotencyRecord) -> None:
    table = await get_table()
    async with translate_storage_errors():
        try:
            await table.create_entity(record_entity(owner, record))
        except ResourceExistsError as exc:
            raise IdempotencyRecordExists() from exc


async def rows_among(owner: str, keys: Sequence[str], properties: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The owner's rows among these keys, by key: one range query from the lowest key to the
    highest, stopping after one page; keys past that page are read one by one, in parallel."""
    if not keys:
        return {}
    wanted = set(keys)
    ordered = sorted(wanted)
    table = await get_table()
    found: dict[str, dict[str, Any]] = {}
    read, last_read = 0, ""
    async with translate_storage_errors():
        pager = table.query_entities(
            "PartitionKey eq @pk and RowKey ge @low and RowKey le @high",
            parameters={"pk": owner, "low": ordered[0], "high": ordered[-1]},
            select=list(properties),
            results_per_page=PAGE_LIMIT,
        )
        async for entity in pager:
            if entity["RowKey"] in wanted:
                found[entity["RowKey"]] = dict(entity)
            read, last_read = read + 1, entity["RowKey"]
            if read >= PAGE_LIMIT:
                break  # the end of the first page: no second request
    if read >= PAGE_LIMIT:
        rest = [key for key in ordered if key > last_read]
        more = await asyncio.gather(*(read_row(owner, key) for key in rest))
        found.update({row["RowKey"]: row for row in more if row is not None})
    return found
