"""A housekeeping run's budget and record lifetime come from the settings when the timer fires."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.platform.settings import housekeeping_limits, reset_settings_cache
from shared.service.housekeeping import Budget
from shared.wiring import get_housekeeping


def test_budget_and_lifetime_follow_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TODO_HOUSEKEEPING_MAX_ROWS", "70")
    monkeypatch.setenv("TODO_HOUSEKEEPING_SECONDS", "4.5")
    monkeypatch.setenv("TODO_IDEMPOTENCY_TTL_SECONDS", "600")
    reset_settings_cache()
    try:
        housekeeping, budget = get_housekeeping()
        assert budget == Budget(rows=70, seconds=4.5)
        assert housekeeping.idempotency_ttl == timedelta(seconds=600)
    finally:
        reset_settings_cache()


def test_budget_defaults_stay_below_the_function_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TODO_HOUSEKEEPING_MAX_ROWS", raising=False)
    monkeypatch.delenv("TODO_HOUSEKEEPING_SECONDS", raising=False)
    assert housekeeping_limits() == (5000, 20) == (Budget().rows, Budget().seconds)
