"""Storage fault rules and client settings (shared/storage.py): which failures become a retryable
503 and which reach the caller, the client's deadlines and retries as the SDK applies them, and the
per-request storage call counter behind Server-Timing and the request log line."""

from __future__ import annotations

import asyncio
import contextvars
import time
from types import SimpleNamespace
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline.policies import AsyncRetryPolicy, CustomHookPolicy

from shared.domain.errors import StorageUnavailable
from shared.platform.roundtrips import start_round_trip_count
from shared.storage import client as storage
from shared.storage.client import (
    CLIENT_OPTIONS,
    _build_table_client,
    _count_request,
    _time_response,
    is_table_missing,
    storage_fault,
    translate_storage_errors,
)
from tests.unit.http_requests import settings


def answered(status: int | None, message: str = "storage said no", code: str | None = None) -> HttpResponseError:
    error = HttpResponseError(message=message)
    error.status_code = status
    if code is not None:
        error.error_code = code  # type: ignore[attr-defined]  # set by the SDK from the response
    return error


@pytest.mark.parametrize(
    ("error", "detail"),
    [(TimeoutError(), "TimeoutError"), (ServiceRequestError("refused"), "ServiceRequestError"),
     (ServiceResponseError("reset"), "ServiceResponseError"), (ConnectionResetError(), "ConnectionResetError"),
     (answered(None), "storage answered None"), (answered(500), "storage answered 500"),
     (answered(503), "storage answered 503"), (answered(408), "storage answered 408"),
     (answered(429), "storage answered 429")],
)  # fmt: skip
def test_transport_failures_throttling_and_server_errors_are_retryable(error: Exception, detail: str) -> None:
    fault = storage_fault(error)
    assert isinstance(fault, StorageUnavailable) and fault.detail == detail


@pytest.mark.parametrize("status", [400, 404, 409, 412, 413, 499])
def test_answers_the_caller_handles_are_not_faults(status: int) -> None:
    assert storage_fault(answered(status)) is None
    assert storage_fault(ValueError("not storage")) is None


@pytest.mark.parametrize("error", [answered(404, code="TableNotFound"), answered(404, "TableNotFound: gone")])
def test_a_missing_table_is_retryable_and_is_created_again_on_the_next_request(error: HttpResponseError) -> None:
    table = storage._process_table
    table._created = True
    try:
        assert is_table_missing(error)
        fault = storage_fault(error)
        assert fault is not None and fault.detail == "the table is being created again"
        assert table._created is False
    finally:
        table._created = False


def test_other_not_found_answers_are_not_a_missing_table() -> None:
    assert not is_table_missing(answered(404, "ResourceNotFound", code="ResourceNotFound"))


async def test_translation_raises_the_fault_from_the_original_and_lets_answers_through() -> None:
    original = answered(503)
    with pytest.raises(StorageUnavailable) as raised:
        async with translate_storage_errors():
            raise original
    assert raised.value.detail == "storage answered 503" and raised.value.__cause__ is original
    conflict = answered(409)
    with pytest.raises(HttpResponseError) as passed:
        async with translate_storage_errors():
            raise conflict
    assert passed.value is conflict
    with pytest.raises(KeyError):
        async with translate_storage_errors():
            raise KeyError("not a storage error")
    async with translate_storage_errors():
        pass


def test_client_options_bound_every_storage_call() -> None:
    assert CLIENT_OPTIONS == {
        "retry_total": 2, "retry_backoff_factor": 0.2, "retry_backoff_max": 1, "connection_timeout": 3,
        "read_timeout": 5, "use_env_settings": False,
    }  # fmt: skip


def test_built_client_applies_the_options_and_counting_hooks() -> None:
    table = _build_table_client(settings(storage_connection_string="UseDevelopmentStorage=true"))
    pipeline: Any = table._client._client._pipeline  # the SDK's private pipeline: the only place its settings show
    policies = [getattr(p, "_policy", p) for p in pipeline._impl_policies]  # SansIO policies come wrapped
    retry = next(p for p in policies if isinstance(p, AsyncRetryPolicy))
    assert (retry.total_retries, retry.backoff_factor, retry.backoff_max) == (2, 0.2, 1)
    transport: Any = pipeline._transport
    assert (transport.connection_config.timeout, transport.connection_config.read_timeout) == (3, 5)
    assert transport._use_env_settings is False
    hooks = next(p for p in policies if isinstance(p, CustomHookPolicy))
    assert (hooks._request_callback, hooks._response_callback) == (_count_request, _time_response)


