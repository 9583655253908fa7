"""The local host reads timer schedules as the Functions host does (NCrontab through the timer
extension's CronSchedule): six fields with seconds, five without, day AND weekday, %SETTING%."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devhost.timers import CronSchedule, ScheduleError, resolve_setting

T0 = datetime(2026, 11, 28, 10, 7, 30, tzinfo=UTC)  # a Saturday


def occurrences(expression: str, start: datetime = T0, count: int = 3) -> list[str]:
    schedule, found, moment = CronSchedule.parse(expression), [], start
    for _ in range(count):
        moment = schedule.next_after(moment)
        found.append(moment.strftime("%a %d %H:%M:%S"))
    return found


def test_the_six_field_form_starts_with_seconds_and_the_default_runs_every_15_minutes() -> None:
    assert occurrences("0 */15 * * * *") == ["Sat 28 10:15:00", "Sat 28 10:30:00", "Sat 28 10:45:00"]
    assert occurrences("*/20 * * * * *") == ["Sat 28 10:07:40", "Sat 28 10:08:00", "Sat 28 10:08:20"]


def test_the_five_field_form_has_no_seconds_field() -> None:
    assert occurrences("*/15 * * * *") == occurrences("0 */15 * * * *")
    assert occurrences("30 9 * * *") == ["Sun 29 09:30:00", "Mon 30 09:30:00", "Tue 01 09:30:00"]


def test_ranges_lists_steps_and_names_as_ncrontab_reads_them() -> None:
    assert occurrences("0 30 9 * * 1-5") == ["Mon 30 09:30:00", "Tue 01 09:30:00", "Wed 02 09:30:00"]
    assert occurrences("0 0 9 * * Mon,friday") == ["Mon 30 09:00:00", "Fri 04 09:00:00", "Mon 07 09:00:00"]
    assert occurrences("0 0 9 * Jan Mon", count=1) == ["Mon 04 09:00:00"]
    assert occurrences("0 50/5 10 * * *") == ["Sat 28 10:50:00", "Sat 28 10:55:00", "Sun 29 10:50:00"]


def test_day_of_month_and_day_of_week_must_both_match() -> None:
    # Vixie cron would run on every 1st and every Monday; NCrontab only on a Monday the 1st.
    schedule = CronSchedule.parse("0 0 0 1 * Mon")
    first = schedule.next_after(T0)
    assert (first, schedule.next_after(first)) == (
        datetime(2027, 2, 1, tzinfo=UTC),
        datetime(2027, 3, 1, tzinfo=UTC),
    )


def test_the_next_occurrence_is_strictly_later() -> None:
    on_the_dot = datetime(2026, 11, 28, 10, 15, 0, tzinfo=UTC)
    assert CronSchedule.parse("0 */15 * * * *").next_after(on_the_dot) == datetime(2026, 11, 28, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    ["* * * *", "* * * * * * *", "60 * * * * *", "0 0 24 * * *", "0 0 0 0 * *", "0 0 0 * 13 *", "0 0 0 * * 7",
     "0 */0 * * * *", "0 5-1 * * * *", "0 x * * * *", "0 0 0 * Ja *", "0 0 0 30 Feb *"],
)  # fmt: skip
def test_a_schedule_the_host_would_refuse_is_refused(expression: str) -> None:
    with pytest.raises(ScheduleError):
        CronSchedule.parse(expression).next_after(T0)


def test_a_percent_setting_is_resolved_from_the_app_settings_and_must_exist() -> None:
    assert resolve_setting("%SCHEDULE%", {"SCHEDULE": "0 0 * * * *"}) == "0 0 * * * *"
    assert resolve_setting("0 0 * * * *", {}) == "0 0 * * * *"
    with pytest.raises(ScheduleError, match="does not resolve"):
        resolve_setting("%SCHEDULE%", {})
