"""Housekeeping on a timer: expired idempotency records and interrupted list deletes.

The schedule is an NCRONTAB expression (six fields, seconds first; UTC unless WEBSITE_TIME_ZONE)
taken from the app setting TODO_HOUSEKEEPING_SCHEDULE through the host's `%NAME%` binding
expression. The host refuses a `%NAME%` that names no setting, so the binding names the setting
only when it is set and otherwise carries the default, every 15 minutes (the worker indexes the
app with the app settings in its environment).
https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer
"""

import json
import logging
import time

import azure.functions as func

from shared.platform.settings import get_settings, timer_schedule
from shared.platform.telemetry import configure as configure_telemetry
from shared.wiring import get_housekeeping

bp = func.Blueprint()  # type: ignore[no-untyped-call]
logger = logging.getLogger("todo.housekeeping")
SCHEDULE_SETTING = "TODO_HOUSEKEEPING_SCHEDULE"
DEFAULT_SCHEDULE = "0 */15 * * * *"


def schedule_expression() -> str:
    return timer_schedule(SCHEDULE_SETTING, DEFAULT_SCHEDULE)


@bp.function_name("housekeeping")
@bp.timer_trigger(schedule=schedule_expression(), arg_name="timer", run_on_startup=False, use_monitor=True)
async def housekeeping(timer: func.TimerRequest) -> None:
    """Failures propagate: the host records a failed invocation, which the alert counts."""
    started = time.perf_counter()
    configure_telemetry()  # this may be the process's first invocation: Table spans need their URLs cut
    fault = get_settings().configuration_fault
    if fault:
        raise RuntimeError(f"housekeeping refused: {fault}")
    use_case, budget = get_housekeeping()
    report = await use_case.run(budget)
    line = {
        "event": "housekeeping",
        "expiredRecordsRemoved": report.expired_records_removed,
        "orphanItemsRemoved": report.orphan_items_removed,
        "listDeletesFinished": report.lists_finished,
        "itemRowsScanned": report.item_rows_scanned,
        "scanCompleted": report.scan_completed,
        "budgetExhausted": report.budget_exhausted,
        "pastDue": timer.past_due,
        "durationMs": round((time.perf_counter() - started) * 1000, 2),
    }
    logger.info(json.dumps(line))
