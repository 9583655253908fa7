"""Media types, caching policies and header syntax the whole web layer shares, defined once."""

from __future__ import annotations

import re

from shared.domain.exchange import MEDIA_TYPE

PROBLEM_JSON = "application/problem+json"
JSON = "application/json"
MERGE_PATCH_JSON = "application/merge-patch+json"
NDJSON = MEDIA_TYPE  # newline-delimited JSON: one JSON text per line (the export's pages, the import's body)
CACHE_READ = "private, no-cache"  # private data; reuse only after revalidating the ETag
CACHE_NONE = "no-store"  # writes and errors are never stored
# Browsers hide response headers from scripts unless CORS exposes them.
EXPOSED_HEADERS = "ETag, Location, Link, Retry-After, X-Request-Id, Idempotent-Replayed"

OWNER_PATTERN = r"^[A-Za-z0-9._@:-]{1,128}$"
OWNER = re.compile(OWNER_PATTERN)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# W3C Trace Context: version-traceid-parentid-flags; group 1 is the trace id.
TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
FORWARDED_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$")
FORWARDED_PREFIX = re.compile(r"^(/[A-Za-z0-9._~-]+)*/?$")
