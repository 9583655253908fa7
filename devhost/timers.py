"""Timer triggers on the local host: NCRONTAB schedules read the way the Functions host reads them.

The host's timer extension (azure-webjobs-sdk-extensions, CronSchedule.TryCreate) parses the
schedule with NCrontab, with seconds unless the expression has exactly five fields: so
"0 */15 * * * *" (six fields, seconds first) and "*/15 * * * *" (five, minute first) both mean
every 15 minutes. Fields: second 0-59, minute 0-59, hour 0-23, day 1-31, month 1-12 or names,
day of week 0-6 (Sunday 0) or names; each a comma list of `*`, `n`, `a-b`, with an optional
`/step` (`n/step` runs from n to the field's maximum). Unlike Vixie cron, NCrontab requires the
day of month AND the day of week to match. Times are UTC (the host's default without
WEBSITE_TIME_ZONE, which the local host does not read). A `%NAME%` schedule is resolved from
the environment (app settings) as the host does, and a name that resolves to nothing is refused.
https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")  # fmt: skip
DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
# (low, high, names whose index 0 means `low`) for second, minute, hour, day, month, day of week.
FIELDS: tuple[tuple[int, int, tuple[str, ...]], ...] = (
    (0, 59, ()),
    (0, 59, ()),
    (0, 23, ()),
    (1, 31, ()),
    (1, 12, MONTHS),
    (0, 6, DAYS),
)
SEARCH_LIMIT = timedelta(days=366 * 5)  # past this no date can come (e.g. 30 February)
_SETTING = re.compile(r"^%([^%]+)%$")


class ScheduleError(ValueError):
    """A schedule the host would not accept; the message says why."""


def resolve_setting(expression: str, environ: Mapping[str, str] | None = None) -> str:
    """`%NAME%` is replaced by the app setting NAME, as the host's name resolver does."""
    found = _SETTING.fullmatch(expression.strip())
    if found is None:
        return expression
    value = (environ if environ is not None else os.environ).get(found.group(1), "").strip()
    if not value:
        raise ScheduleError(f"{expression!r} does not resolve to a value (no app setting {found.group(1)})")
    return value


def _value(text: str, low: int, names: tuple[str, ...]) -> int:
    if text.isdigit():
        return int(text)
    lowered = text.lower()
    for index, name in enumerate(names):
        if len(lowered) >= 3 and name.startswith(lowered):
            return low + index
    raise ScheduleError(f"{text!r} is not a number or a name")


def _field(text: str, low: int, high: int, names: tuple[str, ...]) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else None
        if step_text and (step is None or step < 1):
            raise ScheduleError(f"{part!r} has a bad step")
        if body == "*":
            first, last = low, high
        elif "-" in body:
            a, b = body.split("-", 1)
            first, last = _value(a, low, names), _value(b, low, names)
        else:
            first = _value(body, low, names)
            last = high if step else first
        if not low <= first <= last <= high:
            raise ScheduleError(f"{part!r} is outside {low}-{high} or reversed")
        values.update(range(first, last + 1, step or 1))
    return frozenset(values)


@dataclass(frozen=True)
class CronSchedule:
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday

    @classmethod
    def parse(cls, expression: str) -> CronSchedule:
        parts = expression.split()
        if len(parts) == 5:
            parts = ["0", *parts]  # five fields: no seconds, so at second 0
        if len(parts) != 6:
            raise ScheduleError(f"{expression!r} must have 6 fields (or 5 without seconds)")
        sets = [_field(part, low, high, names) for part, (low, high, names) in zip(parts, FIELDS, strict=True)]
        return cls(*sets)

    def matches_day(self, moment: datetime) -> bool:
        weekday = (moment.weekday() + 1) % 7  # Python: Monday 0; NCrontab: Sunday 0
        return moment.month in self.months and moment.day in self.days and weekday in self.weekdays

    def next_after(self, moment: datetime) -> datetime:
        """The first time strictly after moment (whole seconds) that the schedule names."""
        candidate = moment.replace(microsecond=0) + timedelta(seconds=1)
        limit = candidate + SEARCH_LIMIT
        while candidate < limit:
            if not self.matches_day(candidate):
                candidate = candidate.replace(hour=0, minute=0, second=0) + timedelta(days=1)
            elif candidate.hour not in self.hours:
                candidate = candidate.replace(minute=0, second=0) + timedelta(hours=1)
            elif candidate.minute not in self.minutes:
                candidate = candidate.replace(second=0) + timedelta(minutes=1)
            elif candidate.second not in self.seconds:
                candidate += timedelta(seconds=1)
            else:
                return candidate
        raise ScheduleError("the schedule names no time in the next five years")
