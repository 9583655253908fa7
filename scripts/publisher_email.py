"""Pre-provision step of `azd up`: API Management requires a publisher e-mail address, and this
fills in TODO_PUBLISHER_EMAIL when the environment has none, so a signed-in user needs nothing
but `azd auth login` and an environment name.

The address is the signed-in user's user principal name, read from the `upn` claim of the
Azure Resource Manager token azd already holds (the token is only decoded, never sent anywhere).
It is stored with `azd env set`; azd reloads the environment after a hook (fixed in
Azure/azure-dev#1714 and #3973), so the parameters file's `${TODO_PUBLISHER_EMAIL}` then has
it; should it not, azd prompts for the empty required parameter instead of failing. A service
principal's token has no `upn`: the script then says to set the variable and stops (the
workflow always sets it). A value already set is left alone. Bicep's deployer() would give
the same name, but the offline checks' Bicep grammar (and checkov's) cannot parse it.
https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference (upn)
Standard library only: it runs before any project virtual environment exists.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys

from check_providers import token

ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def user_principal_name(bearer: str) -> str:
    """The token's `upn` when it looks like an address ('' for a service principal or a bad token)."""
    parts = bearer.split(".")
    if len(parts) != 3:
        return ""
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return ""
    upn = claims.get("upn") if isinstance(claims, dict) else None
    return upn if isinstance(upn, str) and ADDRESS.match(upn) else ""


def main() -> int:
    if os.environ.get("TODO_PUBLISHER_EMAIL", "").strip():
        return 0
    address = user_principal_name(token())
    if not address:
        print("publisher e-mail: TODO_PUBLISHER_EMAIL is not set and the signed-in identity has no user principal"
              " name to default to (a service principal, or a guest account): run"
              " `azd env set TODO_PUBLISHER_EMAIL <address>`", file=sys.stderr)
        return 1
    subprocess.run(["azd", "env", "set", "TODO_PUBLISHER_EMAIL", address], check=True, timeout=120)
    print(f"publisher e-mail: TODO_PUBLISHER_EMAIL set to the signed-in user, {address}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
