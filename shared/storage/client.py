"""One async Table client per process, its pipeline, and storage fault translation.

Why here: every repository shares the same client (connection pooling, one credential), and
faults must surface to the HTTP layer as one domain error (503) whatever the SDK raised.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any
from wsgiref.handlers import format_date_time

from azure.core.credentials import AzureNamedKeyCredential, AzureSasCredential
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline.policies import (
    AsyncBearerTokenCredentialPolicy,
    AsyncRetryPolicy,
    AzureSasCredentialPolicy,
    ContentDecodePolicy,
    CustomHookPolicy,
    DistributedTracingPolicy,
    RequestIdPolicy,
    SansIOHTTPPolicy,
)
from azure.data.tables import AccountSasPermissions, ResourceTypes, generate_account_sas
from azure.data.tables.aio import TableClient, TableServiceClient

from shared.domain.errors import StorageUnavailable
from shared.platform.roundtrips import current_round_trips
from shared.platform.settings import Settings, get_settings

# Deliberate client settings: fail fast and let the caller retry (the API answers 503 with
# Retry-After). Two SDK retries with short backoff absorb a transient blip; the connect and
# read timeouts bound a hung storage endpoint; the endpoint wrapper adds an overall deadline.
# use_env_settings=False stops aiohttp from looking up proxy variables and ~/.netrc in a
# worker thread on every storage call: that thread hop halved GET throughput (make bench).
# Storage is reached directly (or through private endpoints), never through an HTTP proxy.
CLIENT_OPTIONS: dict[str, Any] = {
    "retry_total": 2,
    "retry_backoff_factor": 0.2,
    "retry_backoff_max": 1,
    "connection_timeout": 3,
    "read_timeout": 5,
    "use_env_settings": False,
}


# The SDK logs every storage request's and response's headers at INFO, and the Functions host
# forwards INFO to Application Insights: that would be a billed log line per storage call.
# Warnings and errors from the SDK still flow.
logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)


_STARTED = "todo_storage_call_started"


def _count_request(request: Any) -> None:
    counter = current_round_trips()
    if counter is not None:
        counter.count += 1
        request.context[_STARTED] = time.perf_counter()


def _time_response(response: Any) -> None:
    counter = current_round_trips()
    started = response.context.get(_STARTED)
    if counter is not None and started is not None:
        counter.seconds += time.perf_counter() - started


class _ProcessTable:
    """The table client of this process, bound to the event loop that created it."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: TableClient | None = None
        self._ready: asyncio.Lock | None = None
        self._created = False

    async def get(self) -> TableClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._loop = loop
            self._client = _build_table_client(get_settings())
            self._ready = asyncio.Lock()
            self._created = False
        if not self._created:
            assert self._ready is not None
            async with self._ready:
                if not self._created:
                    await _create_table_once(self._client)
                    self._created = True
        return self._client

    def mark_missing(self) -> None:
        """The table vanished (storage reset): create it again on the next request."""
        self._created = False

    async def close(self) -> None:
        if self._client is not None and self._loop is asyncio.get_running_loop():
            await self._client.close()
        self.forget()

    def forget(self) -> None:
        """Tests switch storage accounts between runs; production never calls this."""
        self._client = None
        self._loop = None


STORAGE_SCOPE = "https://storage.azure.com/.default"
SAS_LIFETIME = timedelta(hours=24)


class _DateHeader(SansIOHTTPPolicy):  # type: ignore[type-arg]
    """Table Storage requires x-ms-date on every request (the SDK's own headers policy is private).
    Also stands in for the SDK's (private) secondary-location handling, which its pagers rely on:
    they pass a location hint (left in, it would reach aiohttp as an argument) and read back the
    location the answer came from. The account has no readable secondary: always the primary."""

    def on_request(self, request: Any) -> None:
        request.http_request.headers["x-ms-date"] = format_date_time(time.time())
        request.context.options.pop("use_location", None)
        request.context["location_mode"] = "primary"


class _RenewedAccountSas(SansIOHTTPPolicy):  # type: ignore[type-arg]
    """With an account key (local runs and Azurite; Azure uses Entra tokens): sign with an account
    SAS renewed halfway through its life. The SDK's per-request shared-key signer is private, and
    a SAS needs no signing per request."""

    def __init__(self, key: AzureNamedKeyCredential) -> None:
        self.key = key
        self.sas = AzureSasCredential(self._new_sas())
        self.renew_at = time.monotonic() + SAS_LIFETIME.total_seconds() / 2

    def _new_sas(self) -> str:
        return generate_account_sas(
            self.key,
            ResourceTypes(service=True, container=True, object=True),
            AccountSasPermissions(read=True, write=True, delete=True, list=True, add=True, create=True, update=True),
            datetime.now(UTC) + SAS_LIFETIME,
        )

    def on_request(self, request: Any) -> None:
        if time.monotonic() >= self.renew_at:
            self.sas.update(self._new_sas())
            self.renew_at = time.monotonic() + SAS_LIFETIME.total_seconds() / 2


