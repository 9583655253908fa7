"""The Table repositories of lists, items and idempotency records: the domain ports
(shared.domain.ports) implemented on one table, with the row layout of shared.storage.rows.

Item creations run in a transaction that also touches the list row, so an item can never be
written into a list that is gone. Updates need no such transaction: a conditional replace
never creates a row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from azure.core.exceptions import ResourceModifiedError
from azure.data.tables import TableTransactionError, UpdateMode

from shared.domain.models import ItemState, TodoItem, TodoList
from shared.domain.ports import IdempotencyRecord, Page, Stored, VersionConflict
from shared.storage.client import get_table, translate_storage_errors
from shared.storage.rows import (
    ITEM_PROPERTIES,
    LIST_PREFIX,
    LIST_PROPERTIES,
    if_unchanged,
    item_entity,
    item_from_entity,
    item_key,
    item_prefix,
    list_entity,
    list_from_entity,
    list_key,
    record_entity,
    record_key,
    touch_list,
)
from shared.storage.tables import (
    PAGE_LIMIT,
    delete_rows,
    item_keys,
    raise_for_transaction,
    read_range,
    read_row,
    replace_if_unchanged,
    submit,
)


class TableIdempotencyRepository:
    async def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        entity = await read_row(owner, record_key(key))
        if entity is None:
            return None
        return IdempotencyRecord(
            key=key,
            fingerprint=entity["Fingerprint"],
            resource_json=entity["Resource"],
            created=entity["CreatedDate"],
        )

    async def remove(self, owner: str, key: str) -> None:
        table = await get_table()
        async with translate_storage_errors():
            await table.delete_entity(owner, record_key(key))


class TableListRepository:
    async def add(self, owner: str, todo_list: TodoList, record: IdempotencyRecord | None) -> None:
        table = await get_table()
        entity = list_entity(owner, todo_list)
        if record is None:
            async with translate_storage_errors():
                await table.create_entity(entity)
            return
        try:
            await submit([("create", entity), ("create", record_entity(owner, record))])
        except TableTransactionError as exc:
            raise_for_transaction(exc, record_at=1)

    async def get(self, owner: str, list_id: str) -> Stored[TodoList] | None:
        entity = await read_row(owner, list_key(list_id))
        return None if entity is None else Stored(list_from_entity(entity), entity["_etag"])

    async def replace(self, owner: str, todo_list: TodoList, etag: str) -> None:
        await replace_if_unchanged(list_entity(owner, todo_list), etag)

    async def remove(self, owner: str, list_id: str, etag: str | None) -> None:
        """Delete the list row; only if unchanged since it was read when etag is given."""
        table = await get_table()
        async with translate_storage_errors():
            try:
                await table.delete_entity(owner, list_key(list_id), **(if_unchanged(etag) if etag else {}))
            except ResourceModifiedError as exc:
                raise VersionConflict() from exc

    async def page(self, owner: str, after: str | None, limit: int, skip: int) -> Page[TodoList]:
        rows, more = await read_range(owner, LIST_PREFIX, LIST_PROPERTIES, after, limit, skip)
        return Page([list_from_entity(row) for row in rows], more)


class TableItemRepository:
    async def add(self, owner: str, item: TodoItem, record: IdempotencyRecord | None) -> None:
        operations: list[tuple[Any, ...]] = [
            touch_list(owner, item.list_id),
            ("create", item_entity(owner, item)),
        ]
        if record is not None:
            operations.append(("create", record_entity(owner, record)))
        try:
            await submit(operations)
        except TableTransactionError as exc:
            raise_for_transaction(exc, record_at=None if record is None else 2)

    async def get(self, owner: str, list_id: str, item_id: str) -> Stored[TodoItem] | None:
        entity = await read_row(owner, item_key(list_id, item_id))
        return None if entity is None else Stored(item_from_entity(entity), entity["_etag"])

    async def get_many(self, owner: str, list_id: str, item_ids: Sequence[str]) -> dict[str, Stored[TodoItem]]:
        """The items of one list among these ids, in one range query from the lowest id to the
        highest (one transaction instead of one per id). Ids usually come from the same small
        list, so the range is short; past one page of rows the rest are read one by one."""
        if not item_ids:
            return {}
        wanted = set(item_ids)
        ordered = sorted(wanted)
        table = await get_table()
        found: dict[str, Stored[TodoItem]] = {}
        last_read = ""
        async with translate_storage_errors():
            pager = table.query_entities(
                "PartitionKey eq @pk and RowKey ge @low and RowKey le @high",
                parameters={
                    "pk": owner,
                    "low": item_key(list_id, ordered[0]),
                    "high": item_key(list_id, ordered[-1]),
                },
                select=list(ITEM_PROPERTIES),  # the row's ETag still comes with each row
                results_per_page=PAGE_LIMIT,
            )
            rows = 0
            async for entity in pager:
                item_id = entity["RowKey"].rsplit("|", 1)[1]
                if item_id in wanted:  # only the wanted rows become models
                    found[item_id] = Stored(item_from_entity(entity), str(entity.metadata["etag"]))
                rows, last_read = rows + 1, item_id
                if rows >= PAGE_LIMIT:
                    break  # stop at the end of the first page: no second request
        if rows >= PAGE_LIMIT:
            rest = [item_id for item_id in ordered if item_id > last_read]
            more = await asyncio.gather(*(self.get(owner, list_id, item_id) for item_id in rest))
            found.update({stored.value.id: stored for stored in more if stored is not None})
        return found

    async def replace(self, owner: str, item: TodoItem, etag: str) -> None:
        """A point write, not a transaction: an update can never create a row, so it cannot
        leave an orphan, and a transaction costs several times the client CPU (make bench)."""
        await replace_if_unchanged(item_entity(owner, item), etag)

    async def replace_many(self, owner: str, list_id: str, items: Sequence[Stored[TodoItem]]) -> None:
        """Replace items of one list atomically, each only if unchanged since it was read."""
        operations = [
            ("update", item_entity(owner, stored.value), {"mode": UpdateMode.REPLACE, **if_unchanged(stored.etag)})
            for stored in items
        ]
        try:
            await submit(operations)
        except TableTransactionError as exc:
            if exc.status_code == 404:
                raise VersionConflict() from exc  # an item was deleted since it was read: re-read
            raise_for_transaction(exc)

    async def remove(self, owner: str, list_id: str, item_id: str, etag: str) -> None:
        table = await get_table()
        async with translate_storage_errors():
            try:
                await table.delete_entity(owner, item_key(list_id, item_id), **if_unchanged(etag))
            except ResourceModifiedError as exc:
                raise VersionConflict() from exc

    async def page(
        self, owner: str, list_id: str, state: ItemState | None, after: str | None, limit: int, skip: int
    ) -> Page[TodoItem]:
        if state is None:
            rows, more = await read_range(owner, item_prefix(list_id), ITEM_PROPERTIES, after, limit, skip)
        else:
            rows, more = await read_range(
                owner,
                item_prefix(list_id),
                ITEM_PROPERTIES,
                after,
                limit,
                skip,
                " and State eq @state",
                {"state": state.value},
            )
        return Page([item_from_entity(row) for row in rows], more)

    async def remove_all(self, owner: str, list_id: str) -> int:
        """Delete every item of a list in transactions of 100; safe to repeat after a failure."""
        table = await get_table()
        removed = 0
        while True:
            keys: list[str] = []
            async with translate_storage_errors():
                pager = item_keys(table, owner, list_id, PAGE_LIMIT)
                async for entity in pager:
                    keys.append(entity["RowKey"])
                    if len(keys) >= PAGE_LIMIT:
                        break
            if not keys:
                return removed
            count, completed = await delete_rows(owner, keys)  # not completed: a concurrent sweep; query again
            removed += count
            # No item can appear once the list row is gone, so a short page was the last one.
            if len(keys) < PAGE_LIMIT and completed:
                return removed
