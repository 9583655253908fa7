"""The app's own check of the gateway's bearer token (shared/web/caller_token.py), against a local
key endpoint serving the test's own RSA keys: a valid v1 or v2 token passes; no token, another
audience, another issuer, an expired token, a wrong signer and a token issued to another client
are refused; a rotated key is fetched once; the keys are fetched once per process, not per
request; an unreachable key endpoint is 'unavailable', not 'refused'."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devhost.token_issuer import (
    API_CLIENT_ID,
    API_URI,
    GATEWAY_CLIENT_ID,
    GATEWAY_OID,
    TENANT,
    Issuer,
    environment,
    new_key,
    running_issuer,
)
from shared.platform.token_settings import TokenPolicy, policy_fault, policy_from_environment
from shared.web import caller_token
from shared.web.caller_token import KeySet, KeysUnavailable, TokenRefused, verify

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    with running_issuer() as running:
        yield running


def policy(issuer: Issuer) -> TokenPolicy:
    found = policy_from_environment(environment(issuer))
    assert found is not None
    return found


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_valid_v2_and_v1_tokens_of_the_gateway_pass(issuer: Issuer) -> None:
    keys = KeySet(issuer.url)
    for version in (2, 1):
        claims = await verify(bearer(issuer.token(version=version)), policy(issuer), keys)
        assert claims["oid"] == GATEWAY_OID
    # Both audience forms and both issuer forms are accepted.
    assert {API_CLIENT_ID, API_URI} == set(policy(issuer).audiences)
    assert policy(issuer).issuers == (f"https://sts.windows.net/{TENANT}/",
                                      f"https://login.microsoftonline.com/{TENANT}/v2.0")


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"Authorization": "Basic abc"},
                                     {"Authorization": "Bearer "}, {"Authorization": "Bearer not-a-jwt"}])
async def test_no_token_is_refused(issuer: Issuer, headers: dict[str, str]) -> None:
    forged = {"X-MS-CLIENT-PRINCIPAL-ID": GATEWAY_OID, **headers}  # headers alone are never enough
    with pytest.raises(TokenRefused):
        await verify(forged, policy(issuer), KeySet(issuer.url))


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "api://another-api"}, "another audience"),
        ({"iss": "https://login.microsoftonline.com/another-tenant/v2.0"}, "another issuer"),
        ({"iss": f"https://sts.windows.net/{TENANT}/v2.0"}, "another issuer"),  # neither real form
        ({"exp": 1_000_000}, "expired"),
        ({"oid": "00000000-0000-4000-8000-000000000bad"}, "not issued to the API's gateway"),
        ({"azp": "00000000-0000-4000-8000-0000000c11e7"}, "not issued to the API's gateway"),
        ({"oid": None}, "not issued to the API's gateway"),
    ],
)
async def test_tokens_for_another_audience_issuer_time_or_client_are_refused(
    issuer: Issuer, claims: dict[str, Any], reason: str
) -> None:
    # A token of the tenant for this API issued to someone else is refused like any invalid one.
    with pytest.raises(TokenRefused, match=reason):
        await verify(bearer(issuer.token(**claims)), policy(issuer), KeySet(issuer.url))


async def test_a_token_from_another_client_of_the_tenant_is_refused_in_v1_form_too(issuer: Issuer) -> None:
    token = issuer.token(version=1, appid="00000000-0000-4000-8000-0000000c11e7")
    with pytest.raises(TokenRefused, match="gateway"):
        await verify(bearer(token), policy(issuer), KeySet(issuer.url))


async def test_a_token_signed_by_another_key_under_a_published_key_id_is_refused(issuer: Issuer) -> None:
    with pytest.raises(TokenRefused, match="not valid"):
        await verify(bearer(issuer.token(key=new_key())), policy(issuer), KeySet(issuer.url))


async def test_an_unpublished_signer_is_refused_without_a_fetch_per_request(issuer: Issuer) -> None:
    issuer.add_key("rogue", publish=False)
    clock = Clock()
    keys = KeySet(issuer.url, clock=clock)
    await verify(bearer(issuer.token()), policy(issuer), keys)
    for _ in range(5):
        with pytest.raises(TokenRefused, match="not signed by a key of the tenant"):
            await verify(bearer(issuer.token(kid="rogue")), policy(issuer), keys)
    assert keys.fetches == 1  # an unknown key id within REFETCH_SECONDS of a fetch costs nothing


async def test_keys_are_fetched_once_and_again_only_for_a_rotated_key(issuer: Issuer) -> None:
    clock = Clock()
    keys = KeySet(issuer.url, clock=clock)
    for _ in range(20):
        await verify(bearer(issuer.token()), policy(issuer), keys)
    assert (keys.fetches, issuer.requests) == (1, 1)
    issuer.add_key("k2")  # the tenant publishes a new key and starts signing with it
    clock.now += caller_token.REFETCH_SECONDS + 1
    for _ in range(20):
        await verify(bearer(issuer.token(kid="k2")), policy(issuer), keys)
        await verify(bearer(issuer.token(kid="k1")), policy(issuer), keys)
    assert (keys.fetches, issuer.requests) == (2, 2)


async def test_an_unreachable_key_endpoint_is_unavailable_not_refused(issuer: Issuer) -> None:
    issuer.down = True
    with pytest.raises(KeysUnavailable):
        await verify(bearer(issuer.token()), policy(issuer), KeySet(issuer.url))
    nowhere = KeySet("http://127.0.0.1:9/keys")  # nothing listens on the discard port
    with pytest.raises(KeysUnavailable):
        await verify(bearer(issuer.token()), policy(issuer), nowhere)
    issuer.down = False
    keys = KeySet(issuer.url)
    await verify(bearer(issuer.token()), policy(issuer), keys)  # recovers with the endpoint


def test_settings_turn_the_check_on_and_name_what_is_missing() -> None:
    assert policy_from_environment({}) is None
    partial = policy_from_environment({"TODO_TRUSTED_CALLER_ID": GATEWAY_OID})
    assert policy_fault(partial) == (
        "TODO_TRUSTED_CALLER_ID is set but TODO_TOKEN_TENANT_ID and TODO_TOKEN_AUDIENCES are missing"
    )
    full = policy_from_environment({
        "TODO_TRUSTED_CALLER_ID": GATEWAY_OID, "TODO_TOKEN_TENANT_ID": TENANT,
        "TODO_TOKEN_AUDIENCES": f" {API_CLIENT_ID} , {API_URI} ", "TODO_TRUSTED_CALLER_CLIENT_ID": GATEWAY_CLIENT_ID,
    })
    assert full is not None and policy_fault(full) is None
    assert full.audiences == (API_CLIENT_ID, API_URI)
    assert full.jwks_url == f"https://login.microsoftonline.com/{TENANT}/discovery/v2.0/keys"


def test_the_token_libraries_are_not_imported_unless_the_check_is_on() -> None:
    # Cold start: importing the app (which imports this module through the handler) loads neither.
    code = ("import sys, function_app, shared.web.caller_token; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {'jwt', 'cryptography'}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TODO_")}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    assert run.stdout.strip() == "[]"


def test_one_missing_setting_is_named_in_the_singular() -> None:
    only_tenant_missing = policy_from_environment({"TODO_TRUSTED_CALLER_ID": GATEWAY_OID, "TODO_TOKEN_AUDIENCES": "a"})
    assert policy_fault(only_tenant_missing) == "TODO_TRUSTED_CALLER_ID is set but TODO_TOKEN_TENANT_ID is missing"
    no_audiences = policy_from_environment({"TODO_TRUSTED_CALLER_ID": GATEWAY_OID, "TODO_TOKEN_TENANT_ID": "t"})
    assert policy_fault(no_audiences) == "TODO_TRUSTED_CALLER_ID is set but TODO_TOKEN_AUDIENCES is missing"


def test_the_process_keeps_one_key_set_per_url() -> None:
    caller_token.reset_key_sets()
    try:
        first = caller_token.key_set("https://login.example/keys")
        assert isinstance(first, KeySet) and first.url == "https://login.example/keys"
        assert caller_token.key_set("https://login.example/keys") is first  # keys are not fetched per request
        other = caller_token.key_set("https://login.example/other")
        assert other is not first and other.url == "https://login.example/other"
        caller_token.reset_key_sets()
        assert caller_token.key_set("https://login.example/keys") is not first
    finally:
        caller_token.reset_key_sets()
