"""Read-check-write, retried: the one loop every conditional write of the service runs.

A write reads the row, checks the client's preconditions against it, and writes only if the
row is still the version read. When another writer got there first (VersionConflict) the whole
step runs again on a fresh read, so the slower writer always re-checks what it overwrites.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.domain.errors import StorageUnavailable
from shared.domain.ports import VersionConflict

R = TypeVar("R")
WRITE_ATTEMPTS = 6
RETRY_PAUSE_SECONDS = 0.01  # upper bound of the random pause, times the attempt number


async def pause_before(attempt: int) -> None:
    """The first attempt runs at once and each retry after a short random pause, so writers
    that collided (or item creations touching the list row) spread out instead of colliding
    again."""
    if attempt:
        await asyncio.sleep(random.uniform(0, RETRY_PAUSE_SECONDS * attempt))


async def until_written(step: Callable[[], Awaitable[R]], *, busy: str) -> R:
    """Run step (read, check, write) until it gets through without a VersionConflict; after
    WRITE_ATTEMPTS collisions, give up with a retryable 503 whose detail is busy. (A plain loop,
    not an async generator: one left early by a return would cost a finalizer task per request.)"""
    for attempt in range(WRITE_ATTEMPTS):
        await pause_before(attempt)
        try:
            return await step()
        except VersionConflict:
            continue
    raise StorageUnavailable(busy)
