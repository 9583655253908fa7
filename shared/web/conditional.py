"""Entity-tag parsing and comparison (RFC 9110 section 8.8.3 and 13.1), as small pure functions."""

from __future__ import annotations

import re

_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


def parse_etags(header: str | None) -> tuple[bool, list[tuple[bool, str]]] | None:
    """Parse If-Match / If-None-Match: (is_star, [(weak, opaque-tag)]), or None when absent.

    A malformed header yields an empty list, which matches nothing (fail safe for If-Match)."""
    if header is None:
        return None
    value = header.strip()
    if value == "*":
        return True, []
    tags: list[tuple[bool, str]] = []
    position = 0
    while position < len(value):
        match = _TAG.match(value, position)
        if not match:
            return False, []
        tags.append((bool(match.group(1)), match.group(2)))
        position = match.end()
    return False, tags


def strong_etag(version: str) -> str:
    return f'"{version}"'


def if_match_versions(header: str | None) -> tuple[bool, frozenset[str]] | None:
    """If-Match uses strong comparison (section 13.1.1): weak tags never match."""
    parsed = parse_etags(header)
    if parsed is None:
        return None
    star, tags = parsed
    # An unusable If-Match (only weak or malformed tags) must still fail, so keep a marker
    # version that no representation can have.
    versions = frozenset(tag.strip('"') for weak, tag in tags if not weak) or frozenset({"\x00"})
    return star, (frozenset() if star else versions)


def none_match(header: str | None, etag: str) -> bool:
    """True when If-None-Match matches the current ETag (weak comparison, section 13.1.2)."""
    parsed = if_none_match_versions(header)
    if parsed is None:
        return False
    star, versions = parsed
    return star or etag.strip('"') in versions


def if_none_match_versions(header: str | None) -> tuple[bool, frozenset[str]] | None:
    """If-None-Match on a write: (is_star, versions), compared weakly (section 13.1.2)."""
    parsed = parse_etags(header)
    if parsed is None:
        return None
    star, tags = parsed
    return star, frozenset(tag.strip('"') for _weak, tag in tags)


def if_match_fails(header: str | None, etag: str) -> bool:
    """True when an If-Match header is present and the current strong ETag does not satisfy it."""
    parsed = if_match_versions(header)
    if parsed is None:
        return False
    star, versions = parsed
    return not star and etag.strip('"') not in versions
