"""Defence in depth behind App Service authentication: is the caller the API's own gateway?

Easy Auth already rejects every token not issued to the gateway's managed identity. If it were
ever switched off or loosened, `X-Todo-Owner` could be forged by anyone reaching the app's host
name; with `TODO_TRUSTED_CALLER_ID` set, the app itself also refuses any caller that App Service
did not identify as that identity. App Service sets the `X-MS-CLIENT-PRINCIPAL*` headers itself
and does not let external requests set them (Microsoft Learn, "Work with user identities in
Azure App Service authentication").
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping

PRINCIPAL_ID_HEADER = "X-MS-CLIENT-PRINCIPAL-ID"
PRINCIPAL_HEADER = "X-MS-CLIENT-PRINCIPAL"
# The object id of the calling principal (for an app-only token, of its service principal, which
# for a managed identity is its principalId), under its mapped and its short claim name.
OBJECT_ID_CLAIMS = frozenset({"http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"})


def _object_ids(encoded: str) -> set[str]:
    """Object ids among the claims App Service passes as base64 JSON (none if unreadable)."""
    try:
        principal = json.loads(base64.b64decode(encoded, validate=False))
        claims = principal.get("claims") or []
        return {str(c.get("val", "")).lower() for c in claims if c.get("typ") in OBJECT_ID_CLAIMS}
    except (ValueError, binascii.Error, AttributeError, TypeError):
        return set()


def caller_is_trusted(headers: Mapping[str, str], trusted_id: str) -> bool:
    """True when App Service identified the caller as the principal `trusted_id` (an object id)."""
    wanted = trusted_id.strip().lower()
    if (headers.get(PRINCIPAL_ID_HEADER) or "").strip().lower() == wanted:
        return True
    encoded = headers.get(PRINCIPAL_HEADER)
    return bool(encoded) and wanted in _object_ids(encoded or "")