def client_options(credential: Any) -> dict[str, Any]:
    """CLIENT_OPTIONS plus a `policies` list holding only the pipeline policies this app needs, all
    public azure-core ones: request id, date, credential, decoding, our retries, our round-trip
    hooks and tracing (the Table dependency spans of telemetry come from it). Left out of the SDK's
    default list: user agent, proxy, redirect, network-trace and HTTP logging, and the secondary-
    location handling of its retry policy (the account is not read-access geo-redundant).
    make bench: 10-18% less client CPU per point call on a quiet machine (docs/decisions)."""
    if isinstance(credential, AzureNamedKeyCredential):
        renewal = _RenewedAccountSas(credential)
        auth: list[Any] = [renewal, AzureSasCredentialPolicy(renewal.sas)]
    elif isinstance(credential, AzureSasCredential):
        auth = [AzureSasCredentialPolicy(credential)]
    elif hasattr(credential, "get_token"):
        auth = [AsyncBearerTokenCredentialPolicy(credential, STORAGE_SCOPE)]
    else:
        raise StorageUnavailable(f"unsupported storage credential {type(credential).__name__}")
    retry = {name: CLIENT_OPTIONS[name] for name in ("retry_total", "retry_backoff_factor", "retry_backoff_max")}
    policies = [
        RequestIdPolicy(),
        _DateHeader(),
        *auth,
        ContentDecodePolicy(response_encoding="utf-8"),
        AsyncRetryPolicy(**retry),
        CustomHookPolicy(raw_request_hook=_count_request, raw_response_hook=_time_response),
        DistributedTracingPolicy(),
    ]
    return {**CLIENT_OPTIONS, "policies": policies}


def new_table_client(settings: Settings) -> TableClient:
    """A table client of its own, with the app's pipeline, for a command outside the host (the
    restore); the caller closes it."""
    return _build_table_client(settings)


def _build_table_client(settings: Settings) -> TableClient:
    """Built directly, not through TableServiceClient.get_table_client, which ignores a `policies`
    argument (it rebuilds the SDK's default list)."""
    if settings.storage_connection_string:
        # Parsed by the SDK (this client never sends): its endpoint and credential.
        parsed = TableServiceClient.from_connection_string(settings.storage_connection_string)
        endpoint, credential = parsed.url, parsed.credential
    elif settings.table_service_uri:
        endpoint = settings.table_service_uri
        credential = identity_credential(settings)
    else:
        raise StorageUnavailable("no storage connection is configured (TODO_STORAGE)")
    return TableClient(endpoint, settings.table_name, credential=credential, **client_options(credential))


def identity_credential(settings: Settings) -> Any:
    """The app's managed identity in Azure (TODO_STORAGE__clientId names a user-assigned one), for
    the table and the backup's blobs alike. Imported only on this path: azure-identity is a large
    import that local runs skip."""
    from azure.identity.aio import DefaultAzureCredential

    return DefaultAzureCredential(managed_identity_client_id=settings.managed_identity_client_id)


async def create_table_if_missing(client: TableClient) -> None:
    await _create_table_once(client)


async def _create_table_once(client: TableClient) -> None:
    async with translate_storage_errors():
        with suppress(ResourceExistsError):
            await client.create_table()


_process_table = _ProcessTable()


async def get_table() -> TableClient:
    return await _process_table.get()


def forget_table_client() -> None:
    _process_table.forget()


async def close_table_client() -> None:
    """Close the process's connections (tests and tools; the Functions host never stops us)."""
    await _process_table.close()


@asynccontextmanager
async def translate_storage_errors() -> AsyncIterator[None]:
    """Turn transport failures, throttling and server errors into StorageUnavailable."""
    try:
        yield
    except (TimeoutError, ServiceRequestError, ServiceResponseError, OSError, HttpResponseError) as exc:
        fault = storage_fault(exc)
        if fault is None:
            raise
        raise fault from exc


def storage_fault(exc: Exception) -> StorageUnavailable | None:
    """The retryable fault a storage failure stands for, or None for an answer the caller handles
    (404, 409, 412...). A plain function, not part of the context manager, so that tests run it."""
    if isinstance(exc, (TimeoutError, ServiceRequestError, ServiceResponseError, OSError)):
        return StorageUnavailable(type(exc).__name__)
    if not isinstance(exc, HttpResponseError):
        return None
    if is_table_missing(exc):
        _process_table.mark_missing()
        return StorageUnavailable("the table is being created again")
    if exc.status_code is None or exc.status_code >= 500 or exc.status_code in (408, 429):
        return StorageUnavailable(f"storage answered {exc.status_code}")
    return None


def is_table_missing(exc: HttpResponseError) -> bool:
    # Some responses carry the code only in the message (Azurite's single-entity writes).
    return getattr(exc, "error_code", None) == "TableNotFound" or "TableNotFound" in str(exc)
