"""Seed data written straight to the table with the sync client (not measured)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from azure.data.tables import TableClient

from benchmarks.common import OWNER
from shared.domain.ids import new_id
from shared.domain.models import TodoItem, TodoList
from shared.storage.rows import item_entity, list_entity


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def make_list(table: TableClient, owner: str = OWNER) -> str:
    todo_list = TodoList(id=new_id(), name="bench", created_date=now(), updated_date=now())
    table.create_entity(list_entity(owner, todo_list))
    return todo_list.id


def make_items(table: TableClient, list_id: str, count: int, owner: str = OWNER) -> list[str]:
    ids = []
    for start in range(0, count, 100):
        batch = []
        for _ in range(min(100, count - start)):
            item = TodoItem(id=new_id(), list_id=list_id, name="seed", created_date=now(), updated_date=now())
            ids.append(item.id)
            batch.append(("create", item_entity(owner, item)))
        table.submit_transaction(batch)  # type: ignore[arg-type]
    return ids


def fill_other_partitions(table: TableClient, total: int) -> None:
    """Entities in other owners' partitions: a well-partitioned API must not notice them."""
    owners = max(1, total // 1000)
    per_owner = total // owners
    for n in range(owners):
        make_items(table, f"filler{n:04d}", per_owner, owner=f"filler-{n:04d}")


def write_ids(lines: list[str]) -> Path:
    handle = tempfile.NamedTemporaryFile("w", suffix=".ids", delete=False)  # noqa: SIM115
    handle.write("\n".join(lines) + "\n")
    handle.close()
    return Path(handle.name)
