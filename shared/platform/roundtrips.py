"""Storage round trips of the current request: counted by the storage pipeline, read by the
request handler (the request log line and Server-Timing), and asserted by tests as a count that
does not drift. A context variable, so concurrent requests in one worker count apart."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass
class RoundTripCounter:
    """HTTP requests sent to storage for one API request (retries included) and the time they
    took until answered (summed, so concurrent calls can add up to more than the request's own
    duration)."""

    count: int = 0
    seconds: float = 0.0


_round_trips: contextvars.ContextVar[RoundTripCounter | None] = contextvars.ContextVar(
    "storage_round_trips", default=None
)


def start_round_trip_count() -> RoundTripCounter:
    counter = RoundTripCounter()
    _round_trips.set(counter)
    return counter


def current_round_trips() -> RoundTripCounter | None:
    """The counter of the request being served, None outside one (tools, housekeeping)."""
    return _round_trips.get()
