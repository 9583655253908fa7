"""How one request is read (shared/web/call.py ApiCall), in process: identity, path and query values,
preconditions, Idempotency-Key, bodies, and the URLs and validators of responses. Each refusal is
asserted with its status, problem kind and the detail a client reads."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import azure.functions as func
import pytest
from pydantic import BaseModel, model_validator

from shared.domain.errors import PreconditionFailed
from shared.domain.models import ItemState, TodoListPatch, TodoListWrite, version_of
from shared.domain.ports import Page
from shared.service.idempotency import Created
from shared.service.preconditions import Expectation
from shared.web.call import ApiCall, PageRequest
from shared.web.conditional import strong_etag
from shared.web.headers import JSON, MERGE_PATCH_JSON
from shared.web.pagination import decode_cursor, encode_cursor
from shared.web.problems import HttpProblem
from tests.unit.http_requests import call, request

ID = "0123456789abcdef0123456789abcdef"
TOP_RANGE = "top must be an integer from 1 to 1000"
SKIP_RANGE = "skip must be an integer from 0 to 10000"
NOT_STRINGS = [{"field": "", "message": "expected an array of strings"}]
ONE_TO_THREE = [{"field": "", "message": "expected 1 to 3 ids"}]


def refusal(action: Any, *args: Any) -> HttpProblem:
    with pytest.raises(HttpProblem) as raised:
        action(*args)
    return raised.value


class Named:
    """A representation with an id, like the models the collection pages hold."""

    def __init__(self, id: str) -> None:
        self.id = id

    def to_json(self) -> bytes:
        return json.dumps({"id": self.id}).encode()

    def version(self) -> str:
        return version_of(self.to_json())


# Identity ------------------------------------------------------------------------------------


def test_owner_comes_from_the_gateway_header_or_the_local_default() -> None:
    assert call(request(headers={"X-Todo-Owner": "a.b_c@d:e-F9"})).owner == "a.b_c@d:e-F9"
    assert call(request(headers={"X-Todo-Owner": "o" * 128})).owner == "o" * 128
    assert call(request()).owner == "local-developer"
    assert call(request(), default_owner="someone").owner == "someone"


@pytest.mark.parametrize("owner", ["", "o" * 129, "a b", "a/b", "ä", "a\n"])
def test_malformed_owner_header_is_400(owner: str) -> None:
    problem = refusal(call, request(headers={"X-Todo-Owner": owner}))
    assert (problem.status, problem.kind) == (400, "invalid-owner")
    assert problem.detail == "X-Todo-Owner must be 1-128 letters, digits or ._@:-"


def test_missing_owner_is_401_with_a_challenge_when_the_gateway_must_identify_callers() -> None:
    problem = refusal(lambda: call(request(), owner_header_required=True))
    assert (problem.status, problem.kind) == (401, "unauthenticated")
    assert problem.detail == "the gateway did not identify the caller (X-Todo-Owner)"
    assert problem.headers == {"WWW-Authenticate": 'Bearer realm="todo-api"'}


def test_requests_read_the_owner_unless_declared_public() -> None:
    owned = ApiCall(request(headers={"X-Todo-Owner": "alice"}), call().settings, "r")
    assert owned.owner == "alice"


def test_public_requests_neither_read_nor_require_an_owner() -> None:
    public = call(request(headers={"X-Todo-Owner": "not valid!"}), needs_owner=False, owner_header_required=True)
    assert public.owner == "local-developer" and public.method == "GET" and public.request_id == "request-1"


# Path and query ------------------------------------------------------------------------------


def test_path_ids_must_be_ids() -> None:
    assert call(request(route_params={"listId": ID})).path_id("listId") == ID
    for params in ({"listId": ID.upper()}, {"listId": ID[:-1]}, {}):
        problem = refusal(call(request(route_params=params)).path_id, "listId")
        assert (problem.status, problem.kind) == (400, "invalid-id")
        assert problem.detail == "listId must be 32 lowercase hexadecimal characters"
        assert problem.extensions == {"parameter": "listId"}


def test_path_state_names_the_allowed_states() -> None:
    assert call(request(route_params={"state": "done"})).path_state() is ItemState.DONE
    for params in ({"state": "Done"}, {"state": "finished"}, {}):
        problem = refusal(call(request(route_params=params)).path_state)
        assert (problem.status, problem.kind, problem.extensions) == (400, "invalid-state", {"parameter": "state"})
        assert problem.detail == "state must be one of: todo, inprogress, done"


@pytest.mark.parametrize(
    ("params", "top", "skip"),
    [({}, 100, 0), ({"top": "", "skip": ""}, 100, 0), ({"top": "1", "skip": "0"}, 1, 0),
     ({"top": "1000", "skip": "10000"}, 1000, 10000), ({"top": "0000007"}, 7, 0)],
)  # fmt: skip
def test_top_and_skip_accept_their_ranges(params: dict[str, str], top: int, skip: int) -> None:
    page = call(request(params=params)).page_request("lists")
    assert (page.top, page.skip, page.after) == (top, skip, None)


@pytest.mark.parametrize(
    ("name", "value", "detail"),
    [("top", "0", TOP_RANGE), ("top", "1001", TOP_RANGE), ("top", "-1", TOP_RANGE), ("top", "1.5", TOP_RANGE),
     ("top", "00000007", TOP_RANGE), ("top", "²", TOP_RANGE), ("top", "٣", TOP_RANGE),
     ("skip", "10001", SKIP_RANGE), ("skip", "-0", SKIP_RANGE)],
)  # fmt: skip
def test_top_and_skip_outside_their_ranges_are_400(name: str, value: str, detail: str) -> None:
    problem = refusal(call(request(params={name: value})).page_request, "lists")
    assert (problem.status, problem.kind, problem.detail) == (400, "invalid-query", detail)
    assert problem.extensions == {"parameter": name}


def test_cursor_is_scoped_to_the_owner_and_the_collection() -> None:
    alice = call(request(headers={"X-Todo-Owner": "alice"}))
    cursor = encode_cursor(alice.settings.cursor_key, "alice\nlists", ID)
    assert call(request(headers={"X-Todo-Owner": "alice"}, params={"cursor": cursor})).page_request("lists").after == ID
    for owner, scope in (("bob", "lists"), ("alice", "items")):
        problem = refusal(call(request(headers={"X-Todo-Owner": owner}, params={"cursor": cursor})).page_request, scope)
        assert (problem.status, problem.kind) == (400, "invalid-cursor")
        assert problem.detail == "the cursor is not valid for this collection"
        assert problem.extensions == {"parameter": "cursor"}
    problem = refusal(call(request(params={"cursor": "junk"})).page_request, "lists")
    assert problem.detail == "the cursor is malformed"


# Preconditions and idempotency ----------------------------------------------------------------


def test_write_preconditions_come_from_if_match_and_if_none_match() -> None:
    assert call(request("PUT")).expectation() == Expectation()
    both = call(request("PUT", headers={"If-Match": '"a", W/"w"', "If-None-Match": 'W/"b", "c"'})).expectation()
    assert both == Expectation(frozenset({"a"}), False, frozenset({"b", "c"}), False)
    stars = call(request("PUT", headers={"If-Match": "*", "If-None-Match": "*"})).expectation()
    assert stars == Expectation(frozenset(), True, frozenset(), True)


class FirstPage:
    """The first page of a collection as GET answers it, recording the page requests it served."""

    def __init__(self, ids: list[str], has_more: bool) -> None:
        self.page = Page([Named(i) for i in ids], has_more)
        self.requests: list[PageRequest] = []

    async def __call__(self, page_request: PageRequest) -> Page[Any]:
        self.requests.append(page_request)
        return self.page

    def etag(self, path: str) -> str:
        """The ETag a client read from GET path (no query: the first page)."""
        reader = call(request("GET", path))
        return str(reader.collection(self.page, reader.page_request(path)).headers["ETag"])


async def post_conditions(first_page: FirstPage, headers: dict[str, str], path: str = "/lists") -> None:
    await call(request("POST", path, headers=headers)).check_collection(first_page, path)


@pytest.mark.parametrize("has_more", [False, True])
async def test_post_if_match_holds_for_the_etag_get_gave_the_collections_first_page(has_more: bool) -> None:
    path = f"/lists/{ID}/items"
    first_page = FirstPage([ID, "e" * 32], has_more)
    await post_conditions(first_page, {"If-Match": first_page.etag(path)}, path)
    assert first_page.requests == [PageRequest(path, 100)]  # the first page, as GET path without a query
    await post_conditions(first_page, {"If-None-Match": '"other", ' + FirstPage([ID], False).etag(path)}, path)
    with pytest.raises(PreconditionFailed, match="changed since you read it"):
        await post_conditions(first_page, {"If-Match": FirstPage([ID], has_more).etag(path)}, path)
    with pytest.raises(PreconditionFailed, match="If-None-Match excludes"):
        await post_conditions(first_page, {"If-None-Match": first_page.etag(path)}, path)


async def test_post_star_conditions_hold_or_fail_because_a_collection_exists() -> None:
    first_page = FirstPage([], False)
    await post_conditions(first_page, {"If-Match": "*"})
    assert first_page.requests == [PageRequest("/lists", 100)]  # read: a missing list's items must answer 404
    with pytest.raises(PreconditionFailed, match="If-None-Match excludes"):
        await post_conditions(first_page, {"If-None-Match": "*"})


async def test_an_unconditional_post_does_not_read_the_collection() -> None:
    first_page = FirstPage([ID], True)
    await post_conditions(first_page, {"Idempotency-Key": "k"})
    assert first_page.requests == []


def test_idempotency_key_fingerprints_method_path_and_body() -> None:
    assert call(request("POST")).idempotency() is None
    body = b'{"name": "a"}'
    key = call(request("POST", "/Lists", headers={"Idempotency-Key": "k-1"}, body=body)).idempotency()
    assert key is not None and key.key == "k-1"
    assert key.fingerprint == hashlib.sha256(b"POST /api/lists\n" + body).hexdigest()
    other_body = call(request("POST", "/lists", headers={"Idempotency-Key": "k-1"}, body=b"{}")).idempotency()
    assert other_body is not None and other_body.fingerprint != key.fingerprint
    empty = call(request("POST", "/lists", headers={"Idempotency-Key": "k-1"})).idempotency()
    assert empty is not None and empty.fingerprint == hashlib.sha256(b"POST /api/lists\n").hexdigest()


@pytest.mark.parametrize("key", ["", "a b", "k" * 256, "é", "a\t"])
def test_malformed_idempotency_key_is_400(key: str) -> None:
    problem = refusal(call(request("POST", headers={"Idempotency-Key": key})).idempotency)
    assert (problem.status, problem.kind) == (400, "invalid-idempotency-key")
    assert problem.detail == "Idempotency-Key must be 1-255 visible ASCII characters"


def test_idempotency_key_may_use_every_visible_ascii_character_up_to_255() -> None:
    for key in ("!", "~" * 255, "".join(chr(c) for c in range(0x21, 0x7F))):
        assert call(request("POST", headers={"Idempotency-Key": key})).idempotency() is not None


# Bodies --------------------------------------------------------------------------------------


def body_call(body: bytes, content_type: str | None = JSON, **headers: str) -> ApiCall:
    sent = dict(headers)
    if content_type is not None:
        sent["Content-Type"] = content_type
    if body and "Content-Length" not in sent:
        sent["Content-Length"] = str(len(body))
    return call(request("POST", headers=sent, body=body))


def test_body_of_exactly_the_limit_is_read_and_one_byte_more_is_413() -> None:
    exact = b'{"name": "' + b"n" * 88 + b'"}'
    assert len(exact) == 100
    assert body_call(exact).json_body(TodoListWrite).name == "n" * 88
    problem = refusal(body_call(exact + b" ").json_body, TodoListWrite)
    assert (problem.status, problem.kind, problem.extensions) == (413, "body-too-large", {"maxBytes": 100})
    assert problem.detail == "the body must be at most 100 bytes"


def test_declared_length_over_the_limit_is_413_before_reading() -> None:
    problem = refusal(body_call(b"{}", **{"Content-Length": "101"}).json_body, TodoListWrite)
    assert problem.status == 413
    problem = refusal(body_call(b"{}", **{"Content-Length": "100"}).json_body, TodoListWrite)
    assert problem.status == 422  # the declared length is within the limit: the body is read


def test_empty_body_without_content_length_or_chunked_is_411() -> None:
    for headers in ({}, {"Transfer-Encoding": "chunked", "Content-Length": "0"}):
        problem = refusal(body_call(b"", **headers).json_body, TodoListWrite)
        assert (problem.status, problem.kind) == (411, "length-required")
        assert problem.detail == "send the body with a Content-Length header (not chunked)"
    empty = refusal(body_call(b"", **{"Content-Length": "0"}).json_body, TodoListWrite)
    assert (empty.status, empty.kind) == (400, "malformed-json")


def test_media_type_is_checked_without_its_parameters_or_case() -> None:
    assert body_call(b'{"name": "a"}', "Application/JSON; charset=utf-8").json_body(TodoListWrite).name == "a"
    for content_type in (None, "text/plain", "application/jsonx", MERGE_PATCH_JSON):
        problem = refusal(body_call(b'{"name": "a"}', content_type).json_body, TodoListWrite)
        assert (problem.status, problem.kind) == (415, "unsupported-media-type")
        assert problem.detail == "send the body as application/json"
        assert problem.extensions == {"accepted": [JSON]}


def test_merge_patch_accepts_both_json_media_types() -> None:
    for content_type in (MERGE_PATCH_JSON, JSON):
        assert body_call(b'{"name": "a"}', content_type).merge_patch(TodoListPatch).name == "a"
    problem = refusal(body_call(b"{}", "text/json").merge_patch, TodoListPatch)
    assert problem.detail == "send the body as application/merge-patch+json or application/json"
    assert problem.extensions == {"accepted": [MERGE_PATCH_JSON, JSON]}


def test_body_problems_tell_malformed_json_from_wrong_shapes_and_name_every_field() -> None:
    malformed = refusal(body_call(b'{"name": ').json_body, TodoListWrite)
    assert (malformed.status, malformed.kind) == (400, "malformed-json")
    assert malformed.detail == "the body is not valid JSON (UTF-8)"
    array = refusal(body_call(b'["a"]').json_body, TodoListWrite)
    assert (array.status, array.kind, array.detail) == (422, "validation-failed", "the body must be a JSON object")
    assert array.extensions == {"errors": [{"field": "", "message": "expected a JSON object"}]}
    fields = refusal(body_call(b'{"colour": 1, "name": 5}').json_body, TodoListWrite)
    assert (fields.status, fields.kind) == (422, "validation-failed")
    assert fields.detail == "invalid or unknown fields: /colour, /name"
    assert fields.extensions == {
        "errors": [
            {"field": "/name", "message": "Input should be a valid string"},
            {"field": "/colour", "message": "Extra inputs are not permitted"},
        ]
    }


class Nested(BaseModel):
    tags: list[int]

    @model_validator(mode="after")
    def whole_body_rule(self) -> Nested:
        if self.tags == [0]:
            raise ValueError("zero alone is not allowed")
        return self


def test_field_paths_are_json_pointers_and_whole_body_errors_are_named_body() -> None:
    nested = refusal(body_call(b'{"tags": [1, "x"]}').json_body, Nested)
    assert nested.detail == "invalid or unknown fields: /tags/1"
    assert [e["field"] for e in nested.extensions["errors"]] == ["/tags/1"]
    whole = refusal(body_call(b'{"tags": [0]}').json_body, Nested)
    assert whole.detail == "invalid or unknown fields: (body)"
    assert whole.extensions == {"errors": [{"field": "", "message": "Value error, zero alone is not allowed"}]}


def test_at_most_50_field_errors_are_listed() -> None:
    body = json.dumps({"name": "a", **{f"x{n:02}": n for n in range(60)}}).encode()
    problem = refusal(call(request("POST", headers={"Content-Type": JSON, "Content-Length": "9"}, body=body),
                           max_body_bytes=10_000).json_body, TodoListWrite)  # fmt: skip
    assert len(problem.extensions["errors"]) == 50


def id_list_call(body: bytes) -> ApiCall:
    return call(request("PUT", headers={"Content-Type": JSON, "Content-Length": str(len(body))}, body=body),
                max_body_bytes=100_000)  # fmt: skip


def test_id_list_accepts_one_to_the_maximum_ids() -> None:
    assert id_list_call(json.dumps([ID]).encode()).json_id_list(3) == [ID]
    assert id_list_call(json.dumps([ID] * 3).encode()).json_id_list(3) == [ID] * 3


@pytest.mark.parametrize(
    ("body", "status", "detail", "errors"),
    [(b"[", 400, "the body is not valid JSON", None),
     (b"[" * 20_000 + b"]" * 20_000, 400, "the body is not valid JSON", None),
     (b'{"ids": []}', 422, "the body must be a JSON array of item ids", NOT_STRINGS),
     (b"[1]", 422, "the body must be a JSON array of item ids", NOT_STRINGS),
     (b"[]", 422, "send from 1 to 3 item ids", ONE_TO_THREE),
     (json.dumps([ID] * 4).encode(), 422, "send from 1 to 3 item ids", ONE_TO_THREE),
     (json.dumps([ID, "x", ID.upper()]).encode(), 422, "item ids must be 32 lowercase hexadecimal characters",
      [{"field": "/1", "message": "not a valid id"}, {"field": "/2", "message": "not a valid id"}])],
)  # fmt: skip
def test_id_list_refusals(body: bytes, status: int, detail: str, errors: list[dict[str, str]] | None) -> None:
    problem = refusal(id_list_call(body).json_id_list, 3)
    assert (problem.status, problem.detail) == (status, detail)
    assert problem.kind == ("malformed-json" if status == 400 else "validation-failed")
    assert problem.extensions == ({} if errors is None else {"errors": errors})


def test_at_most_20_bad_ids_are_listed() -> None:
    problem = refusal(id_list_call(json.dumps(["x"] * 30).encode()).json_id_list, 30)
    assert [e["field"] for e in problem.extensions["errors"]] == [f"/{i}" for i in range(20)]


# URLs and representations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "base"),
    [({}, "http://localhost:7071/api"),
     ({"X-Forwarded-Proto": "HTTPS, http", "X-Forwarded-Host": "gw.example.net, inner"}, "https://gw.example.net/api"),
     ({"X-Forwarded-Host": "gw.example.net:8443"}, "http://gw.example.net:8443/api"),
     ({"X-Forwarded-Proto": "ftp", "X-Forwarded-Host": "bad host"}, "http://localhost:7071/api"),
     ({"X-Forwarded-Host": "evil.example/path"}, "http://localhost:7071/api")],
)  # fmt: skip
def test_base_url_follows_only_well_formed_forwarded_headers_from_a_trusted_proxy(
    headers: dict[str, str], base: str
) -> None:
    assert call(request(headers=headers), trusted_proxy=True).base_url() == base


@pytest.mark.parametrize(
    "headers",
    [{"X-Forwarded-Host": "evil.example"}, {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gw.example.net"},
     {"X-Forwarded-Prefix": "/elsewhere"}],
)  # fmt: skip
def test_forwarded_headers_are_ignored_unless_the_proxy_is_trusted(headers: dict[str, str]) -> None:
    assert call(request(headers=headers)).base_url() == "http://localhost:7071/api"


@pytest.mark.parametrize(
    ("prefix", "base"),
    [("/todo", "https://gw.example.net/todo"), ("/todo/", "https://gw.example.net/todo"),
     ("/a/b-c", "https://gw.example.net/a/b-c"), ("/", "https://gw.example.net"),
     ("/TodoX/", "https://gw.example.net/TodoX"),
     ("todo", "https://gw.example.net/api"), ("/to do", "https://gw.example.net/api"),
     ("//evil.example", "https://gw.example.net/api"), ("/x?y", "https://gw.example.net/api")],
)  # fmt: skip
def test_a_trusted_proxys_prefix_replaces_the_route_prefix_when_well_formed(prefix: str, base: str) -> None:
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gw.example.net", "X-Forwarded-Prefix": prefix}
    assert call(request(headers=headers), trusted_proxy=True).base_url() == base


def test_forwarded_proto_may_downgrade_to_http() -> None:
    behind_tls = func.HttpRequest("GET", "https://app.example.net/api/lists", headers={"X-Forwarded-Proto": "http"},
                                  body=b"")  # fmt: skip
    assert call(behind_tls, trusted_proxy=True).base_url() == "http://app.example.net/api"
    assert call(behind_tls).base_url() == "https://app.example.net/api"


def test_configured_public_base_url_wins() -> None:
    forwarded = request(headers={"X-Forwarded-Host": "gw.example.net"})
    assert call(forwarded, public_base_url="https://api.example.com/todo").base_url() == "https://api.example.com/todo"
    trusted = call(forwarded, public_base_url="https://api.example.com/todo", trusted_proxy=True)
    assert trusted.base_url() == "https://api.example.com/todo"


def test_resource_carries_its_validator_caching_location_and_replay_marker() -> None:
    read = call(request()).resource(Named(ID))
    assert read.status_code == 200 and read.mimetype == JSON and read.get_body() == json.dumps({"id": ID}).encode()
    assert dict(read.headers) == {"ETag": strong_etag(Named(ID).version()), "Cache-Control": "private, no-cache",
                                  "Vary": "X-Todo-Owner"}  # fmt: skip
    replay = Created(Named(ID), Named(ID).to_json(), replayed=True)  # type: ignore[type-var]
    created = call(request("POST")).created(replay, f"/lists/{ID}")
    assert created.status_code == 201 and created.get_body() == Named(ID).to_json()
    assert created.headers["ETag"] == strong_etag(Named(ID).version())
    assert created.headers["Location"] == f"http://localhost:7071/api/lists/{ID}"
    assert created.headers["Cache-Control"] == "no-store" and created.headers["Idempotent-Replayed"] == "true"
    first = Created(Named(ID), Named(ID).to_json())  # type: ignore[type-var]
    assert "Idempotent-Replayed" not in call(request("POST")).created(first, f"/lists/{ID}").headers
    assert call(request("HEAD")).resource(Named(ID)).headers["Cache-Control"] == "private, no-cache"


def test_reads_answer_304_with_the_200s_headers_and_412_when_if_match_fails() -> None:
    etag = strong_etag(Named(ID).version())
    unchanged = call(request(headers={"If-None-Match": etag})).resource(Named(ID))
    assert unchanged.status_code == 304 and unchanged.get_body() == b"" and unchanged.mimetype == JSON
    assert dict(unchanged.headers) == {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "X-Todo-Owner"}
    assert call(request("HEAD", headers={"If-None-Match": etag})).resource(Named(ID)).status_code == 304
    problem = refusal(call(request(headers={"If-Match": '"other"'})).resource, Named(ID))
    assert (problem.status, problem.kind) == (412, "precondition-failed")
    assert problem.detail == "the resource does not match If-Match"
    assert call(request(headers={"If-Match": etag})).resource(Named(ID)).status_code == 200


def test_writes_return_their_representation_whatever_the_read_validators_say() -> None:
    written = call(request("PUT", headers={"If-None-Match": strong_etag(Named(ID).version()), "If-Match": '"x"'}))
    assert written.resource(Named(ID)).status_code == 200


def test_collection_links_the_next_page_with_a_scoped_cursor() -> None:
    alice = call(request(headers={"X-Todo-Owner": "alice"}))
    ids = [ID, "e" * 32, "f" * 32]
    page = alice.collection(Page([Named(i) for i in ids], True), alice.page_request("/lists"))
    assert page.status_code == 200 and json.loads(page.get_body()) == [{"id": i} for i in ids]
    assert page.headers["Cache-Control"] == "private, no-cache" and page.headers["Vary"] == "X-Todo-Owner"
    link = page.headers["Link"]
    assert link.startswith("<http://localhost:7071/api/lists?") and link.endswith('>; rel="next"')
    query = parse_qs(urlsplit(link[1 : link.index(">")]).query)
    assert query["top"] == ["100"]
    assert decode_cursor(alice.settings.cursor_key, "alice\n/lists", query["cursor"][0]) == ids[-1]
    last = alice.collection(Page([Named(i) for i in ids], False), alice.page_request("/lists"))
    assert "Link" not in last.headers and last.headers["ETag"] != page.headers["ETag"]
    empty = alice.collection(Page([], True), alice.page_request("/lists"))
    assert "Link" not in empty.headers and empty.get_body() == b"[]"


def test_collection_validator_covers_body_and_link_and_answers_304() -> None:
    reader = call(request())
    page = reader.collection(Page([Named(ID)], False), reader.page_request("/lists"))
    assert page.headers["ETag"] == strong_etag(hashlib.blake2b(page.get_body() + b"\n", digest_size=12).hexdigest())
    again = call(request(headers={"If-None-Match": page.headers["ETag"]}))
    unchanged = again.collection(Page([Named(ID)], False), again.page_request("/lists"))
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == page.headers["ETag"]


def test_batch_results_documents_and_no_content() -> None:
    batch = call(request("PUT")).values([Named(ID), Named("f" * 32)])
    assert batch.status_code == 200 and batch.mimetype == JSON and batch.headers["Cache-Control"] == "no-store"
    assert json.loads(batch.get_body()) == [{"id": ID}, {"id": "f" * 32}]
    document = call(request()).document(b"<html/>", "text/html", "public, max-age=60", {"X-Extra": "1"})
    etag = strong_etag(hashlib.blake2b(b"<html/>", digest_size=12).hexdigest())
    assert document.status_code == 200 and document.get_body() == b"<html/>" and document.mimetype == "text/html"
    assert dict(document.headers) == {"ETag": etag, "Cache-Control": "public, max-age=60", "X-Extra": "1"}
    cached = call(request(headers={"If-None-Match": etag})).document(b"<html/>", "text/html", "public")
    assert cached.status_code == 304 and cached.mimetype == "text/html" and cached.headers["ETag"] == etag
    gone = call(request("DELETE")).no_content()
    assert gone.status_code == 204 and dict(gone.headers) == {"Cache-Control": "no-store"}
