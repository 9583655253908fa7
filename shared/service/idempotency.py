"""Idempotent creation, in one place: a creation sent with an Idempotency-Key is done once, and a
retry of the same request gets the first result again, for the key's lifetime.

The record is written in the same transaction as the resource it created (the repositories'
`add`), so a request either created both or neither. A retry finds the record, checks that it
is the same request (method, path and body, as a fingerprint) and replays the stored JSON. A
record older than its lifetime is removed and the key used afresh; the housekeeping timer
removes the ones nobody uses again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from shared.domain.errors import IdempotencyKeyReused, StorageUnavailable
from shared.domain.models import TodoItem, TodoList
from shared.domain.ports import Clock, IdempotencyRecord, IdempotencyRecordExists, IdempotencyRepository

T = TypeVar("T", TodoList, TodoItem)


@dataclass(frozen=True)
class IdempotencyRequest:
    key: str
    fingerprint: str

    @classmethod
    def of(cls, key: str, method: str, path: str, body: bytes) -> IdempotencyRequest:
        """The same request is the same method on the same path (case-insensitive) with the same
        body bytes; anything else reusing the key is refused."""
        digest = hashlib.sha256(f"{method.upper()} {path.lower()}\n".encode() + body).hexdigest()
        return cls(key=key, fingerprint=digest)


@dataclass(frozen=True)
class Created(Generic[T]):
    """A created (or replayed) resource and its JSON, serialized once for the record and the
    response alike."""

    value: T
    body: bytes
    replayed: bool = False


async def create_once(
    owner: str,
    resource: T,
    add: Callable[[IdempotencyRecord | None], Awaitable[None]],
    request: IdempotencyRequest | None,
    *,
    records: IdempotencyRepository,
    clock: Clock,
    lifetime: timedelta,
) -> Created[T]:
    """Create through add(record), or replay what an earlier identical request created."""
    body = resource.to_json()
    if request is None:
        await add(None)
        return Created(resource, body)
    record = IdempotencyRecord(request.key, request.fingerprint, body.decode(), clock())
    for _ in range(2):
        try:
            await add(record)
            return Created(resource, body)
        except IdempotencyRecordExists:
            existing = await records.get(owner, request.key)
            if existing is None:
                continue  # removed meanwhile (expired): try once more
            if _expired(existing.created, clock(), lifetime):
                await records.remove(owner, request.key)
                continue
            if existing.fingerprint != request.fingerprint:
                raise IdempotencyKeyReused("this Idempotency-Key was already used with a different request") from None
            replayed = type(resource).model_validate_json(existing.resource_json)
            return Created(replayed, existing.resource_json.encode(), replayed=True)
    raise StorageUnavailable("the idempotency record is being replaced; retry")


def _expired(created: datetime, now: datetime, lifetime: timedelta) -> bool:
    return now - created > lifetime
