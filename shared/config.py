"""Settings read from the environment (app settings in Azure, local.settings.json Values locally).

Read lazily and cached, never at import time: the Functions worker imports function_app before
all settings are guaranteed, and an import-time failure silently registers zero functions.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

STORAGE_SETTING = "TODO_STORAGE"
DEFAULT_OWNER = "local-developer"
OWNER_HEADER = "X-Todo-Owner"


@dataclass(frozen=True)
class Settings:
    storage_connection_string: str | None
    table_service_uri: str | None
    managed_identity_client_id: str | None
    table_name: str
    owner_header_required: bool
    default_owner: str
    public_base_url: str | None
    cursor_key: bytes
    max_body_bytes: int
    storage_timeout_seconds: float
    server_timing: bool
    idempotency_ttl_seconds: int


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
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
        managed_identity_client_id=os.environ.get(f"{STORAGE_SETTING}__clientId") or None,
        table_name=os.environ.get("TODO_TABLE_NAME") or "todo",
        owner_header_required=_flag("TODO_OWNER_HEADER_REQUIRED", False),
        default_owner=os.environ.get("TODO_DEFAULT_OWNER") or DEFAULT_OWNER,
        public_base_url=(os.environ.get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
        cursor_key=hashlib.sha256(cursor_secret.encode()).digest(),
        max_body_bytes=int(os.environ.get("TODO_MAX_BODY_BYTES") or 65536),
        storage_timeout_seconds=float(os.environ.get("TODO_STORAGE_TIMEOUT_SECONDS") or 10),
        server_timing=_flag("TODO_SERVER_TIMING", False),
        idempotency_ttl_seconds=int(os.environ.get("TODO_IDEMPOTENCY_TTL_SECONDS") or 86400),
    )


def reset_settings_cache() -> None:
    """Tests change the environment between cases; production never calls this."""
    get_settings.cache_clear()
