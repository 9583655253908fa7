"""Entity-tag rules (RFC 9110 8.8.3, 13.1.1, 13.1.2) at the edges the happy paths never reach:
tags that contain letters the quote-stripping could eat, If-Match evaluation on reads, and the
grammar's character range."""

from __future__ import annotations

import pytest

from shared.web.conditional import (
    if_match_fails,
    if_match_versions,
    if_none_match_versions,
    none_match,
    parse_etags,
    strong_etag,
)


def test_only_the_quotes_are_stripped_from_an_opaque_tag() -> None:
    assert if_match_versions('"XaX"') == (False, frozenset({"XaX"}))
    assert if_none_match_versions('"XbX", W/"XcX"') == (False, frozenset({"XbX", "XcX"}))
    assert none_match('"XaX"', strong_etag("XaX"))
    assert not none_match('"a"', strong_etag("XaX"))
    assert not if_match_fails('"XaX"', strong_etag("XaX"))
    assert if_match_fails('"a"', strong_etag("XaX"))


def test_if_match_fails_only_when_present_and_not_satisfied() -> None:
    etag = strong_etag("v1")
    assert not if_match_fails(None, etag)  # absent: unconditional
    assert not if_match_fails("*", etag)
    assert not if_match_fails('"v0", "v1"', etag)
    assert if_match_fails('"v0"', etag)
    assert if_match_fails('W/"v1"', etag)  # weak tags never satisfy If-Match (strong comparison)
    assert if_match_fails("v1", etag)  # malformed: matches nothing


def test_if_match_with_only_weak_tags_still_names_a_version_so_it_fails() -> None:
    star, versions = if_match_versions('W/"a"') or (True, frozenset())
    assert not star and len(versions) == 1 and "a" not in versions


def test_if_none_match_star_and_absence() -> None:
    assert if_none_match_versions("*") == (True, frozenset())
    assert if_none_match_versions(None) is None
    assert if_none_match_versions(' "a" ,"b"') == (False, frozenset({"a", "b"}))


def test_entity_tag_grammar_accepts_obs_text_and_refuses_quotes_spaces_and_controls() -> None:
    assert parse_etags('"a\x80\xff!#~"') == (False, [(False, '"a\x80\xff!#~"')])
    assert parse_etags('W/"a" , "b"') == (False, [(True, '"a"'), (False, '"b"')])
    for malformed in ('"a b"', '"a\x7f"', '"a\x1f"', '"a""', "W/a", '"a" "b"', '"a",,'):
        assert parse_etags(malformed) == (False, []), malformed
    assert parse_etags(" * ") == (True, [])
    assert parse_etags("") == (False, [])


@pytest.mark.parametrize("header", ['"a", ', '"a",'])
def test_a_trailing_comma_ends_the_list_without_adding_a_tag(header: str) -> None:
    assert parse_etags(header) == (False, [(False, '"a"')])


def test_strong_etag_quotes_the_version() -> None:
    assert strong_etag("abc") == '"abc"'
