"""The composition root: the one module that knows both the use cases and the Table
repositories, and puts them together with the settings. Functions ask it for a service; nothing
else builds one, so a test or a benchmark can give the service other repositories instead.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from shared.platform.settings import get_settings, housekeeping_limits
from shared.service.housekeeping import Budget, Housekeeping
from shared.service.imports import ImportService
from shared.service.owner_data import OwnerDataService
from shared.service.todos import TodoService
from shared.storage.housekeeping import TableHousekeepingRepository
from shared.storage.imports import TableImportRepository
from shared.storage.owner_data import TableOwnerDataRepository
from shared.storage.repositories import TableIdempotencyRepository, TableItemRepository, TableListRepository

if TYPE_CHECKING:  # the backup's module loads the blob SDK: imported when a run starts, not here
    from shared.storage.backup import BackupReport

_service: TodoService | None = None
_owner_data: OwnerDataService | None = None
_imports: ImportService | None = None


def get_service() -> TodoService:
    """The process-wide service (stateless; its repositories share the process table client).
    Built on first use, never at import: settings may not all be there when the worker imports."""
    global _service
    if _service is None:
        _service = build_service()
    return _service


def build_service() -> TodoService:
    """A service on the Table repositories with the configured idempotency lifetime."""
    return TodoService(
        TableListRepository(),
        TableItemRepository(),
        TableIdempotencyRepository(),
        idempotency_ttl=timedelta(seconds=get_settings().idempotency_ttl_seconds),
    )


def get_owner_data() -> OwnerDataService:
    """The process-wide export and erase use cases on the Table repository (stateless)."""
    global _owner_data
    if _owner_data is None:
        _owner_data = OwnerDataService(TableOwnerDataRepository())
    return _owner_data
def get_import_service() -> ImportService:
    """The process-wide import use case, built on first use like get_service."""
    global _imports
    if _imports is None:
        _imports = ImportService(
            TableImportRepository(),
            TableIdempotencyRepository(),
            idempotency_ttl=timedelta(seconds=get_settings().idempotency_ttl_seconds),
        )
    return _imports


def get_housekeeping() -> tuple[Housekeeping, Budget]:
    """A run's use case and budget, from the settings (read when the timer fires, not at import)."""
    rows, seconds = housekeeping_limits()
    ttl = timedelta(seconds=get_settings().idempotency_ttl_seconds)
    use_case = Housekeeping(TableHousekeepingRepository(), TableListRepository(), idempotency_ttl=ttl)
    return use_case, Budget(rows=rows, seconds=seconds)


async def run_backup() -> tuple[BackupReport, float]:
    """One run of the table's backup with the configured table and container. Imported here, on
    first use: the blob SDK is never part of the HTTP functions' cold start."""
    from shared.storage.backup import backup_table

    return await backup_table(get_settings())
