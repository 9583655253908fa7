"""Route templates of the local host behave like the Functions host's."""

from __future__ import annotations

import pytest

from devhost.routing import RouteTemplateError, compile_route, templates_overlap


def test_parameters_match_one_segment_case_insensitively() -> None:
    route = compile_route("api", "lists/{listId}/items")
    assert route.match("/API/Lists/abc/ITEMS") == {"listId": "abc"}
    assert route.match("/api/lists/a/b/items") is None


def test_one_trailing_slash_is_ignored_like_the_real_host() -> None:
    route = compile_route("api", "lists/{listId}")
    assert route.match("/api/lists/abc/") == {"listId": "abc"}
    assert route.match("/api/lists/abc//") is None


def test_optional_catch_all_and_constraints() -> None:
    assert compile_route("api", "files/{*rest}").match("/api/files/a/b.txt") == {"rest": "a/b.txt"}
    assert compile_route("api", "n/{id:int}").match("/api/n/12") == {"id": "12"}
    assert compile_route("api", "n/{id:int}").match("/api/n/x") is None
    assert compile_route("api", "o/{id?}").match("/api/o") == {}
    assert compile_route("api", "r/{code:regex(^[a-z]{{3}}$)}").match("/api/r/abc") is not None


def _overlap(one: str, other: str) -> bool:
    return templates_overlap(compile_route("api", one), compile_route("api", other))


def test_a_literal_and_a_parameter_in_the_same_place_overlap() -> None:
    # The host would pick by function name, not by the literal: such a pair is a latent bug.
    assert _overlap("lists/{listId}/items/state", "lists/{listId}/items/{itemId}")
    assert _overlap("Lists/Special", "lists/{id}")


def test_templates_of_different_lengths_or_literals_do_not_overlap() -> None:
    assert not _overlap("lists/{listId}/items/{itemId}", "lists/{listId}/items/state/{state}")
    assert not _overlap("lists/{listId}", "items/{itemId}")
    assert not _overlap("lists", "lists/{listId}")


def test_constraints_optional_and_catch_all_segments_decide_overlap() -> None:
    assert not _overlap("n/{id:int}", "n/{name:alpha}")
    assert not _overlap("n/{id:int}", "n/special")
    assert _overlap("n/{id:int}", "n/{flag:long}")
    assert _overlap("o/{id?}", "o")
    assert _overlap("files/{*rest}", "files/a/{b}/c")
    assert _overlap("{*all}", "anything")
    assert not _overlap("o/{id?}", "o/a/b")


def test_empty_prefix_and_unknown_constraints() -> None:
    assert compile_route("", "lists").match("/lists") == {}
    with pytest.raises(RouteTemplateError):
        compile_route("api", "x/{id:unknown}")
