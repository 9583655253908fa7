"""Responses with validators: every representation carries a strong ETag computed from its
bytes, and a GET or HEAD is answered 304 or 412 from it (RFC 9110 13.1, 15.4.5). Private data
is cached only after revalidation; writes and errors are never stored."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

import azure.functions as func

from shared.domain.models import version_of
from shared.platform.settings import OWNER_HEADER
from shared.web.conditional import if_match_fails, none_match, strong_etag
from shared.web.headers import CACHE_NONE, CACHE_READ, JSON
from shared.web.pagination import encode_cursor, encode_position
from shared.web.problems import HttpProblem


def _is_read(req: func.HttpRequest) -> bool:
    return req.method.upper() in ("GET", "HEAD")


def representation(
    req: func.HttpRequest, body: bytes, status: int = 200, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    """One resource: its ETag is its version, the same the service checks If-Match against."""
    etag = strong_etag(version_of(body))
    all_headers = {"ETag": etag, "Cache-Control": CACHE_READ if _is_read(req) else CACHE_NONE, **(headers or {})}
    return _validated(req, body, etag, all_headers, status)


def _link(collection_url: str, top: int, cursor: str) -> str:
    return f'<{collection_url}?{urlencode({"top": top, "cursor": cursor})}>; rel="next"'


def next_link(collection_url: str, top: int, cursor_key: bytes, scope: str, last_id: str) -> str:
    return _link(collection_url, top, encode_cursor(cursor_key, scope, last_id))


def position_link(url: str, top: int, cursor_key: bytes, scope: str, list_id: str, item_id: str) -> str:
    """The next page of a stream paged by key position (the export)."""
    return _link(url, top, encode_position(cursor_key, scope, list_id, item_id))


def page(req: func.HttpRequest, values: Sequence[Any], link: str | None) -> func.HttpResponse:
    body = b"[" + b",".join(v.to_json() for v in values) + b"]"
    return paged(req, body, link, JSON)


def paged(req: func.HttpRequest, body: bytes, link: str | None, media_type: str) -> func.HttpResponse:
    """One page of a collection or stream, cached like every private read (revalidate first)."""
    headers = {"Cache-Control": CACHE_READ}
    if link:
        headers["Link"] = link
    # The page's validator covers its Link too: a 304 must not hide that a next page appeared.
    validated = body + b"\n" + (link or "").encode()
    etag = strong_etag(hashlib.blake2b(validated, digest_size=12).hexdigest())
    headers["ETag"] = etag
    return _validated(req, body, etag, headers, 200, media_type)


def _validated(
    req: func.HttpRequest, body: bytes, etag: str, headers: dict[str, str], status: int, media_type: str = JSON
) -> func.HttpResponse:
    headers["Vary"] = OWNER_HEADER
    if _is_read(req):
        if if_match_fails(req.headers.get("If-Match"), etag):
            raise HttpProblem(412, "precondition-failed", "the resource does not match If-Match")
        if none_match(req.headers.get("If-None-Match"), etag):
            # RFC 9110 15.4.5: a 304 repeats the validators and caching headers of the 200.
            # Its own Content-Type too: the worker would otherwise add text/plain to it.
            return func.HttpResponse(status_code=304, headers=headers, mimetype=media_type)
    return func.HttpResponse(body=body, status_code=status, headers=headers, mimetype=media_type)


def values(items: Iterable[Any]) -> func.HttpResponse:
    """The result of a batch write: a JSON array, never stored by caches."""
    body = b"[" + b",".join(v.to_json() for v in items) + b"]"
    return func.HttpResponse(body=body, status_code=200, headers={"Cache-Control": CACHE_NONE}, mimetype=JSON)


def document(
    req: func.HttpRequest, body: bytes, media_type: str, cache_control: str, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    """A static document (OpenAPI, pages, assets) with a strong ETag, so 304s work."""
    etag = strong_etag(hashlib.blake2b(body, digest_size=12).hexdigest())
    all_headers = {"ETag": etag, "Cache-Control": cache_control, **(headers or {})}
    if none_match(req.headers.get("If-None-Match"), etag):
        return func.HttpResponse(status_code=304, headers=all_headers, mimetype=media_type)
    return func.HttpResponse(body=body, status_code=200, headers=all_headers, mimetype=media_type)


def no_content() -> func.HttpResponse:
    return func.HttpResponse(status_code=204, headers={"Cache-Control": CACHE_NONE})
