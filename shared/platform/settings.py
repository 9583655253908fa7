"""Settings read from the environment (app settings in Azure, local.settings.json Values locally).

Read lazily and cached, never at import time: the Functions worker imports function_app before
all settings are guaranteed, and an import-time failure silently registers zero functions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from shared.platform.token_settings import TokenPolicy, policy_fault, policy_from_environment

STORAGE_SETTING = "TODO_STORAGE"
BACKUP_CONTAINER_SETTING = "TODO_BACKUP_CONTAINER"
DEFAULT_BACKUP_CONTAINER = "backups"
DEFAULT_OWNER = "local-developer"
OWNER_HEADER = "X-Todo-Owner"
# App Service sets these read-only variables on every app it runs (Microsoft Learn, "Environment
# variables and app settings in Azure App Service"); a developer machine has neither.
AZURE_MARKERS = ("WEBSITE_SITE_NAME", "WEBSITE_INSTANCE_ID")
# What the platform leaves in a setting whose Key Vault reference it could not resolve.
KEY_VAULT_REFERENCE = "@microsoft.keyvault("

# Numeric settings and their defaults: a value that does not parse is a configuration fault.
NUMBERS: dict[str, tuple[type[int] | type[float], int]] = {
    "TODO_MAX_BODY_BYTES": (int, 65536),
    "TODO_STORAGE_TIMEOUT_SECONDS": (float, 10),
    "TODO_IDEMPOTENCY_TTL_SECONDS": (int, 86400),
    "TODO_HOUSEKEEPING_MAX_ROWS": (int, 5000),
    "TODO_HOUSEKEEPING_SECONDS": (float, 20),
}

WEB_AUTH_MODES = ("none", "entra", "subscription")
ENTRA_SETTINGS = ("TODO_WEB_CLIENT_ID", "TODO_WEB_TENANT_ID", "TODO_WEB_API_SCOPE")

logger = logging.getLogger("todo.config")


@dataclass(frozen=True)
class WebAuth:
    """How the web page authenticates its calls: as configured for the gateway in front of it."""

    mode: str  # none (local, no gateway), entra (signs in with MSAL), subscription (asks for a key)
    client_id: str = ""
    tenant_id: str = ""
    api_scope: str = ""


@dataclass(frozen=True)
class Settings:
    storage_connection_string: str | None
    table_service_uri: str | None
    blob_service_uri: str | None  # the same account's blob endpoint (identity-based, for the backup)
    managed_identity_client_id: str | None
    table_name: str
    backup_container: str  # where the daily backup writes (TODO_BACKUP_CONTAINER)
    owner_header_required: bool
    default_owner: str
    public_base_url: str | None
    trusted_proxy: bool  # honour X-Forwarded-Proto/-Host/-Prefix (only behind a proxy that sets them)
    cursor_key: bytes
    max_body_bytes: int
    storage_timeout_seconds: float
    server_timing: bool
    idempotency_ttl_seconds: int
    web_auth: WebAuth
    trusted_caller_id: str | None  # object id of the gateway's identity (TODO_TRUSTED_CALLER_ID)
    caller_token: TokenPolicy | None  # with it, every data request needs that identity's valid token
    configuration_fault: str | None  # why data requests must be refused (names a setting, never a value)


def running_in_azure(environ: Mapping[str, str]) -> bool:
    return any(environ.get(name) for name in AZURE_MARKERS)


def configuration_fault(environ: Mapping[str, str]) -> str | None:
    """Why serving data would be wrong, or None.

    A Key Vault reference that could not be resolved (no role yet, wrong URI) reaches the app as
    its literal text, which would then sign cursors with a public string; in Azure a missing
    cursor key would fall back to the development key. Both are refused rather than served.
    """
    for name in sorted(environ):
        if name.upper().startswith("TODO_") and environ[name].strip().lower().startswith(KEY_VAULT_REFERENCE):
            return f"{name} holds an unresolved Key Vault reference"
    if running_in_azure(environ) and not (environ.get("TODO_CURSOR_KEY") or "").strip():
        return "TODO_CURSOR_KEY is missing"
    for name in NUMBERS:
        if _number(environ, name) is None:
            return f"{name} is not a positive number"
    token_fault = policy_fault(policy_from_environment(environ))
    if token_fault:
        return token_fault
    mode = _web_auth_mode(environ)
    if mode not in WEB_AUTH_MODES:
        return f"TODO_WEB_AUTH_MODE must be one of {', '.join(WEB_AUTH_MODES)}"
    missing = [name for name in ENTRA_SETTINGS if mode == "entra" and not (environ.get(name) or "").strip()]
    if missing:
        return f"TODO_WEB_AUTH_MODE is entra but {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"
    return None


def _web_auth_mode(environ: Mapping[str, str]) -> str:
    return (environ.get("TODO_WEB_AUTH_MODE") or "").strip().lower() or "none"


def _web_auth(environ: Mapping[str, str]) -> WebAuth:
    mode = _web_auth_mode(environ)
    if mode not in WEB_AUTH_MODES:
        return WebAuth("none")  # refused as a configuration fault; the page keeps working locally
    client_id, tenant_id, api_scope = ((environ.get(name) or "").strip() for name in ENTRA_SETTINGS)
    return WebAuth(mode, client_id, tenant_id, api_scope)


def _number(environ: Mapping[str, str], name: str) -> float | None:
    """The setting's value, its default when unset, None when it does not parse."""
    kind, default = NUMBERS[name]
    raw = (environ.get(name) or "").strip()
    try:
        value = kind(raw) if raw else default
    except ValueError:
        return None
    return value if 0 < value < float("inf") else None


