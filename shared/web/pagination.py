"""Paging parameters and opaque, tamper-evident cursors.

A cursor names the last id returned and the collection it belongs to (owner, path, filter),
signed with HMAC-SHA256: a client cannot forge a position, and a cursor from one collection is
refused on another. Paging by cursor costs one range query whatever the depth; top/skip stays
for compatibility with existing Todo clients but skip reads and discards rows, so it is capped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from shared.domain.ids import is_valid_id

DEFAULT_TOP = 100
MAX_TOP = 1000
MAX_SKIP = 10_000


class InvalidCursor(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: bytes, payload: str, scope: str) -> str:
    return _b64(hmac.new(key, f"{scope}\n{payload}".encode(), hashlib.sha256).digest()[:16])


def encode_cursor(key: bytes, scope: str, after: str) -> str:
    payload = _b64(json.dumps({"a": after}, separators=(",", ":")).encode())
    return f"{payload}.{_signature(key, payload, scope)}"


def decode_cursor(key: bytes, scope: str, cursor: str) -> str:
    payload, _, signature = cursor.partition(".")
    if not payload or not signature or len(cursor) > 512 or not cursor.isascii():
        raise InvalidCursor("the cursor is malformed")
    if not hmac.compare_digest(signature.encode(), _signature(key, payload, scope).encode()):
        raise InvalidCursor("the cursor is not valid for this collection")
    try:
        after = json.loads(_unb64(payload))["a"]
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise InvalidCursor("the cursor is malformed") from exc
    if not isinstance(after, str) or not is_valid_id(after):
        raise InvalidCursor("the cursor is malformed")
    return after
