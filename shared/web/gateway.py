"""Admission of the API's one caller, its gateway, by the app itself (defence in depth behind App
Service authentication, which does not have to be running for this to hold).

With `TODO_TRUSTED_CALLER_ID` set (the gateway identity's object id, with the token settings of
shared/platform/token_settings), every data request must carry the gateway's Entra ID access
token, verified here (shared/web/caller_token). The `X-MS-CLIENT-PRINCIPAL*` headers App Service
sets are never enough on their own: App Service strips client-sent copies only while its
authentication module runs, so a caller reaching the app without it could forge them.
No valid token: 401 `invalid-token` with `WWW-Authenticate` (RFC 6750 3.1), whatever the
principal headers say. A token issued to another identity is not a valid token for this API, so
it is a 401 too (a 403 would tell a prober that its token passed every other check). The tenant's
keys cannot be fetched: 503 with `Retry-After` (the check cannot be made, the caller may be fine).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from shared.platform.token_settings import TokenPolicy
from shared.web.caller_token import KeysUnavailable, TokenRefused, key_set, verify
from shared.web.problems import HttpProblem

logger = logging.getLogger("todo.api")


async def admit_gateway(headers: Mapping[str, str], policy: TokenPolicy) -> None:
    """Return when the request carries a valid token of the gateway's identity; raise the
    problem to answer otherwise."""
    try:
        await verify(headers, policy, key_set(policy.jwks_url))
    except TokenRefused as refused:
        problem = HttpProblem(401, "invalid-token", f"{refused.reason}; this API is called through its gateway only")
        has_token = (headers.get("Authorization") or "").lower().startswith("bearer ")
        problem.headers["WWW-Authenticate"] = (
            'Bearer realm="todo-api", error="invalid_token"' if has_token else 'Bearer realm="todo-api"'
        )
        raise problem from None
    except KeysUnavailable as unavailable:
        logger.error(json.dumps({"event": "token-keys-unavailable", "reason": str(unavailable)}))
        raise HttpProblem(503, "token-keys-unavailable",
                          "the caller's token cannot be checked right now; try again later") from None
