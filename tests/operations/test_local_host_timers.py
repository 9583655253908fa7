"""The local host runs timer functions: at once through the host's admin API shape, and on the
schedule named by the app setting."""

from __future__ import annotations

import asyncio
import time

import azure.functions as func
import pytest

from devhost.registration import index_app
from devhost.server import collect_timers
from tests.operations.test_housekeeping import interrupted_delete, keys, table_rows
from tests.support import ApiClient, Azurite, LocalHost, host_env


async def test_posting_to_the_admin_api_runs_the_function_once_before_answering_202(
    table_name: str, azurite: Azurite, owner: str
) -> None:
    gone = await interrupted_delete(owner, 3)
    host = LocalHost(host_env(azurite, TODO_TABLE_NAME=table_name)).start()  # schedule disabled
    try:
        admin = ApiClient(f"http://127.0.0.1:{host.port}", owner="")
        assert admin.get("/admin/functions/housekeeping").status == 404
        assert admin.post("/admin/functions/no_such_function", {"input": ""}).status == 404
        assert keys(table_rows(azurite, table_name), owner, f"I|{gone}|") != set()  # not run on a schedule

        answer = admin.post("/admin/functions/housekeeping", {"input": ""})

        assert answer.status == 202
        assert keys(table_rows(azurite, table_name), owner, f"I|{gone}|") == set()
    finally:
        host.stop()


async def test_the_admin_api_needs_the_key_when_keys_are_required(table_name: str, azurite: Azurite) -> None:
    env = host_env(azurite, TODO_TABLE_NAME=table_name, LOCAL_HOST_REQUIRE_KEYS="true", LOCAL_HOST_FUNCTION_KEY="k")
    host = LocalHost(env).start()
    try:
        admin = ApiClient(f"http://127.0.0.1:{host.port}", owner="")
        assert admin.post("/admin/functions/housekeeping").status == 401
        assert admin.post("/admin/functions/housekeeping", headers={"x-functions-key": "k"}).status == 202
    finally:
        host.stop()


async def test_an_enabled_timer_runs_on_the_schedule_its_app_setting_names(
    table_name: str, azurite: Azurite, owner: str
) -> None:
    gone = await interrupted_delete(owner, 3)
    env = host_env(azurite, TODO_TABLE_NAME=table_name, TODO_HOUSEKEEPING_SCHEDULE="*/2 * * * * *")
    env["AzureWebJobs.housekeeping.Disabled"] = "false"
    host = LocalHost(env).start()
    try:
        deadline = time.monotonic() + 15
        left = keys(table_rows(azurite, table_name), owner, f"I|{gone}|")
        while left and time.monotonic() < deadline:  # the host process runs it, not this one: poll
            await asyncio.sleep(0.5)
            left = keys(table_rows(azurite, table_name), owner, f"I|{gone}|")
        assert left == set()
    finally:
        host.stop()


def test_a_schedule_naming_a_missing_setting_stops_the_local_host_naming_the_function(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_SUCH_SCHEDULE", raising=False)
    app = func.FunctionApp()

    @app.function_name("tick")
    @app.timer_trigger(schedule="%NO_SUCH_SCHEDULE%", arg_name="timer")
    def tick(timer: func.TimerRequest) -> None:
        return None

    with pytest.raises(ValueError, match=r"'tick'.*does not resolve"):
        collect_timers(index_app(app))
