"""Pure HTTP helpers: entity tags, conditional requests and cursors."""

from __future__ import annotations

import pytest

from shared.domain.ids import is_valid_id, new_id
from shared.web.conditional import if_match_versions, none_match, parse_etags
from shared.web.pagination import InvalidCursor, decode_cursor, encode_cursor

KEY = b"k" * 32


def test_if_none_match_uses_weak_comparison() -> None:
    assert none_match('W/"abc"', '"abc"')
    assert none_match('"x", "abc"', '"abc"')
    assert none_match("*", '"abc"')
    assert not none_match('"abd"', '"abc"')
    assert not none_match(None, '"abc"')


def test_if_match_uses_strong_comparison_so_weak_tags_never_match() -> None:
    star, versions = if_match_versions('W/"abc"') or (False, frozenset())
    assert not star and "abc" not in versions


def test_if_match_lists_and_star_are_parsed() -> None:
    assert if_match_versions('"a", "b"') == (False, frozenset({"a", "b"}))
    assert if_match_versions("*") == (True, frozenset())
    assert if_match_versions(None) is None


def test_malformed_if_match_matches_nothing() -> None:
    parsed = if_match_versions("abc")
    assert parsed is not None and parsed[1] and "abc" not in parsed[1]
    assert parse_etags('"a" junk') == (False, [])


def test_cursor_round_trips_within_its_scope() -> None:
    after = new_id()
    assert decode_cursor(KEY, "owner\nlists", encode_cursor(KEY, "owner\nlists", after)) == after


def test_cursor_from_another_collection_or_owner_is_refused() -> None:
    cursor = encode_cursor(KEY, "alice\nlists", new_id())
    with pytest.raises(InvalidCursor):
        decode_cursor(KEY, "bob\nlists", cursor)


def test_tampered_cursor_is_refused() -> None:
    cursor = encode_cursor(KEY, "s", new_id())
    payload, signature = cursor.split(".")
    with pytest.raises(InvalidCursor):
        decode_cursor(KEY, "s", payload[:-2] + "AA." + signature)
    with pytest.raises(InvalidCursor):
        decode_cursor(KEY, "s", "garbage")
    with pytest.raises(InvalidCursor):
        decode_cursor(KEY, "s", "ý~.é")  # non-ASCII must be refused, not crash the comparison


def test_ids_are_valid_and_sort_by_creation_time() -> None:
    first = new_id()
    import time

    time.sleep(0.002)
    second = new_id()
    assert is_valid_id(first) and is_valid_id(second) and first < second
    assert not is_valid_id("' or PartitionKey ne '")
    assert not is_valid_id(first.upper())
