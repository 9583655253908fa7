"""Point the process's storage client at the session's Azurite for service and repository tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from shared.platform.settings import reset_settings_cache
from shared.storage.client import close_table_client, forget_table_client
from tests.support import Azurite


@pytest.fixture(scope="session", autouse=True)
def storage_env(azurite: Azurite) -> Iterator[None]:
    patcher = pytest.MonkeyPatch()
    patcher.setenv("TODO_STORAGE", azurite.connection_string)
    patcher.setenv("TODO_TABLE_NAME", "todo")
    reset_settings_cache()
    forget_table_client()
    yield
    patcher.undo()
    reset_settings_cache()
    forget_table_client()


@pytest.fixture
def owner() -> str:
    return f"it-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session", autouse=True)
async def close_storage_client(storage_env: None) -> AsyncIterator[None]:
    yield
    await close_table_client()
