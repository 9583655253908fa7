"""The API's absolute base URL as its client sees it, for Location, Link and the OpenAPI
document's servers.

In order: PUBLIC_BASE_URL when set (Azure sets it to the gateway's URL); else, only when the
configuration says a proxy in front is trusted (TODO_TRUSTED_PROXY), that proxy's
X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-Prefix; else the request's own scheme and
host with the host's route prefix. Forwarded headers from anyone else are ignored: a client
must not be able to choose the host of the URLs the API hands out.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from shared.platform.settings import Settings
from shared.web.headers import FORWARDED_HOST, FORWARDED_PREFIX

ROUTE_PREFIX = "/api"  # host.json extensions.http.routePrefix


def _first(headers: Mapping[str, str], name: str) -> str:
    """The first (client-facing) value of a forwarded header that proxies may have appended to."""
    return (headers.get(name) or "").split(",")[0].strip()


def base_url(url: str, headers: Mapping[str, str], settings: Settings) -> str:
    if settings.public_base_url:
        return settings.public_base_url
    parts = urlsplit(url)
    proto, host, prefix = parts.scheme, parts.netloc, ROUTE_PREFIX
    if settings.trusted_proxy:
        forwarded_proto = _first(headers, "X-Forwarded-Proto").lower()
        forwarded_host = _first(headers, "X-Forwarded-Host")
        forwarded_prefix = _first(headers, "X-Forwarded-Prefix")
        proto = forwarded_proto if forwarded_proto in ("http", "https") else proto
        host = forwarded_host if FORWARDED_HOST.fullmatch(forwarded_host) else host
        if forwarded_prefix and FORWARDED_PREFIX.fullmatch(forwarded_prefix):
            prefix = forwarded_prefix.rstrip("/")
    return f"{proto}://{host}{prefix}"
