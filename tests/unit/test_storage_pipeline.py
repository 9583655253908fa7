"""The storage client's pipeline holds only the policies the app needs (make bench: 10-12% less
client CPU per point call), built from public azure-core policies for each kind of credential."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.core.credentials import AccessToken, AzureNamedKeyCredential, AzureSasCredential
from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.pipeline.policies import (
    AsyncBearerTokenCredentialPolicy,
    AsyncRetryPolicy,
    AzureSasCredentialPolicy,
    ContentDecodePolicy,
    CustomHookPolicy,
    DistributedTracingPolicy,
    RequestIdPolicy,
)
from azure.core.rest import HttpRequest

from shared.domain.errors import StorageUnavailable
from shared.storage import client as storage
from shared.storage.client import STORAGE_SCOPE, _build_table_client, client_options
from tests.support import DEV_ACCOUNT_KEY
from tests.unit.http_requests import settings

KEY = AzureNamedKeyCredential("devstoreaccount1", DEV_ACCOUNT_KEY)


class _Token:
    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("token", int(time.time()) + 3600)


def _request() -> PipelineRequest[Any]:
    return PipelineRequest(HttpRequest("GET", "http://127.0.0.1:10002/devstoreaccount1/todo()"), PipelineContext(None))


def _kinds(policies: list[Any]) -> list[type]:
    return [type(p) for p in policies]


def test_the_pipeline_keeps_id_date_credential_decoding_retries_hooks_and_tracing_only() -> None:
    policies = client_options(AzureSasCredential("sv=1&sig=x"))["policies"]
    assert _kinds(policies) == [RequestIdPolicy, storage._DateHeader, AzureSasCredentialPolicy, ContentDecodePolicy,
                                AsyncRetryPolicy, CustomHookPolicy, DistributedTracingPolicy]  # fmt: skip
    retry = policies[4]
    assert (retry.total_retries, retry.backoff_factor, retry.backoff_max) == (2, 0.2, 1)
    assert (policies[5]._request_callback, policies[5]._response_callback) == (
        storage._count_request, storage._time_response)  # fmt: skip


def test_an_entra_credential_is_sent_as_a_bearer_token_for_storage() -> None:
    policies = client_options(_Token())["policies"]
    bearer = next(p for p in policies if isinstance(p, AsyncBearerTokenCredentialPolicy))
    assert bearer._scopes == (STORAGE_SCOPE,)


def test_an_account_key_signs_with_an_account_sas_on_every_request() -> None:
    policies = client_options(KEY)["policies"]
    renewal, sas_policy = policies[2], policies[3]
    assert isinstance(renewal, storage._RenewedAccountSas) and isinstance(sas_policy, AzureSasCredentialPolicy)
    request = _request()
    renewal.on_request(request)
    sas_policy.on_request(request)
    query = parse_qs(urlsplit(request.http_request.url).query)
    assert query["ss"] == ["t"] and "sig" in query and set(query["srt"][0]) == {"s", "c", "o"}


def test_the_account_sas_is_renewed_halfway_through_its_life(monkeypatch: pytest.MonkeyPatch) -> None:
    renewal = storage._RenewedAccountSas(KEY)
    first = renewal.sas.signature
    renewal.on_request(_request())
    assert renewal.sas.signature == first  # still young: kept
    later = time.monotonic() + storage.SAS_LIFETIME.total_seconds() / 2 + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    monkeypatch.setattr(storage, "datetime", _LaterClock)
    renewal.on_request(_request())
    assert renewal.sas.signature != first and renewal.renew_at > later


class _LaterClock:
    @staticmethod
    def now(tz: Any) -> Any:
        from datetime import datetime, timedelta

        return datetime.now(tz) + timedelta(hours=13)


def test_every_request_carries_its_date() -> None:
    request = _request()
    storage._DateHeader().on_request(request)
    assert request.http_request.headers["x-ms-date"].endswith(" GMT")


def test_an_unknown_credential_is_a_clear_fault() -> None:
    with pytest.raises(StorageUnavailable) as raised:
        client_options(object())
    assert raised.value.detail == "unsupported storage credential object"


def test_the_process_client_is_a_table_client_on_this_pipeline() -> None:
    """TableServiceClient.get_table_client would rebuild the SDK's default policies."""
    table = _build_table_client(settings(storage_connection_string="UseDevelopmentStorage=true"))
    pipeline: Any = table._client._client._pipeline  # private: the only place the real pipeline shows
    kinds = [type(getattr(p, "_policy", p)) for p in pipeline._impl_policies]
    assert storage._RenewedAccountSas in kinds and AsyncRetryPolicy in kinds and len(kinds) == 8
