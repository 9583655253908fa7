"""Table Storage repositories: the only code that knows entity shapes, keys and queries.

Layout (one table, one partition per owner):
    PartitionKey = owner
    RowKey       = "L|{listId}"            a list
                   "I|{listId}|{itemId}"   an item of that list
                   "K|{sha256(key)}"       an idempotency record
Listing an owner's lists or one list's items is a range query inside one partition, so no
query ever reads another owner's or another list's rows. Keeping a list and its items in one
partition lets every item creation run in a transaction that also touches the list entity: it
fails atomically when the list is gone, so a concurrent list delete can never leave an orphan
item behind. Updates need no such transaction: a conditional replace never creates a row.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from azure.core import MatchConditions
from azure.core.async_paging import AsyncItemPaged
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableEntity, TableTransactionError, UpdateMode
from azure.data.tables.aio import TableClient

from shared.domain.errors import NotFound
from shared.domain.models import ItemState, TodoItem, TodoList
from shared.storage.client import get_table, is_table_missing, translate_storage_errors

T = TypeVar("T")
BATCH_LIMIT = 100  # Table Storage: at most 100 operations per transaction
PAGE_LIMIT = 1000  # Table Storage: at most 1,000 entities per query page
# What a page of lists or items, or the rows of a batch of item ids, read ($select): the properties
# the models are made from. Leaving out PartitionKey and the system Timestamp (one strptime per
# row) spares the SDK about a fifth of the client CPU of reading a 100-item page (measured A/B in
# one process against Azurite). A selected property a row lacks comes back null from Azure and
# absent from Azurite (Azure/Azurite#2535): both read as None.
LIST_PROPERTIES = ("RowKey", "Name", "Description", "CreatedDate", "UpdatedDate")
ITEM_PROPERTIES = ("RowKey", "Name", "Description", "State", "DueDate", "CompletedDate", "CreatedDate", "UpdatedDate")


class VersionConflict(Exception):
    """The entity changed since it was read (storage ETag mismatch)."""


class IdempotencyRecordExists(Exception):
    """An idempotency record with this key already exists for the owner."""


@dataclass(frozen=True)
class Stored(Generic[T]):
    """A resource as read from storage, with the storage ETag needed for conditional writes."""

    value: T
    etag: str


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    fingerprint: str
    resource_json: str
    created: datetime


@dataclass(frozen=True)
class Page(Generic[T]):
    values: list[T]
    has_more: bool


def _list_key(list_id: str) -> str:
    return f"L|{list_id}"


def _item_prefix(list_id: str) -> str:
    return f"I|{list_id}|"


def _item_keys(table: TableClient, owner: str, list_id: str, per_page: int) -> AsyncItemPaged[TableEntity]:
    """The row keys of one list's items, in key order: what a cascade delete sweeps."""
    prefix = _item_prefix(list_id)
    return table.query_entities(
        "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
        parameters={"pk": owner, "low": prefix, "high": prefix + "~"},
        select=["RowKey"],
        results_per_page=per_page,
    )


def _item_key(list_id: str, item_id: str) -> str:
    return f"I|{list_id}|{item_id}"


def _idempotency_key(key: str) -> str:
    return "K|" + hashlib.sha256(key.encode()).hexdigest()


def _list_entity(owner: str, todo_list: TodoList) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": owner,
        "RowKey": _list_key(todo_list.id),
        "Name": todo_list.name,
        "CreatedDate": todo_list.created_date,
        "UpdatedDate": todo_list.updated_date,
    }
    if todo_list.description is not None:
        entity["Description"] = todo_list.description
    return entity


def _list_from_entity(entity: dict[str, Any]) -> TodoList:
    return TodoList(
        id=entity["RowKey"][2:],
        name=entity["Name"],
        description=entity.get("Description"),
        created_date=entity["CreatedDate"],
        updated_date=entity["UpdatedDate"],
    )


def _item_entity(owner: str, item: TodoItem) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": owner,
        "RowKey": _item_key(item.list_id, item.id),
        "Name": item.name,
        "State": item.state.value,
        "CreatedDate": item.created_date,
        "UpdatedDate": item.updated_date,
    }
    optional = {
        "Description": item.description,
        "DueDate": item.due_date,
        "CompletedDate": item.completed_date,
    }
    entity.update({name: value for name, value in optional.items() if value is not None})
    return entity


