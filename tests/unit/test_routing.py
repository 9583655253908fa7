"""Route templates of the local host behave like the Functions host's."""

from __future__ import annotations

import pytest

from devhost.routing import RouteTemplateError, compile_route


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


def test_literal_segments_take_precedence_over_parameters() -> None:
    literal = compile_route("api", "lists/{listId}/items/state")
    parameter = compile_route("api", "lists/{listId}/items/{itemId}")
    assert literal.precedence < parameter.precedence


def test_empty_prefix_and_unknown_constraints() -> None:
    assert compile_route("", "lists").match("/lists") == {}
    with pytest.raises(RouteTemplateError):
        compile_route("api", "x/{id:unknown}")
