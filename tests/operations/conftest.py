"""Housekeeping sweeps the whole table, so each test here gets a table of its own in the
session's Azurite: counts are exact and no other test's rows are touched."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from shared.platform.settings import reset_settings_cache
from shared.storage.client import close_table_client
from tests.support import Azurite


@pytest.fixture
async def table_name(azurite: Azurite) -> AsyncIterator[str]:
    name = f"hk{uuid.uuid4().hex[:12]}"
    patcher = pytest.MonkeyPatch()
    await close_table_client()
    patcher.setenv("TODO_STORAGE", azurite.connection_string)
    patcher.setenv("TODO_TABLE_NAME", name)
    reset_settings_cache()
    yield name
    await close_table_client()
    patcher.undo()
    reset_settings_cache()


@pytest.fixture
def owner() -> str:
    return f"hk-{uuid.uuid4().hex[:12]}"
