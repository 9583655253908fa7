"""The app checks its caller itself: the gateway's bearer token, verified on every data request.

App Service authentication (Easy Auth) is the platform's first line; this is the second, and it
does not depend on the first. `X-MS-CLIENT-PRINCIPAL*` headers are only trustworthy while Easy
Auth runs and strips client-sent copies, so they are never enough here: a data request passes
only with a valid Entra ID access token in `Authorization`, which must be

- signed (RS256) by one of the tenant's published keys: fetched once per process from the
  tenant's JWKS endpoint, cached, fetched again only for a key id the cache does not know (key
  rotation) and then at most once per REFETCH_SECONDS, never once per request;
- unexpired (a minute of clock skew allowed) and, if it says so, already valid;
- for this API: `aud` is its application id URI or its client id (the two forms Microsoft issues:
  v1 tokens usually carry the URI the token was requested for, v2 tokens the client id);
- from this tenant: `iss` is `https://sts.windows.net/<tenant>/` (v1) or
  `https://login.microsoftonline.com/<tenant>/v2.0` (v2);
- issued to the gateway's managed identity: `oid` is its object id, and `azp` (v2) or `appid`
  (v1) its client id when that is configured.

Without such a token the answer is 401 with a problem document (shared/web/gateway.py), also
for a token that is valid in every other way but was issued to another identity; when the keys
cannot be fetched the answer is 503 with Retry-After (the caller may be fine; the check cannot be
made). PyJWT and cryptography
are imported on the first check only, so an app without the setting never loads them.
References: Microsoft identity platform "Access tokens" (validation, v1/v2 claims) and "OpenID
Connect" (jwks_uri); RFC 7519 4.1; RFC 6750 3.1 (the WWW-Authenticate error codes).
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.platform.token_settings import TokenPolicy

REFETCH_SECONDS = 30.0  # an unknown key id refetches the key set at most this often
FETCH_TIMEOUT_SECONDS = 5.0
LEEWAY_SECONDS = 60
RETRY_AFTER_SECONDS = 30

Fetch = Callable[[str], Awaitable[Mapping[str, Any]]]


class KeysUnavailable(Exception):
    """The tenant's signing keys could not be fetched: the token cannot be checked now."""


class TokenRefused(Exception):
    """No valid token for this API from the gateway's identity; `reason` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def fetch_json(url: str) -> Mapping[str, Any]:
    """GET a JSON document off the event loop (one call per key-set fetch, not per request)."""

    def get() -> Mapping[str, Any]:
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise KeysUnavailable("the key set URL must be https")
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 (checked)
            document: Mapping[str, Any] = json.loads(response.read())
            return document

    try:
        return await asyncio.to_thread(get)
    except (OSError, ValueError) as exc:
        raise KeysUnavailable(f"the tenant's signing keys could not be fetched ({type(exc).__name__})") from exc


@dataclass
class KeySet:
    """The tenant's public signing keys by key id, shared by every request of the process."""

    url: str
    fetch: Fetch = fetch_json
    clock: Callable[[], float] = time.monotonic
    keys: dict[str, Any] = field(default_factory=dict)
    fetched_at: float | None = None
    fetches: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def key(self, kid: str) -> Any:
        if kid in self.keys:
            return self.keys[kid]
        async with self.lock:  # concurrent first requests share one fetch
            if kid in self.keys:
                return self.keys[kid]
            recent = self.fetched_at is not None and self.clock() - self.fetched_at < REFETCH_SECONDS
            if not recent:
                await self._refresh()
        if kid not in self.keys:
            raise TokenRefused("the token is not signed by a key of the tenant")
        return self.keys[kid]

    async def _refresh(self) -> None:
        from jwt import PyJWK
        from jwt.exceptions import PyJWKError

        document = await self.fetch(self.url)
        keys: dict[str, Any] = {}
        for entry in document.get("keys") or []:
            if not isinstance(entry, Mapping) or entry.get("kty") != "RSA" or not entry.get("kid"):
                continue
            try:
                keys[str(entry["kid"])] = PyJWK.from_dict(dict(entry), algorithm="RS256").key
            except PyJWKError:
                continue  # one unreadable key does not hide the others
        if not keys:
            raise KeysUnavailable("the tenant's key set holds no usable signing key")
        self.keys, self.fetched_at = keys, self.clock()
        self.fetches += 1


def bearer_token(headers: Mapping[str, str]) -> str:
    """The token of `Authorization: Bearer <token>` (RFC 6750 2.1), or refused."""
    scheme, _, token = (headers.get("Authorization") or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRefused("a bearer token from the API's gateway is required")
    return token.strip()


async def verify(headers: Mapping[str, str], policy: TokenPolicy, keys: KeySet) -> Mapping[str, Any]:
    """The token's claims when it is valid for this API and was issued to the gateway."""
    import jwt

    token = bearer_token(headers)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenRefused("the bearer token is malformed") from exc
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise TokenRefused("the bearer token is not an RS256 token with a key id")
    key = await keys.key(header["kid"])
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key=key, algorithms=["RS256"], audience=list(policy.audiences), issuer=list(policy.issuers),
            leeway=LEEWAY_SECONDS, options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenRefused("the bearer token has expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise TokenRefused("the bearer token is for another audience") from exc
    except jwt.InvalidIssuerError as exc:
        raise TokenRefused("the bearer token is from another issuer") from exc
    except jwt.PyJWTError as exc:
        raise TokenRefused("the bearer token is not valid") from exc
    if str(claims.get("oid", "")).lower() != policy.caller_object_id.lower():
        raise TokenRefused("the bearer token was not issued to the API's gateway")
    client = str(claims.get("azp") or claims.get("appid") or "").lower()
    if policy.caller_client_ids and client not in {c.lower() for c in policy.caller_client_ids}:
        raise TokenRefused("the bearer token was not issued to the API's gateway")
    return claims


_KEY_SETS: dict[str, KeySet] = {}


def key_set(url: str) -> KeySet:
    """The process's key set for this URL (one per process: keys are fetched once, not per request)."""
    found = _KEY_SETS.get(url)
    if found is None:
        found = _KEY_SETS[url] = KeySet(url)
    return found


def reset_key_sets() -> None:
    """Tests start each case without cached keys; production never calls this."""
    _KEY_SETS.clear()