def _number_or_default(name: str) -> float:
    return _number(os.environ, name) or NUMBERS[name][1]


def housekeeping_limits() -> tuple[int, float]:
    """Rows one housekeeping run may remove and seconds it may take (below host.json's
    functionTimeout of 10 minutes, so a run ends by itself and the next one continues)."""
    return int(_number_or_default("TODO_HOUSEKEEPING_MAX_ROWS")), _number_or_default("TODO_HOUSEKEEPING_SECONDS")


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once."""
    return read_settings()


def read_settings() -> Settings:
    """Read every setting now. Kept apart from the cache so that each read runs this code (a
    decorated function would be copied at import, out of reach of tests that vary its logic)."""
    connection_string = os.environ.get(STORAGE_SETTING) or None
    service_uri = os.environ.get(f"{STORAGE_SETTING}__tableServiceUri") or os.environ.get(
        f"{STORAGE_SETTING}__endpoint"
    )
    cursor_secret = os.environ.get("TODO_CURSOR_KEY") or ""
    if not cursor_secret:
        # Without a configured key the cursor is still bound to its collection and owner, but a
        # determined client could forge one for its own data. Azure deployments set the key.
        cursor_secret = "todo-api-development-cursor-key:" + (service_uri or connection_string or "")
    return Settings(
        storage_connection_string=connection_string,
        table_service_uri=service_uri or None,
        blob_service_uri=(os.environ.get(f"{STORAGE_SETTING}__blobServiceUri") or "").strip() or None,
        managed_identity_client_id=os.environ.get(f"{STORAGE_SETTING}__clientId") or None,
        table_name=os.environ.get("TODO_TABLE_NAME") or "todo",
        backup_container=(os.environ.get(BACKUP_CONTAINER_SETTING) or "").strip() or DEFAULT_BACKUP_CONTAINER,
        owner_header_required=_flag("TODO_OWNER_HEADER_REQUIRED", False),
        default_owner=os.environ.get("TODO_DEFAULT_OWNER") or DEFAULT_OWNER,
        public_base_url=(os.environ.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        trusted_proxy=_flag("TODO_TRUSTED_PROXY", False),
        cursor_key=hashlib.sha256(cursor_secret.encode()).digest(),
        max_body_bytes=int(_number_or_default("TODO_MAX_BODY_BYTES")),
        storage_timeout_seconds=_number_or_default("TODO_STORAGE_TIMEOUT_SECONDS"),
        server_timing=_flag("TODO_SERVER_TIMING", False),
        idempotency_ttl_seconds=int(_number_or_default("TODO_IDEMPOTENCY_TTL_SECONDS")),
        web_auth=_web_auth(os.environ),
        trusted_caller_id=(os.environ.get("TODO_TRUSTED_CALLER_ID") or "").strip() or None,
        caller_token=policy_from_environment(os.environ),
        configuration_fault=_checked_configuration(),
    )


def _checked_configuration() -> str | None:
    """The configuration fault, logged once per process (settings are read once)."""
    fault = configuration_fault(os.environ)
    if fault:
        logger.error(json.dumps({"event": "configuration-refused", "reason": fault}))
    return fault


def reset_settings_cache() -> None:
    """Tests change the environment between cases; production never calls this."""
    get_settings.cache_clear()


def timer_schedule(setting: str, default: str) -> str:
    """A timer's schedule binding: `%SETTING%` (the host reads the app setting) only while that
    setting has a value, else the default expression. The host refuses a `%NAME%` that names no
    setting, and the worker indexes the app with the app settings in its environment.
    https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer"""
    return f"%{setting}%" if (os.environ.get(setting) or "").strip() else default
