"""The API describes and serves itself: OpenAPI document, docs page, and a small web client.

These are public, static and identical for every caller, so they are cacheable by anyone and
the gateway lets them through without a token; the data routes need the gateway's credentials.
"""

import hashlib
from functools import lru_cache
from html import escape
from pathlib import Path

import azure.functions as func

from shared.platform.settings import WebAuth
from shared.web.call import ApiCall
from shared.web.encoding import compress, negotiate
from shared.web.handler import public_handler
from shared.web.openapi import document_bytes
from shared.web.problems import HttpProblem
from shared.web.routes import guard_other_methods

bp = func.Blueprint()  # type: ignore[no-untyped-call]
PUBLIC = func.AuthLevel.ANONYMOUS
STATIC = Path(__file__).resolve().parent.parent / "static"
# Pages allow only their own scripts and styles (no inline code, no third-party origins).
PAGE_CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "no-referrer"}
# With Entra ID sign-in, MSAL fetches tokens (and any metadata it lacks) from this origin and may
# renew tokens in a hidden frame; sign-in itself is a top-level navigation, which CSP does not limit.
ENTRA_ORIGIN = "https://login.microsoftonline.com"
WEB_CONFIG_MARKER = b"<!-- web-auth -->"
PAGE_CACHE = "public, no-cache"
# Pages link assets as assets/<name>?v=<content hash>, so an asset URL names one content for
# ever and may be cached for a year; a deploy changes the page's links, never a cached asset.
# No `public`: it only lets a shared cache store an answer to a request with Authorization (RFC
# 9111 3.5), and a page's script and style loads never carry one; max-age already allows caching.
ASSET_CACHE = "max-age=31536000, immutable"
# Text assets are sent compressed when the client accepts it (brotli or gzip, each computed once
# per process); each coding is its own representation with its own ETag, hence Vary.
COMPRESSIBLE = frozenset({"text/javascript", "text/css", "image/svg+xml"})
ASSETS = {
    "app.js": ("app/app.js", "text/javascript"),
    "app.css": ("app/app.css", "text/css"),
    "docs.js": ("docs/docs.js", "text/javascript"),
    "icon.svg": ("icon.svg", "image/svg+xml"),
    "swagger-ui-bundle.js": ("vendor/swagger-ui/swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": ("vendor/swagger-ui/swagger-ui.css", "text/css"),
    "msal-browser.min.js": ("vendor/msal-browser/msal-browser.min.js", "text/javascript"),
}


@lru_cache(maxsize=16)
def _static(relative: str) -> bytes:
    return (STATIC / relative).read_bytes()


@lru_cache(maxsize=32)
def _encoded(relative: str, coding: str) -> bytes:
    return compress(_static(relative), coding)


@lru_cache(maxsize=8)
def _version(relative: str) -> str:
    return hashlib.blake2b(_static(relative), digest_size=8).hexdigest()


def _web_auth_markup(web: WebAuth) -> bytes:
    """The page's sign-in settings as meta tags (a strict CSP forbids inline script), and MSAL
    only where it is used, so the page without a gateway loads exactly what it always did."""
    values = {"todo-auth-mode": web.mode}
    if web.mode == "entra":
        values |= {"todo-client-id": web.client_id, "todo-tenant-id": web.tenant_id, "todo-api-scope": web.api_scope}
    tags = [f'<meta name="{name}" content="{escape(value, quote=True)}">' for name, value in values.items()]
    if web.mode == "entra":
        tags.append('<script src="assets/msal-browser.min.js"></script>')
    return "\n  ".join(tags).encode()


def _page_headers(web: WebAuth) -> dict[str, str]:
    if web.mode != "entra":
        return PAGE_HEADERS
    return {
        **PAGE_HEADERS,
        "Content-Security-Policy": f"{PAGE_CSP}; connect-src 'self' {ENTRA_ORIGIN}; frame-src {ENTRA_ORIGIN}",
    }


@lru_cache(maxsize=8)
def _page(relative: str, web: WebAuth | None = None) -> bytes:
    """A page whose asset links carry the asset's content hash (cache busting)."""
    html = _static(relative)
    if web is not None:
        html = html.replace(WEB_CONFIG_MARKER, _web_auth_markup(web))
    for name, (asset, _media_type) in ASSETS.items():
        html = html.replace(f'"assets/{name}"'.encode(), f'"assets/{name}?v={_version(asset)}"'.encode())
    return html


@bp.function_name("get_openapi")
@bp.route(route="openapi.json", methods=["GET", "HEAD"], auth_level=PUBLIC)
@public_handler
async def get_openapi(call: ApiCall) -> func.HttpResponse:
    return call.document(document_bytes(call.base_url()), "application/json", PAGE_CACHE)


@bp.function_name("get_docs")
@bp.route(route="docs", methods=["GET", "HEAD"], auth_level=PUBLIC)
@public_handler
async def get_docs(call: ApiCall) -> func.HttpResponse:
    return call.document(_page("docs/index.html"), "text/html", PAGE_CACHE, PAGE_HEADERS)


@bp.function_name("get_app")
@bp.route(route="app", methods=["GET", "HEAD"], auth_level=PUBLIC)
@public_handler
async def get_app(call: ApiCall) -> func.HttpResponse:
    web = call.settings.web_auth
    return call.document(_page("app/index.html", web), "text/html", PAGE_CACHE, _page_headers(web))


@bp.function_name("get_asset")
@bp.route(route="assets/{name}", methods=["GET", "HEAD"], auth_level=PUBLIC)
@public_handler
async def get_asset(call: ApiCall) -> func.HttpResponse:
    asset = ASSETS.get(call.req.route_params.get("name", ""))
    if asset is None:
        raise HttpProblem(404, "not-found", "no such asset")
    relative, media_type = asset
    # Immutable only under the URL that names this content; an old page asking for another
    # version gets the current file, to be revalidated, never cached for a year as that version.
    current = call.req.params.get("v") == _version(relative)
    cache = ASSET_CACHE if current else PAGE_CACHE
    if media_type not in COMPRESSIBLE:
        return call.document(_static(relative), media_type, cache)
    coding = negotiate(call.req.headers.get("Accept-Encoding"))
    if coding is None:
        return call.document(_static(relative), media_type, cache, {"Vary": "Accept-Encoding"})
    headers = {"Vary": "Accept-Encoding", "Content-Encoding": coding}
    return call.document(_encoded(relative, coding), media_type, cache, headers)


for _route in ("openapi.json", "docs", "app", "assets/{name}"):
    guard_other_methods(bp, _route, ["GET", "HEAD"], PUBLIC)
