"""The web page authenticates the way the gateway in front of it expects, as the API's settings say.

Each mode is driven in Debian's Chromium through the local host. The Entra ID mode runs the real
vendored MSAL library; only Microsoft's sign-in service is replaced, by a test double answering
at https://login.microsoftonline.com inside the browser (Playwright routes), so no request
leaves the machine.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from tests.browser.test_web_app import _close, _open, browser  # noqa: F401 (browser is a fixture)
from tests.support import Azurite, LocalHost, host_env

pytestmark = pytest.mark.browser

CLIENT_ID = "11111111-2222-3333-4444-555555555555"
TENANT_ID = "99999999-8888-7777-6666-555555555555"
SCOPE = "api://todo-api/Todo.ReadWrite"
LOGIN = "https://login.microsoftonline.com"
AUTH_HEADERS = ("authorization", "ocp-apim-subscription-key")


def _host(azurite: Azurite, **settings: str) -> LocalHost:
    return LocalHost(host_env(azurite, TODO_DEFAULT_OWNER=f"browser-{uuid.uuid4().hex[:8]}", **settings)).start()


@pytest.fixture(scope="module")
def local_url(azurite: Azurite) -> Iterator[str]:
    host = _host(azurite)
    yield f"{host.base_url}/app"
    host.stop()


@pytest.fixture(scope="module")
def subscription_url(azurite: Azurite) -> Iterator[str]:
    host = _host(azurite, TODO_WEB_AUTH_MODE="subscription")
    yield f"{host.base_url}/app"
    host.stop()


@pytest.fixture(scope="module")
def entra_url(azurite: Azurite) -> Iterator[str]:
    host = _host(
        azurite,
        TODO_WEB_AUTH_MODE="entra",
        TODO_WEB_CLIENT_ID=CLIENT_ID,
        TODO_WEB_TENANT_ID=TENANT_ID,
        TODO_WEB_API_SCOPE=SCOPE,
    )
    yield f"{host.base_url}/app"
    host.stop()


def _api_requests(page: Page, base: str) -> list[Request]:
    """Every request the page makes to the API (its data routes, not the page or its assets)."""
    seen: list[Request] = []
    api = base.removesuffix("/app")
    page.on("request", lambda r: seen.append(r) if r.url.startswith(f"{api}/lists") else None)
    return seen


def _create_list(page: Page, name: str) -> None:
    page.fill("#new-list-name", name)
    page.click("#new-list button[type=submit]")
    expect(page.locator("#lists button", has_text=name)).to_be_visible()


def test_local_mode_sends_no_credentials_and_loads_no_sign_in_library(browser: Browser, local_url: str) -> None:  # noqa: F811
    page = browser.new_page()
    requests = _api_requests(page, local_url)
    page.goto(local_url)
    _create_list(page, "Local")
    assert page.evaluate("typeof window.msal") == "undefined"
    expect(page.locator("#key-form")).to_be_hidden()
    expect(page.locator("#sign-in")).to_be_hidden()
    assert requests and all(not any(h in r.headers for h in AUTH_HEADERS) for r in requests)
    page.close()


def test_subscription_mode_asks_once_per_session_and_sends_the_key(browser: Browser, subscription_url: str) -> None:  # noqa: F811
    page = _open(browser, subscription_url)
    requests = _api_requests(page, subscription_url)
    expect(page.locator("#key-form")).to_be_visible()
    assert requests == []  # nothing is asked of the API before there is a key
    page.fill("#subscription-key", "key-for-the-test")
    page.click("#key-form button[type=submit]")
    _create_list(page, "Keyed")
    expect(page.locator("#key-form")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('todo-subscription-key')") == "key-for-the-test"

    page.reload()  # same tab session: not asked again
    expect(page.locator("#lists button", has_text="Keyed")).to_be_visible()
    expect(page.locator("#key-form")).to_be_hidden()
    assert {r.method for r in requests} >= {"GET", "POST"}
    assert all(r.headers.get("ocp-apim-subscription-key") == "key-for-the-test" for r in requests)
    assert all("authorization" not in r.headers for r in requests)
    _close(page)


def test_subscription_mode_asks_again_when_the_gateway_refuses_the_key(browser: Browser, subscription_url: str) -> None:  # noqa: F811
    page = browser.new_page()
    page.goto(subscription_url)
    page.fill("#subscription-key", "revoked-key")
    refusal = {"statusCode": 401, "message": "Access denied due to invalid subscription key."}
    page.route("**/api/lists?*", lambda route: route.fulfill(status=401, json=refusal))
    page.click("#key-form button[type=submit]")
    expect(page.locator("#key-form")).to_be_visible()
    expect(page.locator("#message")).to_contain_text("invalid subscription key")
    assert page.evaluate("sessionStorage.getItem('todo-subscription-key')") is None
    page.close()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeEntra:
    """Microsoft's sign-in endpoints as far as MSAL uses them for a redirect sign-in: the
    authorize redirect (a code straight back, as if the user had signed in) and the token
    endpoint (an unsigned ID token, which MSAL reads but a browser client never verifies)."""

    def __init__(self, lifetime: int = 3600) -> None:
        self.nonce = ""
        self.lifetime = lifetime  # seconds each access token lives
        self.access_tokens: list[str] = []  # in the order they were issued
        self.token_requests: list[dict[str, list[str]]] = []
        self.client_info = _b64url(json.dumps({"uid": "user-object-id", "utid": TENANT_ID}).encode())

    def id_token(self) -> str:
        now = int(time.time())
        claims = {
            "aud": CLIENT_ID, "iss": f"{LOGIN}/{TENANT_ID}/v2.0", "iat": now, "nbf": now, "exp": now + 3600,
            "nonce": self.nonce, "oid": "user-object-id", "sub": "user-subject", "tid": TENANT_ID,
            "preferred_username": "ada@example.com", "name": "Ada", "ver": "2.0",
        }  # fmt: skip
        return ".".join(_b64url(json.dumps(part).encode()) for part in ({"alg": "none", "typ": "JWT"}, claims)) + "."

    def handle(self, route: Route) -> None:
        request = route.request
        url = urlsplit(request.url)
        cors = {"Access-Control-Allow-Origin": "*"}  # the token call is a cross-origin fetch
        if url.path == f"/{TENANT_ID}/oauth2/v2.0/authorize":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            self.nonce = query.get("nonce", "")
            answer = urlencode({"code": "fake-code", "state": query["state"], "client_info": self.client_info})
            separator = "#" if query.get("response_mode") == "fragment" else "?"
            route.fulfill(status=302, headers={"Location": f"{query['redirect_uri']}{separator}{answer}"})
        elif url.path == f"/{TENANT_ID}/oauth2/v2.0/token" and request.method == "POST":
            self.token_requests.append(parse_qs(request.post_data or ""))
            self.access_tokens.append(f"fake-access-token-{uuid.uuid4().hex}")
            body = {
                "token_type": "Bearer", "scope": SCOPE, "expires_in": self.lifetime, "ext_expires_in": self.lifetime,
                "access_token": self.access_tokens[-1], "refresh_token": f"fake-refresh-{uuid.uuid4().hex}",
                "id_token": self.id_token(), "client_info": self.client_info,
            }  # fmt: skip
            route.fulfill(json=body, headers=cors)
        else:  # MSAL 5.30 knows this cloud's metadata; anything else it asks for fails the test
            route.fulfill(status=404, headers=cors)


def test_entra_mode_signs_in_with_msal_and_sends_the_bearer_token(browser: Browser, entra_url: str) -> None:  # noqa: F811
    entra = FakeEntra()
    page = _open(browser, "about:blank")
    page.route(f"{LOGIN}/**", entra.handle)
    requests = _api_requests(page, entra_url)
    page.goto(entra_url)
    assert page.evaluate("window.msal.version") == "5.30.0"  # the vendored library itself, not a stand-in
    expect(page.locator("#sign-in")).to_be_visible()
    assert requests == []  # no data is asked for before sign-in

    page.click("#sign-in")  # MSAL redirects to the (fake) sign-in page, which sends a code back
    expect(page.locator("#account-name")).to_have_text("ada@example.com")
    _create_list(page, "Signed in")
    assert entra.token_requests and entra.token_requests[0]["client_id"] == [CLIENT_ID]
    assert entra.token_requests[0]["code_verifier"]  # PKCE, done by MSAL
    assert {r.method for r in requests} >= {"GET", "POST"}
    assert entra.access_tokens == entra.access_tokens[:1]  # one sign-in, then MSAL's cache
    assert all(r.headers.get("authorization") == f"Bearer {entra.access_tokens[0]}" for r in requests)
    assert all("ocp-apim-subscription-key" not in r.headers for r in requests)
    _close(page)


def test_entra_mode_renews_an_expiring_token_silently_with_msal(browser: Browser, entra_url: str) -> None:  # noqa: F811
    # MSAL renews a token due to expire within five minutes: with one-minute tokens every call
    # needs a renewal, which MSAL does by redeeming the refresh token, without leaving the page.
    entra = FakeEntra(lifetime=60)
    page = _open(browser, "about:blank")
    page.route(f"{LOGIN}/**", entra.handle)
    requests = _api_requests(page, entra_url)
    page.goto(entra_url)
    page.click("#sign-in")
    _create_list(page, "Renewed")
    grants = [r["grant_type"][0] for r in entra.token_requests]
    assert grants[0] == "authorization_code" and "refresh_token" in grants[1:]
    renewed = {f"Bearer {token}" for token in entra.access_tokens[1:]}
    assert requests and all(r.headers.get("authorization") in renewed for r in requests)
    assert page.url.startswith(entra_url)  # still on the page: no new sign-in redirect
    _close(page)
