"""The few Table operations every repository is made of, each with storage faults translated:
a point read, a range read in key order, a conditional replace, and a transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azure.core.async_paging import AsyncItemPaged
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableEntity, TableTransactionError, UpdateMode
from azure.data.tables.aio import TableClient

from shared.domain.errors import NotFound
from shared.domain.ports import IdempotencyRecordExists, VersionConflict
from shared.storage.client import get_table, is_table_missing, translate_storage_errors
from shared.storage.rows import if_unchanged, item_prefix

BATCH_LIMIT = 100  # Table Storage: at most 100 operations per transaction
PAGE_LIMIT = 1000  # Table Storage: at most 1,000 entities per query page


async def read_row(owner: str, row_key: str) -> dict[str, Any] | None:
    """The row with its storage ETag under `_etag`, or None when there is none."""
    table = await get_table()
    async with translate_storage_errors():
        try:
            entity = await table.get_entity(owner, row_key)
        except ResourceNotFoundError as exc:
            if is_table_missing(exc):
                raise
            return None
    return dict(entity, _etag=entity.metadata["etag"])


async def read_range(
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


def item_keys(table: TableClient, owner: str, list_id: str, per_page: int) -> AsyncItemPaged[TableEntity]:
    """The row keys of one list's items, in key order: what a cascade delete sweeps."""
    prefix = item_prefix(list_id)
    return table.query_entities(
        "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
        parameters={"pk": owner, "low": prefix, "high": prefix + "~"},
        select=["RowKey"],
        results_per_page=per_page,
    )


async def delete_rows(owner: str, keys: Sequence[str]) -> tuple[int, bool]:
    """Delete the rows in transactions of up to 100: (removed, completed). A transaction that
    finds a row already gone (a concurrent erase or sweep) did nothing: the caller reads again."""
    removed = 0
    for start in range(0, len(keys), BATCH_LIMIT):
        chunk = keys[start : start + BATCH_LIMIT]
        try:
            await submit([("delete", {"PartitionKey": owner, "RowKey": key}) for key in chunk])
        except TableTransactionError as exc:
            if exc.status_code != 404:
                raise
            return removed, False
        removed += len(chunk)
    return removed, True


async def replace_if_unchanged(entity: dict[str, Any], etag: str) -> None:
    """Replace an entity only if its storage ETag is still etag. A row changed or deleted since
    it was read raises VersionConflict: the caller reads again, and that read decides between
    a retry, 404 and 412."""
    table = await get_table()
    async with translate_storage_errors():
        try:
            await table.update_entity(entity, mode=UpdateMode.REPLACE, **if_unchanged(etag))
        except ResourceModifiedError as exc:
            raise VersionConflict() from exc
        except ResourceNotFoundError as exc:
            if is_table_missing(exc):
                raise
            raise VersionConflict() from exc


async def submit(operations: Sequence[tuple[Any, ...]]) -> None:
    table = await get_table()
    async with translate_storage_errors():
        await table.submit_transaction(operations)  # type: ignore[arg-type]


def raise_for_transaction(exc: TableTransactionError, *, record_at: int | None = None) -> None:
    """What a failed transaction means to the service: a missing row is a missing list, a
    changed row a version conflict, and a 409 on the idempotency record (at index record_at)
    a key already used. Anything else is raised as it came."""
    status = exc.status_code
    if status == 404:
        raise NotFound("the list does not exist") from exc
    if status == 412:
        raise VersionConflict() from exc
    if status == 409 and record_at is not None and exc.index == record_at:
        raise IdempotencyRecordExists() from exc
    raise exc