def test_without_storage_settings_the_client_is_a_clear_fault() -> None:
    with pytest.raises(StorageUnavailable) as raised:
        _build_table_client(settings(storage_connection_string=None, table_service_uri=None))
    assert raised.value.detail == "no storage connection is configured (TODO_STORAGE)"


def test_round_trips_are_counted_and_timed_for_the_current_request(monkeypatch: pytest.MonkeyPatch) -> None:
    readings = iter([10.0, 10.25, 11.0, 11.5])
    monkeypatch.setattr(time, "perf_counter", lambda: next(readings))  # the clock shared.storage.client reads

    def one_request() -> tuple[int, float]:
        counter = start_round_trip_count()
        for _ in range(2):
            sent = SimpleNamespace(context={})
            _count_request(sent)
            _time_response(sent)
        _time_response(SimpleNamespace(context={}))  # an answer without a recorded start adds nothing
        return counter.count, counter.seconds

    assert contextvars.Context().run(one_request) == (2, 0.75)


def test_calls_outside_a_request_are_neither_counted_nor_timed() -> None:
    def outside() -> dict[str, float]:
        context: dict[str, float] = {}
        sent = SimpleNamespace(context=context)
        _count_request(sent)
        _time_response(SimpleNamespace(context={storage._STARTED: 1.0}))
        return context

    assert contextvars.Context().run(outside) == {}


def test_each_request_gets_its_own_counter() -> None:
    async def request() -> int:
        counter = start_round_trip_count()
        _count_request(SimpleNamespace(context={}))
        await asyncio.sleep(0)
        return counter.count

    async def both() -> list[int]:
        return list(await asyncio.gather(request(), request()))

    assert asyncio.run(both()) == [1, 1]


def test_entra_runs_sign_with_a_bearer_token_for_storage_from_the_configured_identity() -> None:
    from azure.core.pipeline.policies import AsyncBearerTokenCredentialPolicy
    from azure.identity.aio import DefaultAzureCredential

    uri = "https://a.table.core.windows.net"
    table = _build_table_client(
        settings(storage_connection_string=None, table_service_uri=uri, managed_identity_client_id="client-1")
    )
    pipeline: Any = table._client._client._pipeline
    policies = [getattr(p, "_policy", p) for p in pipeline._impl_policies]
    bearer = next(p for p in policies if isinstance(p, AsyncBearerTokenCredentialPolicy))
    assert isinstance(bearer._credential, DefaultAzureCredential)
    assert bearer._scopes == ("https://storage.azure.com/.default",)
    identity: list[Any] = [c for c in bearer._credential.credentials if type(c).__name__ == "ManagedIdentityCredential"]
    assert identity and identity[0]._credential._client._identity_config == {"client_id": "client-1"}


def test_account_sas_grants_every_table_operation_for_24_hours_and_is_renewed_halfway(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, datetime, timedelta
    from urllib.parse import parse_qs

    from azure.core.credentials import AzureNamedKeyCredential

    monkeypatch.setenv("TZ", "America/New_York")  # the expiry must be computed in UTC, not local time
    time.tzset()
    try:
        clock = [1000.0]
        monkeypatch.setattr(time, "monotonic", lambda: clock[0])
        key = AzureNamedKeyCredential("devstoreaccount1", "a2V5" * 8)
        renewal = storage._RenewedAccountSas(key)
        fields = {name: values[0] for name, values in parse_qs(renewal.sas.signature).items()}
        assert set(fields["sp"]) == set("rwdlacu") and set(fields["srt"]) == set("sco")
        expiry = datetime.strptime(fields["se"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert abs(expiry - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)
        assert renewal.renew_at == 1000.0 + 12 * 3600
        first = renewal.sas.signature
        clock[0] = 1000.0 + 12 * 3600 - 1
        renewal.on_request(SimpleNamespace())
        assert renewal.sas.signature == first  # not yet
        clock[0] = 1000.0 + 12 * 3600
        monkeypatch.setattr(storage, "datetime", type("Later", (datetime,), {
            "now": classmethod(lambda cls, tz=None: datetime.now(tz) + timedelta(hours=12))}))  # fmt: skip
        renewal.on_request(SimpleNamespace())
        assert renewal.sas.signature != first and renewal.renew_at == clock[0] + 12 * 3600
    finally:
        monkeypatch.undo()
        time.tzset()
