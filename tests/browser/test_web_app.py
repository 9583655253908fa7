"""The web client the API serves, driven in Debian's headless Chromium through the local host."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support import Azurite, LocalHost, host_env

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")  # a system browser, never a downloaded one
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(azurite: Azurite) -> Iterator[str]:
    # The page sends no owner header, so this host's default owner is private to the module.
    host = LocalHost(host_env(azurite, TODO_DEFAULT_OWNER=f"browser-{uuid.uuid4().hex[:8]}")).start()
    yield f"{host.base_url}/app"
    host.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"no browser at {CHROMIUM}: see scripts/ensure_debian_tools.sh"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


_SCRIPT_ERRORS: dict[int, list[str]] = {}
FETCH_STATUS_AND_TYPE = "async url => { const r = await fetch(url); return [r.status, r.headers.get('content-type')]; }"


def _open(browser: Browser, url: str) -> Page:
    """A new tab that records uncaught script errors and console errors (CSP refusals among
    them); _close fails the test if there were any. A refused request (a 412 the page
    handles, say) is logged by Chromium as "Failed to load resource" and is not an error."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    _SCRIPT_ERRORS[id(page)] = errors
    page.goto(url)
    page.set_default_timeout(10_000)
    return page


def _close(page: Page) -> None:
    errors = _SCRIPT_ERRORS.pop(id(page))
    page.close()
    assert errors == [], errors


def _add_item(page: Page, name: str) -> None:
    before = page.locator("#items li").count()
    page.fill("#new-item-name", name)
    page.click("#new-item button[type=submit]")
    expect(page.locator("#items li .item-name")).to_have_count(before + 1)
    expect(page.locator("#items li .item-name").last).to_have_value(name)


def test_manage_a_list_and_its_items(browser: Browser, app_url: str) -> None:
    page = _open(browser, app_url)
    page.fill("#new-list-name", "Groceries")
    page.click("#new-list button[type=submit]")
    expect(page.locator("#lists button", has_text="Groceries")).to_be_visible()
    for name in ("Milk", "Bread", "Eggs"):
        _add_item(page, name)

    bread = page.locator("#items li").nth(1)
    bread.locator("input.complete").check()
    expect(page.locator("#items li.done")).to_have_count(1)

    page.click("button.filter[data-state=done]")
    expect(page.locator("#items li")).to_have_count(1)
    expect(page.locator("#items li .item-name")).to_have_value("Bread")
    page.click("button.filter[data-state=todo]")
    expect(page.locator("#items li")).to_have_count(2)
    page.click("button.filter[data-state='']")
    expect(page.locator("#items li")).to_have_count(3)

    page.fill("#list-name", "Weekly groceries")
    page.click("#rename-list")
    expect(page.locator("#lists button", has_text="Weekly groceries")).to_be_visible()

    page.locator("#items li").first.locator("button.delete").click()
    expect(page.locator("#items li")).to_have_count(2)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "web-app.png"), full_page=True)

    page.click("#delete-list")
    expect(page.locator("#lists button", has_text="Weekly groceries")).to_have_count(0)
    _close(page)


def test_conflicting_edit_from_another_tab_is_reported(browser: Browser, app_url: str) -> None:
    first = _open(browser, app_url)
    first.fill("#new-list-name", "Shared")
    first.click("#new-list button[type=submit]")
    expect(first.locator("#lists button[aria-current=true]")).to_have_text("Shared")
    _add_item(first, "Original")

    second = _open(browser, app_url)
    second.locator("#lists button", has_text="Shared").last.click()
    expect(second.locator("#items li")).to_have_count(1)

    second.locator("#items li .item-name").fill("Changed in tab two")
    second.locator("#items li button.save").click()
    expect(second.locator("#message")).to_have_text("Saved.")

    first.locator("#items li .item-name").fill("Changed in tab one")
    first.locator("#items li button.save").click()
    expect(first.locator("#message")).to_contain_text("Conflict")
    expect(first.locator("#items li .item-name")).to_have_value("Changed in tab two")
    first.screenshot(path=str(ARTIFACTS / "web-app-conflict.png"))
    _close(first)
    _close(second)


def test_docs_page_renders_the_served_document(browser: Browser, app_url: str) -> None:
    page = _open(browser, app_url.removesuffix("/app") + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Todo API")
    expect(page.locator(".opblock").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "docs.png"))
    _close(page)


@pytest.mark.parametrize("path", ["app", "docs"])
def test_page_loads_its_icon_and_no_request_is_answered_an_error(browser: Browser, app_url: str, path: str) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("response", lambda answer: errors.append(f"{answer.status} {answer.url}") if answer.status >= 400 else None)
    page.on("requestfailed", lambda request: errors.append(f"failed {request.url}"))
    page.goto(f"{app_url.removesuffix('/app')}/{path}", wait_until="networkidle")
    icon = page.locator('link[rel="icon"]')
    href = icon.evaluate("link => link.href") if icon.count() == 1 else None
    # Headless Chromium fetches a linked icon on some pages only and never falls back to /favicon.ico
    # (a page without the link shows no 404 here): fetch the linked icon as the tab would.
    fetched = page.evaluate(FETCH_STATUS_AND_TYPE, href) if href else None
    page.close()
    assert errors == []  # every request the page made while loading was answered below 400
    assert href is not None and "/assets/icon.svg?v=" in href
    assert fetched == [200, "image/svg+xml"]
