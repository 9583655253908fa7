"""The web page and the docs page have an icon: each links assets/icon.svg by its content hash,
the asset route serves it as SVG, and the pages' CSP lets them load it (img-src 'self'), so a
browser has no reason to ask for /favicon.ico and get 404."""

from __future__ import annotations

import re

import pytest

from tests.support import ROOT, ApiClient

ICON_LINK = re.compile(r'<link rel="icon" href="assets/icon\.svg\?v=([0-9a-f]{16})" type="image/svg\+xml">')


@pytest.mark.parametrize("page", ["/app", "/docs"])
def test_page_links_the_svg_icon_which_is_served_as_image_svg_xml(client: ApiClient, page: str) -> None:
    response = client.get(page)
    match = ICON_LINK.search(response.body.decode())
    assert match, "no icon link in the page"
    assert "img-src 'self'" in (response.header("Content-Security-Policy") or "")
    icon = client.get(f"/assets/icon.svg?v={match[1]}")
    assert icon.status == 200
    assert icon.header("Content-Type") == "image/svg+xml"
    assert icon.header("Cache-Control") == "max-age=31536000, immutable"
    assert icon.body == (ROOT / "static" / "icon.svg").read_bytes()
    assert client.request("HEAD", f"/assets/icon.svg?v={match[1]}").status == 200
