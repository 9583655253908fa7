"""The served OpenAPI document matches the functions the app registers, and the docs page and
web client are served by the API itself with safe headers."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

import function_app
from devhost.server import collect_functions
from shared.web.openapi import build_document
from shared.web.openapi_operations import OPERATIONS
from tests.support import ApiClient

ROOT = Path(__file__).resolve().parents[2]


def _registered_operations() -> set[tuple[str, str]]:
    found = set()
    for hosted in collect_functions(function_app.app, "api"):
        if hosted.name.endswith("_other_methods"):
            continue
        found |= {(m.lower(), "/" + hosted.route.template) for m in hosted.methods if m != "HEAD"}
    return found


def test_document_has_exactly_the_registered_operations() -> None:
    document = build_document(function_app.app)
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented == _registered_operations()


def test_every_operation_has_a_stable_unique_operation_id() -> None:
    document = build_document(function_app.app)
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)) == len(OPERATIONS)
    assert {"listLists", "createList", "getItem", "setItemsState", "getOpenApi", "getDocs", "getApp"} <= set(ids)


def test_document_declares_headers_and_problems_the_api_returns() -> None:
    document = build_document(function_app.app)
    create = document["paths"]["/lists"]["post"]
    assert {"ETag", "Location", "X-Request-Id"} <= set(create["responses"]["201"]["headers"])
    assert "Retry-After" in create["responses"]["503"]["headers"]
    assert set(create["responses"]) >= {"201", "400", "413", "415", "422", "503"}
    listing = document["paths"]["/lists/{listId}/items"]["get"]
    assert "Link" in listing["responses"]["200"]["headers"] and "304" in listing["responses"]
    patch = document["paths"]["/lists/{listId}"]["patch"]
    assert "application/merge-patch+json" in patch["requestBody"]["content"]
    assert "412" in patch["responses"]
    problem = document["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail"]


def test_every_conditional_request_header_the_api_evaluates_is_declared_with_its_412() -> None:
    document = build_document(function_app.app)
    for path, method in (("/lists", "get"), ("/lists/{listId}/items/{itemId}", "get"), ("/lists/{listId}", "put"),
                         ("/lists/{listId}/items/{itemId}", "delete")):  # fmt: skip
        operation = document["paths"][path][method]
        declared = {p["$ref"].rsplit("/", 1)[1] for p in operation["parameters"] if "$ref" in p}
        assert {"If-Match", "If-None-Match"} <= declared, (method, path)
        assert "412" in operation["responses"], (method, path)


def test_schemas_come_from_the_pydantic_models() -> None:
    schemas: dict[str, Any] = build_document(function_app.app)["components"]["schemas"]
    assert schemas["TodoItem"]["properties"]["state"] == {"$ref": "#/components/schemas/ItemState", "default": "todo"}
    assert schemas["ItemState"]["enum"] == ["todo", "inprogress", "done"]
    assert schemas["TodoListWrite"]["additionalProperties"] is False
    assert schemas["TodoListWrite"]["properties"]["name"]["maxLength"] == 256


def test_served_document_is_the_built_one_and_revalidates(client: ApiClient) -> None:
    response = client.get("/openapi.json")
    assert response.status == 200
    assert response.json() == build_document(function_app.app, client.base_url)  # servers: where it was read
    assert client.get("/openapi.json", headers={"If-None-Match": response.header("ETag") or ""}).status == 304
    assert client.request("HEAD", "/openapi.json").body == b""


@pytest.mark.parametrize("path", ["/docs", "/app"])
def test_pages_are_html_with_a_strict_content_security_policy(client: ApiClient, path: str) -> None:
    response = client.get(path)
    assert response.status == 200
    assert (response.header("Content-Type") or "").startswith("text/html")
    assert "default-src 'self'" in (response.header("Content-Security-Policy") or "")
    assert response.header("X-Content-Type-Options") == "nosniff"
    assert b"<script>" not in response.body  # scripts come from files, never inline


def test_swagger_ui_assets_are_the_npm_package_files_served_locally(client: ApiClient) -> None:
    installed = ROOT / "node_modules" / "swagger-ui-dist"
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        response = client.get(f"/assets/{name}")
        assert response.status == 200
        assert response.header("Cache-Control") == "public, no-cache"  # no version named: revalidate
        assert hashlib.sha256(response.body).digest() == hashlib.sha256((installed / name).read_bytes()).digest()
    assert b"https://" not in client.get("/docs").body  # no CDN


@pytest.mark.parametrize("page", ["/app", "/docs"])
def test_pages_link_every_asset_by_its_content_hash(client: ApiClient, page: str) -> None:
    # Immutable caching is safe only because a changed asset gets a new URL.
    links = re.findall(r'"assets/([^"?]+)\?v=([0-9a-f]{16})"', client.get(page).body.decode())
    assert links and not re.search(r'"assets/[^"?]+"', client.get(page).body.decode())
    for name, version in links:
        response = client.get(f"/assets/{name}?v={version}")
        assert hashlib.blake2b(response.body, digest_size=8).hexdigest() == version, name
        assert response.header("Cache-Control") == "max-age=31536000, immutable"
        stale = client.get(f"/assets/{name}?v=0000000000000000")  # a page from before a deploy
        assert stale.status == 200 and stale.header("Cache-Control") == "public, no-cache"


def test_unknown_asset_is_404_and_wrong_method_405(client: ApiClient) -> None:
    assert client.get("/assets/../../host.json").status == 404
    assert client.get("/assets/secrets.txt").status == 404
    response = client.post("/docs", {})
    assert response.status == 405 and response.header("Allow") == "GET, HEAD, OPTIONS"
