"""The settings of the app's own check of the gateway's bearer token (shared/web/caller_token.py
does the checking): which identity, tenant and audiences a valid token names. Read from the
environment like every other setting, never at import time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LOGIN_ENDPOINT = "https://login.microsoftonline.com"


@dataclass(frozen=True)
class TokenPolicy:
    """What a valid token looks like for this deployment (from the app settings)."""

    tenant_id: str
    audiences: tuple[str, ...]
    caller_object_id: str
    caller_client_ids: tuple[str, ...] = ()
    keys_url: str = ""

    @property
    def issuers(self) -> tuple[str, str]:
        return (f"https://sts.windows.net/{self.tenant_id}/", f"{LOGIN_ENDPOINT}/{self.tenant_id}/v2.0")

    @property
    def jwks_url(self) -> str:
        return self.keys_url or f"{LOGIN_ENDPOINT}/{self.tenant_id}/discovery/v2.0/keys"


# App settings (infra/modules/functionapp.bicep sets them all): the gateway identity's object id
# (the setting that turns the check on), its client id, the tenant, the API's audiences
# (comma-separated) and, optionally, the key set URL (default: the tenant's v2 JWKS endpoint).
CALLER_SETTING = "TODO_TRUSTED_CALLER_ID"
CLIENT_SETTING = "TODO_TRUSTED_CALLER_CLIENT_ID"
TENANT_SETTING = "TODO_TOKEN_TENANT_ID"
AUDIENCES_SETTING = "TODO_TOKEN_AUDIENCES"
KEYS_URL_SETTING = "TODO_TOKEN_KEYS_URL"


def listed(raw: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (raw or "").split(",") if part.strip())


def policy_from_environment(environ: Mapping[str, str]) -> TokenPolicy | None:
    """The token policy the settings describe, None when the check is off (no trusted caller)."""
    caller = (environ.get(CALLER_SETTING) or "").strip()
    if not caller:
        return None
    return TokenPolicy(
        tenant_id=(environ.get(TENANT_SETTING) or "").strip(),
        audiences=listed(environ.get(AUDIENCES_SETTING)),
        caller_object_id=caller,
        caller_client_ids=listed(environ.get(CLIENT_SETTING)),
        keys_url=(environ.get(KEYS_URL_SETTING) or "").strip(),
    )


def policy_fault(policy: TokenPolicy | None) -> str | None:
    """Why the configured check cannot work (names settings, never values), or None."""
    if policy is None:
        return None
    missing = [name for name, value in ((TENANT_SETTING, policy.tenant_id), (AUDIENCES_SETTING, policy.audiences))
               if not value]
    if missing:
        return f"{CALLER_SETTING} is set but {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"
    return None


