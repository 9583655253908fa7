"""Cursor rules that clients and attackers can observe: the exact wire format, the 512-character
cap, and that a correctly signed cursor is still refused (with a clear text) unless it names an id."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from shared.domain.ids import new_id
from shared.web.pagination import InvalidCursor, decode_cursor, decode_position, encode_cursor, encode_position

KEY = b"k" * 32
SCOPE = "owner\nlists"
MALFORMED = "the cursor is malformed"
FOREIGN = "the cursor is not valid for this collection"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(payload_json: bytes, key: bytes = KEY, scope: str = SCOPE) -> str:
    """A cursor signed with the right key around any payload: what a leaked or buggy signer could
    produce, so decoding must not trust the payload's shape just because the signature holds."""
    payload = _b64(payload_json)
    signature = _b64(hmac.new(key, f"{scope}\n{payload}".encode(), hashlib.sha256).digest()[:16])
    return f"{payload}.{signature}"


def _refusal(cursor: str) -> str:
    with pytest.raises(InvalidCursor) as raised:
        decode_cursor(KEY, SCOPE, cursor)
    return str(raised.value)


def test_cursor_is_unpadded_base64url_of_compact_json_with_a_128_bit_hmac_sha256_signature() -> None:
    after = new_id()
    cursor = encode_cursor(KEY, SCOPE, after)
    assert cursor == _signed(json.dumps({"a": after}, separators=(",", ":")).encode())
    payload, signature = cursor.split(".")
    assert base64.urlsafe_b64decode(payload + "==") == f'{{"a":"{after}"}}'.encode()
    assert "=" not in cursor and len(signature) == 22  # 16 bytes, unpadded: URL-safe as a query value


def test_signed_cursor_whose_position_is_not_an_id_is_refused_as_malformed() -> None:
    for position in ("not-an-id", new_id().upper(), "", "' or PartitionKey ne '"):
        assert _refusal(_signed(json.dumps({"a": position}).encode())) == MALFORMED


@pytest.mark.parametrize(
    "payload", [b'{"a": 5}', b'{"a": null}', b'{"a": ["x"]}', b"[1]", b'{"b": "x"}', b"nope", b"\xff"]
)
def test_signed_cursor_with_a_non_string_or_missing_position_is_refused_not_a_type_error(payload: bytes) -> None:
    assert _refusal(_signed(payload)) == MALFORMED


def test_cursor_longer_than_512_characters_is_refused_even_when_correctly_signed() -> None:
    after = new_id()

    def signed_cursor_of(length: int) -> str:
        # JSON allows spaces between tokens: pad the payload until the whole cursor has length chars.
        for spaces in range(400):
            candidate = _signed(b'{"a":' + b" " * spaces + f'"{after}"}}'.encode())
            if len(candidate) == length:
                return candidate
        raise AssertionError(f"no signed cursor of {length} characters")

    # Unpadded base64 never has a length of 4n+1, so no signed cursor has exactly 512 characters.
    assert decode_cursor(KEY, SCOPE, signed_cursor_of(511)) == after
    assert _refusal(signed_cursor_of(513)) == MALFORMED
    # At exactly 512 the cap still lets the cursor through to the signature check.
    assert _refusal("a" * 489 + "." + "b" * 22) == FOREIGN
    assert _refusal("a" * 490 + "." + "b" * 22) == MALFORMED


def test_long_ascii_cursor_is_refused_as_malformed_before_its_signature_is_checked() -> None:
    assert _refusal("a" * 600 + ".b") == MALFORMED


def test_cursor_missing_its_payload_or_signature_is_malformed() -> None:
    cursor = encode_cursor(KEY, SCOPE, new_id())
    payload, signature = cursor.split(".")
    assert _refusal("." + signature) == MALFORMED
    assert _refusal(payload + ".") == MALFORMED
    assert _refusal(payload) == MALFORMED


def test_extra_dot_makes_the_signature_wrong_rather_than_dropping_a_segment() -> None:
    cursor = encode_cursor(KEY, SCOPE, new_id())
    assert _refusal(cursor + ".") == FOREIGN


def test_refusals_tell_a_foreign_cursor_from_a_malformed_one() -> None:
    cursor = encode_cursor(KEY, "alice\nlists", new_id())
    assert _refusal(cursor) == FOREIGN
    assert _refusal(_signed(b"{}", key=b"other" * 8)) == FOREIGN
    assert _refusal("ý~.é") == MALFORMED


# The export's compound position ------------------------------------------------------------

EXPORT_SCOPE = "owner\n/me/export"


def _position_refusal(cursor: str) -> str:
    with pytest.raises(InvalidCursor) as raised:
        decode_position(KEY, EXPORT_SCOPE, cursor)
    return str(raised.value)


def test_export_position_round_trips_with_and_without_an_item_and_is_signed_like_any_cursor() -> None:
    list_id, item_id = new_id(), new_id()
    at_item = encode_position(KEY, EXPORT_SCOPE, list_id, item_id)
    assert at_item == _signed(
        json.dumps({"a": list_id, "b": item_id}, separators=(",", ":")).encode(), scope=EXPORT_SCOPE
    )
    assert decode_position(KEY, EXPORT_SCOPE, at_item) == (list_id, item_id)
    assert decode_position(KEY, EXPORT_SCOPE, encode_position(KEY, EXPORT_SCOPE, list_id, "")) == (list_id, "")


def test_export_position_from_another_scope_or_tampered_is_refused() -> None:
    cursor = encode_position(KEY, "alice\n/me/export", new_id(), new_id())
    assert _position_refusal(cursor) == FOREIGN
    payload, signature = encode_position(KEY, EXPORT_SCOPE, new_id(), new_id()).split(".")
    forged = _b64(json.dumps({"a": new_id(), "b": new_id()}).encode())
    assert _position_refusal(f"{forged}.{signature}") == FOREIGN
    assert _position_refusal(payload[:-1] + "." + signature) in (FOREIGN, MALFORMED)


@pytest.mark.parametrize(
    "fields",
    [
        {"a": "x" * 32, "b": ""},  # list id not an id
        {"a": "", "b": ""},
        {"b": "0" * 32},  # no list id
        {"a": "0" * 32},  # a collection cursor's payload: no item member
        {"a": "0" * 32, "b": "' or PartitionKey ne '"},
        {"a": "0" * 32, "b": "0" * 31},
        {"a": "0" * 32, "b": None},
        {"a": "0" * 32, "b": 5},
    ],
)
def test_signed_export_position_is_refused_unless_both_ids_are_valid(fields: dict[str, object]) -> None:
    assert _position_refusal(_signed(json.dumps(fields).encode(), scope=EXPORT_SCOPE)) == MALFORMED


def test_a_collection_cursor_is_not_an_export_position() -> None:
    """A cursor of /lists signed for the export's scope still lacks the item member: refused."""
    assert _position_refusal(_signed(json.dumps({"a": new_id()}).encode(), scope=EXPORT_SCOPE)) == MALFORMED
