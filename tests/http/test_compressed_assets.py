"""The pages' scripts and styles are answered compressed when the client accepts it: brotli or
gzip, each its own representation with its own strong ETag, `Vary: Accept-Encoding` on every
variant, immutable under their versioned URL."""

from __future__ import annotations

import gzip
import re

import brotli  # type: ignore[import-untyped]
import pytest

from tests.support import ROOT, ApiClient

ASSETS = {
    "app.js": "static/app/app.js",
    "app.css": "static/app/app.css",
    "docs.js": "static/docs/docs.js",
    "swagger-ui-bundle.js": "static/vendor/swagger-ui/swagger-ui-bundle.js",
    "swagger-ui.css": "static/vendor/swagger-ui/swagger-ui.css",
    "icon.svg": "static/icon.svg",
}
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


def _versioned(client: ApiClient) -> dict[str, str]:
    pages = client.get("/app").body.decode() + client.get("/docs").body.decode()
    return dict(re.findall(r'"assets/([^"?]+)\?v=([0-9a-f]{16})"', pages))


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_each_coding_is_its_own_representation_with_its_own_etag(client: ApiClient, name: str) -> None:
    url = f"/assets/{name}?v={_versioned(client)[name]}"
    original = (ROOT / ASSETS[name]).read_bytes()
    identity = client.get(url, headers={"Accept-Encoding": "identity"})
    assert identity.body == original and identity.header("Content-Encoding") is None
    etags = {identity.header("ETag")}
    for coding, decode in DECODE.items():
        response = client.get(url, headers={"Accept-Encoding": coding})
        assert response.status == 200 and response.header("Content-Encoding") == coding
        assert decode(response.body) == original
        assert response.header("Vary") == "Accept-Encoding" == identity.header("Vary")
        assert response.header("Cache-Control") == "max-age=31536000, immutable"
        etags.add(response.header("ETag"))
        again = client.get(url, headers={"Accept-Encoding": coding, "If-None-Match": response.header("ETag") or ""})
        assert again.status == 304 and again.header("Content-Encoding") == coding
        other = client.get(url, headers={"Accept-Encoding": coding, "If-None-Match": identity.header("ETag") or ""})
        assert other.status == 200, "the identity's ETag must not validate a compressed copy"
    assert len(etags) == 3


def test_swagger_ui_bundle_travels_at_a_quarter_of_its_size(client: ApiClient) -> None:
    browser_like = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    response = client.get(
        f"/assets/swagger-ui-bundle.js?v={_versioned(client)['swagger-ui-bundle.js']}", headers=browser_like
    )
    assert response.header("Content-Encoding") == "br"
    size = (ROOT / ASSETS["swagger-ui-bundle.js"]).stat().st_size
    assert size > 1_500_000 and len(response.body) < size / 4


@pytest.mark.parametrize(
    ("accept", "coding"),
    [("br;q=0, gzip", "gzip"), ("gzip;q=0.5, br;q=0.4", "gzip"), ("*", "br"), ("gzip;q=0, br;q=0", None)],
)
def test_the_client_weights_choose_the_coding(client: ApiClient, accept: str, coding: str | None) -> None:
    response = client.get("/assets/app.css", headers={"Accept-Encoding": accept})
    assert response.status == 200 and response.header("Content-Encoding") == coding


def test_head_of_a_compressed_asset_names_the_coding_without_a_body(client: ApiClient) -> None:
    response = client.request("HEAD", "/assets/app.js", headers={"Accept-Encoding": "br"})
    assert response.status == 200 and response.body == b""
    assert response.header("Content-Encoding") == "br" and response.header("Vary") == "Accept-Encoding"