def _item_from_entity(entity: dict[str, Any]) -> TodoItem:
    _, list_id, item_id = entity["RowKey"].split("|")
    return TodoItem(
        id=item_id,
        list_id=list_id,
        name=entity["Name"],
        description=entity.get("Description"),
        state=ItemState(entity["State"]),
        due_date=entity.get("DueDate"),
        completed_date=entity.get("CompletedDate"),
        created_date=entity["CreatedDate"],
        updated_date=entity["UpdatedDate"],
    )


def _idempotency_entity(owner: str, record: IdempotencyRecord) -> dict[str, Any]:
    return {
        "PartitionKey": owner,
        "RowKey": _idempotency_key(record.key),
        "Fingerprint": record.fingerprint,
        "Resource": record.resource_json,
        "CreatedDate": record.created,
    }


def _touch_list(owner: str, list_id: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A transaction step that fails (404) unless the list still exists; it changes no field."""
    return ("update", {"PartitionKey": owner, "RowKey": _list_key(list_id)}, {"mode": UpdateMode.MERGE})


def _conditional(etag: str) -> dict[str, Any]:
    return {"etag": etag, "match_condition": MatchConditions.IfNotModified}


async def _get(owner: str, row_key: str) -> dict[str, Any] | None:
    table = await get_table()
    async with translate_storage_errors():
        try:
            entity = await table.get_entity(owner, row_key)
        except ResourceNotFoundError as exc:
            if is_table_missing(exc):
                raise
            return None
    return dict(entity, _etag=entity.metadata["etag"])


async def _range(
    owner: str,
    prefix: str,
    properties: Sequence[str],
    after: str | None,
    limit: int,
    skip: int,
    extra_filter: str = "",
    parameters: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], bool]:
    """Rows whose key starts with prefix, in key order, after the cursor; reads one extra row
    to learn whether more exist. skip is served by reading past rows (Table has no offset)."""
    table = await get_table()
    query = "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high" + extra_filter
    params = {"pk": owner, "low": prefix + (after or ""), "high": prefix + "~", **(parameters or {})}
    wanted = skip + limit + 1
    rows: list[dict[str, Any]] = []
    async with translate_storage_errors():
        pager = table.query_entities(
            query, parameters=params, select=list(properties), results_per_page=min(wanted, PAGE_LIMIT)
        )
        async for entity in pager:
            rows.append(entity)
            if len(rows) >= wanted:
                break
    rows = rows[skip:]
    return rows[:limit], len(rows) > limit


async def _replace_if_unchanged(entity: dict[str, Any], etag: str) -> None:
    """Replace an entity only if its storage ETag is still etag. A row changed or deleted since
    it was read raises VersionConflict: the caller reads again, and that read decides between
    a retry, 404 and 412."""
    table = await get_table()
    async with translate_storage_errors():
        try:
            await table.update_entity(entity, mode=UpdateMode.REPLACE, **_conditional(etag))
        except ResourceModifiedError as exc:
            raise VersionConflict() from exc
        except ResourceNotFoundError as exc:
            if is_table_missing(exc):
                raise
            raise VersionConflict() from exc


async def _submit(operations: Sequence[tuple[Any, ...]]) -> None:
    table = await get_table()
    async with translate_storage_errors():
        await table.submit_transaction(operations)  # type: ignore[arg-type]


class IdempotencyRepository:
    async def get(self, owner: str, key: str) -> IdempotencyRecord | None:
        entity = await _get(owner, _idempotency_key(key))
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
            await table.delete_entity(owner, _idempotency_key(key))


def _raise_for_transaction(exc: TableTransactionError, idempotent: bool, index_of_record: int) -> None:
    status = exc.status_code
    if status == 404:
        raise NotFound("the list does not exist") from exc
    if status == 412:
        raise VersionConflict() from exc
    if status == 409 and idempotent and exc.index == index_of_record:
        raise IdempotencyRecordExists() from exc
    raise exc


class ListRepository:
    async def add(self, owner: str, todo_list: TodoList, record: IdempotencyRecord | None) -> None:
        table = await get_table()
        entity = _list_entity(owner, todo_list)
        if record is None:
            async with translate_storage_errors():
                await table.create_entity(entity)
            return
        try:
            await _submit([("create", entity), ("create", _idempotency_entity(owner, record))])
        except TableTransactionError as exc:
            _raise_for_transaction(exc, True, 1)

    async def get(self, owner: str, list_id: str) -> Stored[TodoList] | None:
        entity = await _get(owner, _list_key(list_id))
        return None if entity is None else Stored(_list_from_entity(entity), entity["_etag"])

    async def replace(self, owner: str, todo_list: TodoList, etag: str) -> None:
        await _replace_if_unchanged(_list_entity(owner, todo_list), etag)

    async def remove(self, owner: str, list_id: str, etag: str | None) -> None:
        """Delete the list row; only if unchanged since it was read when etag is given."""
        table = await get_table()
        async with translate_storage_errors():
            try:
                await table.delete_entity(owner, _list_key(list_id), **(_conditional(etag) if etag else {}))
            except ResourceModifiedError as exc:
                raise VersionConflict() from exc

    async def page(self, owner: str, after: str | None, limit: int, skip: int) -> Page[TodoList]:
        rows, more = await _range(owner, "L|", LIST_PROPERTIES, after, limit, skip)
        return Page([_list_from_entity(row) for row in rows], more)


class ItemRepository:
    async def add(self, owner: str, item: TodoItem, record: IdempotencyRecord | None) -> None:
        operations: list[tuple[Any, ...]] = [
            _touch_list(owner, item.list_id),
            ("create", _item_entity(owner, item)),
        ]
        if record is not None:
            operations.append(("create", _idempotency_entity(owner, record)))
        try:
            await _submit(operations)
        except TableTransactionError as exc:
            _raise_for_transaction(exc, record is not None, 2)

    async def get(self, owner: str, list_id: str, item_id: str) -> Stored[TodoItem] | None:
        entity = await _get(owner, _item_key(list_id, item_id))
        return None if entity is None else Stored(_item_from_entity(entity), entity["_etag"])

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
                    "low": _item_key(list_id, ordered[0]),
                    "high": _item_key(list_id, ordered[-1]),
                },
                select=list(ITEM_PROPERTIES),  # the row's ETag still comes with each row
                results_per_page=PAGE_LIMIT,
            )
            rows = 0
            async for entity in pager:
                item_id = entity["RowKey"].rsplit("|", 1)[1]
                if item_id in wanted:  # only the wanted rows become models
                    found[item_id] = Stored(_item_from_entity(entity), str(entity.metadata["etag"]))
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
        await _replace_if_unchanged(_item_entity(owner, item), etag)

    async def replace_many(self, owner: str, list_id: str, items: Sequence[Stored[TodoItem]]) -> None:
        """Replace items of one list atomically, each only if unchanged since it was read."""
        operations = [
            ("update", _item_entity(owner, stored.value), {"mode": UpdateMode.REPLACE, **_conditional(stored.etag)})
            for stored in items
        ]
        try:
            await _submit(operations)
        except TableTransactionError as exc:
            if exc.status_code == 404:
                raise VersionConflict() from exc  # an item was deleted since it was read: re-read
            _raise_for_transaction(exc, False, -1)

    async def remove(self, owner: str, list_id: str, item_id: str, etag: str) -> None:
        table = await get_table()
        async with translate_storage_errors():
            try:
                await table.delete_entity(owner, _item_key(list_id, item_id), **_conditional(etag))
            except ResourceModifiedError as exc:
                raise VersionConflict() from exc

    async def page(
        self, owner: str, list_id: str, state: ItemState | None, after: str | None, limit: int, skip: int
    ) -> Page[TodoItem]:
        if state is None:
            rows, more = await _range(owner, _item_prefix(list_id), ITEM_PROPERTIES, after, limit, skip)
        else:
            rows, more = await _range(
                owner,
                _item_prefix(list_id),
                ITEM_PROPERTIES,
                after,
                limit,
                skip,
                " and State eq @state",
                {"state": state.value},
            )
        return Page([_item_from_entity(row) for row in rows], more)

    async def remove_all(self, owner: str, list_id: str) -> int:
        """Delete every item of a list in transactions of 100; safe to repeat after a failure."""
        table = await get_table()
        removed = 0
        while True:
            keys: list[str] = []
            async with translate_storage_errors():
                pager = _item_keys(table, owner, list_id, PAGE_LIMIT)
                async for entity in pager:
                    keys.append(entity["RowKey"])
                    if len(keys) >= PAGE_LIMIT:
                        break
            if not keys:
                return removed
            interrupted = False
            for start in range(0, len(keys), BATCH_LIMIT):
                chunk = keys[start : start + BATCH_LIMIT]
                try:
                    await _submit([("delete", {"PartitionKey": owner, "RowKey": key}) for key in chunk])
                except TableTransactionError as exc:
                    if exc.status_code != 404:
                        raise
                    interrupted = True  # a concurrent sweep removed some of these rows: query again
                    break
                removed += len(chunk)
            # No item can appear once the list row is gone, so a short page was the last one.
            if len(keys) < PAGE_LIMIT and not interrupted:
                return removed


# Housekeeping -------------------------------------------------------------------------------
# Rows nobody reads any more: idempotency records past their lifetime, and the items an
# interrupted list delete left behind (invisible, since an item shows only while its list
# exists). Table Storage has no TTL and no secondary index, so both are found by cross-partition
# queries filtered on RowKey (the service scans, the app reads only matching keys).

HOUSEKEEPING_PARTITION = "~housekeeping"  # "~" is not an owner character, so no owner can collide
ORPHAN_SCAN_ROW = "orphan-scan"


@dataclass(frozen=True)
class RowRef:
    """A row to remove only if it is still the version that was read."""

    owner: str
    row_key: str
    etag: str


@dataclass(frozen=True)
class ScanPosition:
    """The last item key a sweep has looked at; the next page starts after it."""

    owner: str
    row_key: str


@dataclass(frozen=True)
class ItemScan:
    lists: list[tuple[str, str]]  # (owner, list id) of the items read, each once, in key order
    last: ScanPosition | None  # the last row read; None when the scan reached the end of the table
    rows: int


class HousekeepingRepository:
    async def expired_idempotency_records(self, created_before: datetime, limit: int) -> list[RowRef]:
        """Idempotency records created before the cutoff, across every owner."""
        table = await get_table()
        found: list[RowRef] = []
        async with translate_storage_errors():
            pager = table.query_entities(
                "RowKey gt @low and RowKey lt @high and CreatedDate lt @cutoff",
                parameters={"low": "K|", "high": "K|~", "cutoff": created_before},
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
                ("delete", {"PartitionKey": row.owner, "RowKey": row.row_key}, _conditional(row.etag)) for row in batch
            ]
            try:
                await _submit(operations)
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
        parameters: dict[str, Any] = {"low": "I|", "high": "I|~"}
        if after is not None:
            # Spaces around the parentheses: the SDK substitutes only words that start with @.
            query += " and (PartitionKey gt @owner or (PartitionKey eq @owner and RowKey gt @key ) )"
            parameters.update(owner=after.owner, key=after.row_key)
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
                last, rows = ScanPosition(owner, key), rows + 1
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
            pager = _item_keys(table, owner, list_id, wanted + 1)
            async for entity in pager:
                keys.append(entity["RowKey"])
                if len(keys) > wanted:
                    break
        more = len(keys) > wanted
        removed = 0
        for start in range(0, min(len(keys), wanted), BATCH_LIMIT):
            chunk = keys[start : min(start + BATCH_LIMIT, wanted)]
            try:
                await _submit([("delete", {"PartitionKey": owner, "RowKey": key}) for key in chunk])
            except TableTransactionError as exc:
                if exc.status_code != 404:
                    raise
                return removed, False  # another sweep removed some of these: look again next time
            removed += len(chunk)
        return removed, not more

    async def orphan_scan_position(self) -> ScanPosition | None:
        entity = await _get(HOUSEKEEPING_PARTITION, ORPHAN_SCAN_ROW)
        return None if entity is None else ScanPosition(entity["Owner"], entity["Key"])

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
                "Key": position.row_key,
            }
            await table.upsert_entity(entity, mode=UpdateMode.REPLACE)


__all__ = [
    "HousekeepingRepository",
    "IdempotencyRecord",
    "IdempotencyRecordExists",
    "IdempotencyRepository",
    "ItemRepository",
    "ItemScan",
    "ListRepository",
    "Page",
    "RowRef",
    "ScanPosition",
    "Stored",
    "VersionConflict",
]
