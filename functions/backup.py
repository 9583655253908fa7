"""The daily backup of the whole table to Blob Storage, on a timer.

Table Storage has no backup of its own: this run writes every row to one gzip NDJSON blob in the
TODO_BACKUP_CONTAINER container of the same account, with a manifest holding its counts and
checksum (shared/storage/backup.py; restore: python -m shared.storage.restore). The schedule is
an NCRONTAB expression from the app setting TODO_BACKUP_SCHEDULE through the host's `%NAME%`
binding expression, named only when the setting is set (the host refuses a `%NAME%` that names
no setting); otherwise daily at 02:30 UTC. A failed run raises: the host records a failed
invocation, which the backup alert counts.
https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer
"""

import json
import logging

import azure.functions as func

from shared.platform.settings import get_settings, timer_schedule
from shared.platform.telemetry import configure as configure_telemetry
from shared.wiring import run_backup

bp = func.Blueprint()  # type: ignore[no-untyped-call]
logger = logging.getLogger("todo.backup")
SCHEDULE_SETTING = "TODO_BACKUP_SCHEDULE"
DEFAULT_SCHEDULE = "0 30 2 * * *"


def schedule_expression() -> str:
    return timer_schedule(SCHEDULE_SETTING, DEFAULT_SCHEDULE)


@bp.function_name("backup")
@bp.timer_trigger(schedule=schedule_expression(), arg_name="timer", run_on_startup=False, use_monitor=True)
async def backup(timer: func.TimerRequest) -> None:
    """Failures propagate (storage faults included): the host records a failed invocation."""
    configure_telemetry()  # this may be the process's first invocation
    fault = get_settings().configuration_fault
    if fault:
        raise RuntimeError(f"backup refused: {fault}")
    report, seconds = await run_backup()
    line = {
        "event": "backup",
        "table": report.table,
        "blob": report.blob,
        "manifest": report.manifest,
        "rows": report.rows,
        "partitions": len(report.partitions),
        "bytes": report.bytes,
        "sha256": report.sha256,
        "pastDue": timer.past_due,
        "durationMs": round(seconds * 1000, 2),
    }
    logger.info(json.dumps(line))
