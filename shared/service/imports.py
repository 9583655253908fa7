"""The data import use case: recreate the lists and items of an import under the caller, with
their ids and dates, all or nothing, once per Idempotency-Key.

One attempt reads the rows the lines name and the key's record together, then decides:
- a record of the same request: replay its answer (the first one, whatever happened since);
- an item whose list is neither a line of the request nor one of the caller's lists: 422;
- a line whose id exists with other content: 409 naming every such id, nothing written;
- otherwise write the rows that do not exist yet in one transaction (lines that exist with the
  same content are skipped), with the record when it fits, right after otherwise.
A row someone else created (or a list someone deleted) between the read and the transaction
makes the transaction fail: the attempt runs again on a fresh read (shared.service.retry).

The answer of a request whose record is missing (its first attempt stopped between a 100-row
transaction and the record, or the record expired) is recomputed, and comes out the same: the
rows carry a tag of the request that wrote them, so rows this request created count as created.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from shared.domain.errors import IdempotencyKeyReused, ImportConflict
from shared.domain.exchange import ITEM_KIND, LIST_KIND
from shared.domain.import_lines import ImportBatch, LineError, invalid_lines
from shared.domain.models import TodoItem, TodoList
from shared.domain.ports import (
    Clock,
    IdempotencyRecord,
    IdempotencyRecordExists,
    IdempotencyRepository,
    ImportRepository,
    ImportRows,
    VersionConflict,
    utc_now,
)
from shared.service.idempotency import IdempotencyRequest
from shared.service.retry import until_written


@dataclass(frozen=True)
class Imported:
    """The answer's JSON ({"created": n, "unchanged": m}) and whether it replays an earlier one."""

    body: bytes
    replayed: bool = False


@dataclass(frozen=True)
class _Plan:
    lists: list[TodoList]
    items: list[TodoItem]
    existing_lists: list[str]  # lists the new items go into that this write does not create
    created: int
    unchanged: int

    def answer(self) -> bytes:
        return json.dumps({"created": self.created, "unchanged": self.unchanged}, separators=(",", ":")).encode()


def import_tag(request: IdempotencyRequest) -> str:
    """What the rows of one request carry: the same key with the same request (method, path, body)."""
    return hashlib.sha256(f"{request.key}\n{request.fingerprint}".encode()).hexdigest()[:32]


class ImportService:
    def __init__(
        self,
        imports: ImportRepository,
        records: IdempotencyRepository,
        clock: Clock = utc_now,
        idempotency_ttl: timedelta = timedelta(hours=24),
    ) -> None:
        self.imports = imports
        self.records = records
        self.clock = clock
        self.idempotency_ttl = idempotency_ttl

    async def import_lines(self, owner: str, batch: ImportBatch, request: IdempotencyRequest) -> Imported:
        list_ids = list(dict.fromkeys([line.value.id for line in batch.lists] + batch.outside_lists()))
        item_keys = [(line.value.list_id, line.value.id) for line in batch.items]
        tag = import_tag(request)

        async def attempt() -> Imported:
            rows, record = await asyncio.gather(
                self.imports.read(owner, list_ids, item_keys), self.records.get(owner, request.key)
            )
            if record is not None:
                if self.clock() - record.created <= self.idempotency_ttl:
                    if record.fingerprint != request.fingerprint:
                        raise IdempotencyKeyReused("this Idempotency-Key was already used with a different request")
                    return Imported(record.resource_json.encode(), replayed=True)
                await self.records.remove(owner, request.key)  # expired: the key is used afresh
            plan = _plan(batch, rows, tag)
            body = plan.answer()
            new_record = IdempotencyRecord(request.key, request.fingerprint, body.decode(), self.clock())
            try:
                await self.imports.write(owner, plan.lists, plan.items, plan.existing_lists, tag, new_record)
            except IdempotencyRecordExists:
                raise VersionConflict() from None  # the same request finished meanwhile: read its answer
            return Imported(body)

        return await until_written(attempt, busy="the caller's data is being changed by many writers; retry")


def _plan(batch: ImportBatch, rows: ImportRows, tag: str) -> _Plan:
    """What to write, or why nothing may be: 422 for items without a list, 409 for ids taken."""
    created = unchanged = 0
    conflicts: list[dict[str, object]] = []
    new_lists: list[TodoList] = []
    for line in batch.lists:
        found = rows.lists.get(line.value.id)
        if found is None:
            new_lists.append(line.value)
        elif found.value != line.value:
            conflicts.append({"line": line.line, "kind": LIST_KIND, "id": line.value.id})
        elif found.import_tag == tag:
            created += 1  # this request's own earlier attempt created it
        else:
            unchanged += 1
    created_here = {todo_list.id for todo_list in new_lists}
    requested = {line.value.id for line in batch.lists}
    missing: list[LineError] = []
    new_items: list[TodoItem] = []
    for item_line in batch.items:
        item = item_line.value
        if item.list_id not in requested and item.list_id not in rows.lists:
            message = f"the list {item.list_id} is neither a line of this import nor one of your lists"
            missing.append(LineError(item_line.line, "/listId", message))
            continue
        found_item = rows.items.get((item.list_id, item.id))
        if found_item is None:
            new_items.append(item)
        elif found_item.value != item:
            conflicts.append({"line": item_line.line, "kind": ITEM_KIND, "id": item.id})
        elif found_item.import_tag == tag:
            created += 1
        else:
            unchanged += 1
    if missing:
        raise invalid_lines(missing)
    if conflicts:
        ids = list(dict.fromkeys(str(c["id"]) for c in conflicts))
        raise ImportConflict(
            f"{len(ids)} of the ids exist with other content; nothing was written",
            conflictingIds=ids,
            conflicts=conflicts,
        )
    existing = list(dict.fromkeys(i.list_id for i in new_items if i.list_id not in created_here))
    return _Plan(new_lists, new_items, existing, created + len(new_lists) + len(new_items), unchanged)
