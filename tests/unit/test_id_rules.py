"""Id rules that storage keys and paging depend on: the time prefix is the creation time in
milliseconds, and nothing but 32 lowercase hex characters is an id."""

from __future__ import annotations

import time

from shared.domain.ids import ID_PATTERN, is_valid_id, new_id


def test_id_starts_with_the_creation_time_in_milliseconds_as_12_hex_digits() -> None:
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= int(made[:12], 16) <= after
    assert len(made) == 32 and is_valid_id(made)


def test_random_part_differs_between_ids_made_in_the_same_millisecond() -> None:
    assert len({new_id()[12:] for _ in range(50)}) == 50


def test_id_pattern_is_anchored_lowercase_hex_of_exactly_32() -> None:
    assert ID_PATTERN == r"^[0-9a-f]{32}$"
    assert is_valid_id("0" * 32) and is_valid_id("f" * 32)
    for bad in ("0" * 31, "0" * 33, "g" * 32, "A" * 32, "0" * 32 + "\n", " " + "0" * 31, ""):
        assert not is_valid_id(bad), repr(bad)
