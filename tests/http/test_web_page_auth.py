"""The web page carries the gateway's sign-in settings, and MSAL is the npm package's own file.

The page reads its mode from meta tags the API renders (its CSP forbids inline script); MSAL is
linked, and the CSP opened to Microsoft's sign-in origin, only in Entra ID mode.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import azure.functions as func
import pytest

from functions.docs import get_app, get_docs
from shared.platform.settings import reset_settings_cache
from tests.support import ApiClient

ROOT = Path(__file__).resolve().parents[2]
INSTALLED = ROOT / "node_modules" / "@azure" / "msal-browser"
VENDORED = ROOT / "static" / "vendor" / "msal-browser"
ENTRA = {
    "TODO_WEB_AUTH_MODE": "entra",
    "TODO_WEB_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
    "TODO_WEB_TENANT_ID": "contoso.onmicrosoft.com",
    "TODO_WEB_API_SCOPE": "api://todo-api/Todo.ReadWrite",
}


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in (*ENTRA, "WEBSITE_SITE_NAME", "WEBSITE_INSTANCE_ID"):
        monkeypatch.delenv(name, raising=False)
    reset_settings_cache()
    yield monkeypatch
    reset_settings_cache()


async def _page(path: str = "app") -> func.HttpResponse:
    handler = get_app if path == "app" else get_docs
    response: func.HttpResponse = await handler(
        func.HttpRequest("GET", f"http://127.0.0.1/api/{path}", headers={}, body=b"")
    )
    return response


def _meta(html: str) -> dict[str, str]:
    return dict(re.findall(r'<meta name="todo-([a-z-]+)" content="([^"]*)">', html))


async def test_without_a_gateway_the_page_is_local_loads_no_msal_and_keeps_the_strict_csp(
    settings: pytest.MonkeyPatch,
) -> None:
    response = await _page()
    html = response.get_body().decode()
    assert _meta(html) == {"auth-mode": "none"}
    assert "msal" not in html
    assert (
        response.headers["Content-Security-Policy"]
        == "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    )


async def test_entra_mode_renders_the_settings_links_msal_by_hash_and_opens_the_csp_to_sign_in_only(
    settings: pytest.MonkeyPatch,
) -> None:
    for name, value in ENTRA.items():
        settings.setenv(name, value)
    response = await _page()
    html = response.get_body().decode()
    assert _meta(html) == {
        "auth-mode": "entra",
        "client-id": ENTRA["TODO_WEB_CLIENT_ID"],
        "tenant-id": ENTRA["TODO_WEB_TENANT_ID"],
        "api-scope": ENTRA["TODO_WEB_API_SCOPE"],
    }
    version = hashlib.blake2b((VENDORED / "msal-browser.min.js").read_bytes(), digest_size=8).hexdigest()
    assert f'<script src="assets/msal-browser.min.js?v={version}"></script>' in html
    assert html.index("msal-browser.min.js") < html.index("assets/app.js")  # loaded before the app uses it
    csp = response.headers["Content-Security-Policy"]
    assert "connect-src 'self' https://login.microsoftonline.com" in csp
    assert "frame-src https://login.microsoftonline.com" in csp
    assert "script-src" not in csp  # scripts stay same-origin (default-src 'self')
    docs = await _page("docs")  # the docs page signs nobody in
    assert "login.microsoftonline.com" not in docs.headers["Content-Security-Policy"]


async def test_subscription_mode_needs_no_third_party_origin(settings: pytest.MonkeyPatch) -> None:
    settings.setenv("TODO_WEB_AUTH_MODE", "Subscription ")
    response = await _page()
    assert _meta(response.get_body().decode()) == {"auth-mode": "subscription"}
    assert "login.microsoftonline.com" not in response.headers["Content-Security-Policy"]


async def test_settings_are_escaped_so_they_cannot_inject_markup(settings: pytest.MonkeyPatch) -> None:
    for name, value in ENTRA.items():
        settings.setenv(name, value)
    settings.setenv("TODO_WEB_API_SCOPE", '"><script src="https://evil.example/x.js"></script>')
    html = (await _page()).get_body().decode()
    assert 'evil.example/x.js"></script>' not in html
    assert (
        _meta(html)["api-scope"] == "&quot;&gt;&lt;script src=&quot;https://evil.example/x.js&quot;&gt;&lt;/script&gt;"
    )


def test_vendored_msal_is_the_installed_npm_package_pinned_in_package_json() -> None:
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["@azure/msal-browser"]
    installed = json.loads((INSTALLED / "package.json").read_text())["version"]
    assert pinned == installed == (VENDORED / "VERSION").read_text().strip()
    for vendored, original in (("msal-browser.min.js", "lib/msal-browser.min.js"), ("LICENSE", "LICENSE")):
        assert (VENDORED / vendored).read_bytes() == (INSTALLED / original).read_bytes(), vendored


def test_msal_is_served_from_the_api_itself(client: ApiClient) -> None:
    response = client.get("/assets/msal-browser.min.js")
    assert response.status == 200
    assert (response.header("Content-Type") or "").startswith("text/javascript")
    assert response.body == (VENDORED / "msal-browser.min.js").read_bytes()
