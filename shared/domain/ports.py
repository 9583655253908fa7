"""The ports the service depends on: what it needs from storage and from time, stated as
protocols. The Table repositories (shared/storage) and the in-memory ones (inmemory/) implement
them; the service never knows which it was given, and mypy checks both against these shapes.

The storage semantics every implementation keeps (the contract suite in tests/contract runs the
same tests on both): a version (`Stored.etag`) changes on every write; a conditional write or
delete with an old version raises VersionConflict; an item is written only while its list
exists (else NotFound), atomically with its idempotency record; pages are in id order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

from shared.domain.models import ItemState, TodoItem, TodoList

T = TypeVar("T")


class VersionConflict(Exception):
    """The row changed (or vanished) since it was read: read again and decide again."""


class IdempotencyRecordExists(Exception):
    """An idempotency record with this key already exists for the owner."""


@dataclass(frozen=True)
class Stored(Generic[T]):
    """A resource as read from storage, with the storage version needed for conditional writes."""

    value: T
    etag: str


@dataclass(frozen=True)
class Page(Generic[T]):
    values: list[T]
    has_more: bool


@dataclass(frozen=True)
class IdempotencyRecord:
    """What a creation with an Idempotency-Key stored: the request's fingerprint and the JSON
    of what it created, replayed to a retry of the same request."""

    key: str
    fingerprint: str
    resource_json: str
    created: datetime


class Clock(Protocol):
    def __call__(self) -> datetime: ...


def utc_now() -> datetime:
    """Millisecond precision, so a stored and re-read date gives identical JSON (and ETag)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class ListRepository(Protocol):
    async def add(self, owner: str, todo_list: TodoList, record: IdempotencyRecord | None) -> None:
        """Create the list (and the record, atomically); IdempotencyRecordExists if the key is taken."""

    async def get(self, owner: str, list_id: str) -> Stored[TodoList] | None: ...

    async def replace(self, owner: str, todo_list: TodoList, etag: str) -> None:
        """Replace only if unchanged since read (VersionConflict otherwise, also when gone)."""

    async def remove(self, owner: str, list_id: str, etag: str | None) -> None:
        """Delete the list row; with etag, only if unchanged since read (VersionConflict)."""

    async def page(self, owner: str, after: str | None, limit: int, skip: int) -> Page[TodoList]: ...


class ItemRepository(Protocol):
    async def add(self, owner: str, item: TodoItem, record: IdempotencyRecord | None) -> None:
        """Create the item while its list exists (NotFound otherwise), with the record atomically."""

    async def get(self, owner: str, list_id: str, item_id: str) -> Stored[TodoItem] | None: ...

    async def get_many(self, owner: str, list_id: str, item_ids: Sequence[str]) -> dict[str, Stored[TodoItem]]:
        """The items of the list among these ids, by id (absent ids are left out)."""

    async def replace(self, owner: str, item: TodoItem, etag: str) -> None: ...

    async def replace_many(self, owner: str, list_id: str, items: Sequence[Stored[TodoItem]]) -> None:
        """All or nothing, each only if unchanged since read (VersionConflict otherwise)."""

    async def remove(self, owner: str, list_id: str, item_id: str, etag: str) -> None: ...

    async def page(
        self, owner: str, list_id: str, state: ItemState | None, after: str | None, limit: int, skip: int
    ) -> Page[TodoItem]: ...

    async def remove_all(self, owner: str, list_id: str) -> int:
        """Delete every item of the list; safe to repeat. Returns how many this call removed."""


class IdempotencyRepository(Protocol):
    async def get(self, owner: str, key: str) -> IdempotencyRecord | None: ...

    async def remove(self, owner: str, key: str) -> None: ...


# Imports -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found(Generic[T]):
    """A row an import found, with the tag of the import request that wrote it (None when an
    ordinary API call wrote it): a retry whose idempotency record is missing tells by the tag
    which rows its own first attempt created."""

    value: T
    import_tag: str | None = None


@dataclass(frozen=True)
class ImportRows:
    """The caller's rows among those an import names: lists by id, items by (list id, item id)."""

    lists: dict[str, Found[TodoList]]
    items: dict[tuple[str, str], Found[TodoItem]]


class ImportRepository(Protocol):
    async def read(self, owner: str, list_ids: Sequence[str], item_keys: Sequence[tuple[str, str]]) -> ImportRows:
        """The owner's lists and items among these keys (absent ones are left out)."""

    async def write(
        self,
        owner: str,
        lists: Sequence[TodoList],
        items: Sequence[TodoItem],
        existing_lists: Sequence[str],
        tag: str,
        record: IdempotencyRecord,
    ) -> None:
        """Create every row, tagged, in one transaction, all or none: a row that exists by then, or
        a list of existing_lists (those the new items go into) that is gone, is a VersionConflict
        and nothing is written (Table Storage checks those lists inside the transaction as far as
        its 100 operations have room). The record rides in the transaction when it fits, and is
        written right after it otherwise; IdempotencyRecordExists when it already exists."""


# Housekeeping ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowRef:
    """A row to remove only if it is still the version that was read (its key is storage's)."""

    owner: str
    row_key: str
    etag: str


@dataclass(frozen=True)
class ScanPosition:
    """Where a sweep of item rows stands: after this item of this list, or, with no item id,
    before the list's first item (the next sweep starts with that list)."""

    owner: str
    list_id: str
    item_id: str = ""


@dataclass(frozen=True)
class ItemScan:
    lists: list[tuple[str, str]]  # (owner, list id) of the items read, each once, in key order
    last: ScanPosition | None  # the last row read; None when the scan reached the end of the table
    rows: int


class HousekeepingRepository(Protocol):
    async def expired_idempotency_records(self, created_before: datetime, limit: int) -> list[RowRef]: ...

    async def remove_unchanged(self, rows: Sequence[RowRef]) -> int:
        """Delete each row only if unchanged since read; returns how many this call removed."""

    async def scan_item_lists(self, after: ScanPosition | None, max_rows: int) -> ItemScan: ...

    async def remove_list_items(self, owner: str, list_id: str, limit: int) -> tuple[int, bool]:
        """Up to limit items of a list whose row is gone: (removed, none left)."""

    async def orphan_scan_position(self) -> ScanPosition | None: ...

    async def save_orphan_scan_position(self, position: ScanPosition | None) -> None: ...


# The owner's data as a whole: export and erase --------------------------------------------


@dataclass(frozen=True, order=True)
class ExportPosition:
    """A key position in an owner's data: the line of this list (item_id "") or of this item.
    Lines sort as their rows do: a list, then its items by id, then the next list."""

    list_id: str
    item_id: str = ""


class OwnerDataRepository(Protocol):
    """Reads and removals over one owner's whole partition, each a range over its row keys."""

    async def lists_from(self, owner: str, first: str | None, limit: int) -> Page[TodoList]:
        """Up to limit lists with id >= first (all when None), in id order; has_more when rows
        remain past the last one returned."""

    async def items_after(self, owner: str, after: ExportPosition | None, limit: int) -> Page[TodoItem]:
        """Up to limit item rows of any list, in (list id, item id) order, strictly after the
        position; rows of lists that are gone included (the caller decides what is visible)."""

    async def remove_lists(self, owner: str) -> int:
        """Delete every list row of the owner; returns how many this call removed."""

    async def remove_records(self, owner: str) -> int:
        """Delete every idempotency record of the owner; returns how many this call removed."""

    async def remove_orphan_items(self, owner: str) -> int:
        """Delete every item whose list row is gone (no item can be added to such a list, so
        this never removes a visible row); returns how many this call removed."""
