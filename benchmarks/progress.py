"""Where the benchmark is: phase, step, elapsed and an estimate of what remains.

On a terminal one line is rewritten in place; otherwise (CI logs, a pipe) each step gets a
plain line, because carriage returns turn a log file into one unreadable line."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


def _clock(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


class Progress:
    """The remaining time is the planned work not yet done, scaled by the pace so far (how
    long the finished steps really took against their plan), so it corrects itself when the
    machine is slower or busier than the plan assumed."""

    def __init__(self, planned_seconds: float, stream: TextIO | None = None) -> None:
        self.planned = max(planned_seconds, 1.0)
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self.planned_done = 0.0
        self.phase = ""

    @contextmanager
    def step(self, phase: str, detail: str, planned_seconds: float) -> Iterator[None]:
        self.phase = phase
        self.show(f"{phase}: {detail}")
        try:
            yield
        finally:
            self.planned_done += planned_seconds

    def remaining(self) -> float:
        elapsed = time.monotonic() - self.started
        pace = elapsed / self.planned_done if self.planned_done else 1.0
        return max(self.planned - self.planned_done, 0.0) * pace

    def show(self, what: str) -> None:
        elapsed = time.monotonic() - self.started
        line = f"[bench {_clock(elapsed)} elapsed, ~{_clock(self.remaining())} left] {what}"
        if self.tty:
            self.stream.write("\r\x1b[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self) -> None:
        elapsed = time.monotonic() - self.started
        self.stream.write(("\r\x1b[K" if self.tty else "") + f"[bench] finished in {_clock(elapsed)}\n")
        self.stream.flush()
