"""Paging parameters and opaque, tamper-evident cursors.

A cursor names the last id returned and the collection it belongs to (owner, path, filter),
signed with HMAC-SHA256: a client cannot forge a position, and a cursor from one collection is
refused on another. The export's cursor names a compound position, (list id, item id), with an
empty item id when the last line was a list: same signature, same scope, every id validated.
Paging by cursor costs one range query whatever the depth; top/skip stays
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


def _encode(key: bytes, scope: str, fields: dict[str, str]) -> str:
    payload = _b64(json.dumps(fields, separators=(",", ":")).encode())
    return f"{payload}.{_signature(key, payload, scope)}"


def _decode(key: bytes, scope: str, cursor: str, names: tuple[str, ...]) -> list[str]:
    """The named string fields of a signed cursor; InvalidCursor when anything is off. The
    signature is checked before the payload is parsed, so nothing forged is ever read."""
    payload, _, signature = cursor.partition(".")
    if not payload or not signature or len(cursor) > 512 or not cursor.isascii():
        raise InvalidCursor("the cursor is malformed")
    if not hmac.compare_digest(signature.encode(), _signature(key, payload, scope).encode()):
        raise InvalidCursor("the cursor is not valid for this collection")
    try:
        fields = json.loads(_unb64(payload))
        values = [fields[name] for name in names]
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise InvalidCursor("the cursor is malformed") from exc
    if not all(isinstance(value, str) for value in values):
        raise InvalidCursor("the cursor is malformed")
    return values


def encode_cursor(key: bytes, scope: str, after: str) -> str:
    return _encode(key, scope, {"a": after})


def decode_cursor(key: bytes, scope: str, cursor: str) -> str:
    (after,) = _decode(key, scope, cursor, ("a",))
    if not is_valid_id(after):
        raise InvalidCursor("the cursor is malformed")
    return after


def encode_position(key: bytes, scope: str, list_id: str, item_id: str) -> str:
    """A cursor at (list id, item id); item id "" stands for the list's own line."""
    return _encode(key, scope, {"a": list_id, "b": item_id})


def decode_position(key: bytes, scope: str, cursor: str) -> tuple[str, str]:
    list_id, item_id = _decode(key, scope, cursor, ("a", "b"))
    if not is_valid_id(list_id) or not (item_id == "" or is_valid_id(item_id)):
        raise InvalidCursor("the cursor is malformed")
    return list_id, item_id
