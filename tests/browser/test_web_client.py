"""The web page's generated client on the wire: openapi-fetch (bundled into the served app.js)
sends what the contract says, to the page's own origin only, and the page takes compressed assets."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Browser, Request, expect

from tests.browser.test_web_app import _add_item, _close, _open, app_url, browser

__all__ = ["app_url", "browser"]


def test_edits_send_merge_patch_with_if_match_and_nothing_leaves_the_origin(browser: Browser, app_url: str) -> None:
    page = _open(browser, app_url)
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    page.fill("#new-list-name", "Wire")
    page.click("#new-list button[type=submit]")
    expect(page.locator("#lists button[aria-current=true]")).to_have_text("Wire")
    _add_item(page, "Tea")
    page.locator("#items li .item-name").fill("Green tea")
    page.locator("#items li button.save").click()
    expect(page.locator("#message")).to_have_text("Saved.")
    page.fill("#list-name", "Wired")
    page.click("#rename-list")
    expect(page.locator("#message")).to_have_text("List renamed.")

    origin = urlsplit(app_url).netloc
    assert {urlsplit(r.url).netloc for r in requests} == {origin}
    patches = [r for r in requests if r.method == "PATCH"]
    assert len(patches) == 2
    for patch in patches:
        assert patch.headers["content-type"] == "application/merge-patch+json"
        assert patch.headers["if-match"].startswith('"')
    posts = [r for r in requests if r.method == "POST"]
    assert [r.post_data_json for r in posts] == [{"name": "Wire"}, {"name": "Tea"}]
    _close(page)


def test_the_page_script_is_the_bundle_and_arrives_compressed(browser: Browser, app_url: str) -> None:
    page = _open(browser, app_url)
    script = page.evaluate(
        "async () => { const s = document.querySelector('script[src*=\"app.js\"]');"
        " const r = await fetch(s.src); return [r.headers.get('content-encoding'), r.headers.get('vary'),"
        " r.headers.get('cache-control'), (await r.text()).includes('function createClient(')]; }"
    )
    assert script == ["br", "Accept-Encoding", "max-age=31536000, immutable", True]
    _close(page)
