"""HTTP semantics shared by every route: validators, conditional requests, HEAD, 405, errors,
paging, request ids and CORS (absolute URLs: test_public_urls.py)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support import ApiClient

NO_SUCH_ID = "0" * 32


def test_matching_if_none_match_gives_304_with_the_200s_headers(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    full = client.get(f"/lists/{lid}")
    etag = full.header("ETag") or ""
    not_modified = client.get(f"/lists/{lid}", headers={"If-None-Match": f'W/{etag}, "other"'})
    assert not_modified.status == 304 and not_modified.body == b""
    for name in ("ETag", "Cache-Control", "Vary"):
        assert not_modified.header(name) == full.header(name)


def test_collections_revalidate_and_change_etag_when_content_changes(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    first = client.get(f"/lists/{lid}/items")
    etag = first.header("ETag") or ""
    assert client.get(f"/lists/{lid}/items", headers={"If-None-Match": etag}).status == 304
    client.new_item(lid)
    changed = client.get(f"/lists/{lid}/items", headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.header("ETag") != etag and len(changed.json()) == 1


def test_stale_if_match_gives_412_and_changes_nothing(client: ApiClient) -> None:
    created = client.post("/lists", {"name": "a"})
    lid, etag = created.json()["id"], created.header("ETag") or ""
    assert client.patch(f"/lists/{lid}", {"name": "b"}, headers={"If-Match": etag}).status == 200
    for method in ("PUT", "PATCH"):
        ctype = "application/merge-patch+json" if method == "PATCH" else "application/json"
        stale = client.request(method, f"/lists/{lid}", {"name": "c"}, headers={"If-Match": etag}, content_type=ctype)
        assert stale.status == 412, method
        assert stale.json()["status"] == 412
    assert client.delete(f"/lists/{lid}", headers={"If-Match": etag}).status == 412
    assert client.get(f"/lists/{lid}").json()["name"] == "b"


def test_current_if_match_allows_the_write(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    iid = client.new_item(lid)["id"]
    etag = client.get(f"/lists/{lid}/items/{iid}").header("ETag") or ""
    updated = client.patch(f"/lists/{lid}/items/{iid}", {"name": "new"}, headers={"If-Match": etag})
    assert updated.status == 200 and updated.header("ETag") != etag
    assert client.delete(f"/lists/{lid}/items/{iid}", headers={"If-Match": updated.header("ETag") or ""}).status == 204


def test_if_match_star_on_a_missing_resource_gives_412(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    assert client.put(f"/lists/{NO_SUCH_ID}", {"name": "x"}, headers={"If-Match": "*"}).status == 412
    assert client.patch(f"/lists/{lid}/items/{NO_SUCH_ID}", {"name": "x"}, headers={"If-Match": "*"}).status == 412
    assert client.put(f"/lists/{lid}", {"name": "x"}, headers={"If-Match": "*"}).status == 200


def test_weak_etag_never_satisfies_if_match(client: ApiClient) -> None:
    created = client.post("/lists", {"name": "a"})
    weak = "W/" + (created.header("ETag") or "")
    assert client.patch(f"/lists/{created.json()['id']}", {"name": "b"}, headers={"If-Match": weak}).status == 412


def test_if_none_match_on_a_write_refuses_to_touch_a_matching_resource(client: ApiClient) -> None:
    lid = client.new_list("original")["id"]
    etag = client.get(f"/lists/{lid}").header("ETag") or ""
    assert client.put(f"/lists/{lid}", {"name": "x"}, headers={"If-None-Match": "*"}).status == 412
    assert client.patch(f"/lists/{lid}", {"name": "x"}, headers={"If-None-Match": etag}).status == 412
    assert client.get(f"/lists/{lid}").json()["name"] == "original"
    assert client.patch(f"/lists/{lid}", {"name": "y"}, headers={"If-None-Match": '"other"'}).status == 200


def test_if_match_on_a_read_is_evaluated_too(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    etag = client.get(f"/lists/{lid}").header("ETag") or ""
    assert client.get(f"/lists/{lid}", headers={"If-Match": etag}).status == 200
    stale = client.get(f"/lists/{lid}", headers={"If-Match": '"stale"'})
    assert stale.status == 412 and stale.json()["status"] == 412


def test_a_collection_etag_changes_when_a_next_page_appears(client: ApiClient) -> None:
    client.new_list("a")
    client.new_list("b")
    first = client.get("/lists?top=2")
    assert first.header("Link") is None
    client.new_list("c")  # same first page, but now there is a next one
    again = client.get("/lists?top=2", headers={"If-None-Match": first.header("ETag") or ""})
    assert again.status == 200 and again.body == first.body and again.header("Link")


def test_concurrent_conditional_writes_exactly_one_wins(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    iid = client.new_item(lid)["id"]
    etag = client.get(f"/lists/{lid}/items/{iid}").header("ETag") or ""

    def attempt(n: int) -> int:
        path = f"/lists/{lid}/items/{iid}"
        return client.patch(path, {"name": f"writer {n}"}, headers={"If-Match": etag}).status

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(attempt, range(10)))
    assert sorted(statuses) == [200] + [412] * 9
    winner = client.get(f"/lists/{lid}/items/{iid}").json()["name"]
    assert winner.startswith("writer ")


@pytest.mark.parametrize(
    "path",
    ["/lists", "/lists/{lid}", "/lists/{lid}/items", "/lists/{lid}/items/{iid}", "/lists/{lid}/items/state/done"],
)
def test_head_answers_like_get_without_a_body(client: ApiClient, path: str) -> None:
    lid = client.new_list()["id"]
    iid = client.new_item(lid, state="done")["id"]
    url = path.format(lid=lid, iid=iid)
    get, head = client.get(url), client.request("HEAD", url)
    assert head.status == get.status == 200
    assert head.body == b""
    for name in ("ETag", "Cache-Control", "Content-Type", "Vary"):
        assert head.header(name) == get.header(name)


@pytest.mark.parametrize(
    ("path", "method", "allow"),
    [
        ("/lists", "DELETE", "GET, HEAD, POST, OPTIONS"),
        ("/lists/{lid}", "POST", "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"),
        ("/lists/{lid}/items", "PATCH", "GET, HEAD, POST, OPTIONS"),
        ("/lists/{lid}/items/{iid}", "POST", "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"),
        ("/lists/{lid}/items/state/done", "DELETE", "GET, HEAD, PUT, OPTIONS"),
    ],
)
def test_wrong_method_gives_405_with_allow(client: ApiClient, path: str, method: str, allow: str) -> None:
    url = path.format(lid=NO_SUCH_ID, iid=NO_SUCH_ID)
    response = client.request(method, url)
    assert response.status == 405
    assert response.header("Allow") == allow
    assert response.json()["type"].endswith("method-not-allowed")
    options = client.request("OPTIONS", url)
    assert options.status == 204 and options.header("Allow") == allow


def test_unknown_path_is_404(client: ApiClient) -> None:
    assert client.get("/nothing-here").status == 404


def test_an_encoded_line_break_in_an_id_reaches_the_app_and_gets_a_400_problem(client: ApiClient) -> None:
    response = client.delete("/lists/a%0Ab/items/c%5Cd")
    assert response.status == 400
    assert response.header("Content-Type") == "application/problem+json"


def _problem(response_json: dict[str, object], status: int) -> None:
    assert {"type", "title", "status", "detail"} <= set(response_json)
    assert response_json["status"] == status


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"name": "x"}', "text/plain", 415),
        (b'{"name": "x"}', "", 415),
        (b'{"name": ', "application/json", 400),
        (b"\xff\xfe{}", "application/json", 400),
        (b"[1, 2]", "application/json", 422),
        (b'{"name": ""}', "application/json", 422),
        (b'{"name": "x", "colour": "red"}', "application/json", 422),
        (b'{"name": "x", "description": 7}', "application/json", 422),
    ],
)
def test_bad_bodies_get_problem_documents(client: ApiClient, body: bytes, content_type: str, status: int) -> None:
    response = client.request("POST", "/lists", raw=body, content_type=content_type)
    assert response.status == status
    assert response.header("Content-Type") == "application/problem+json"
    assert response.header("Cache-Control") == "no-store"
    _problem(response.json(), status)


def test_validation_errors_name_each_invalid_field(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    response = client.post(f"/lists/{lid}/items", {"name": "", "state": "later", "dueDate": "soon", "x": 1})
    assert response.status == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"/name", "/state", "/dueDate", "/x"}


def test_body_over_the_limit_gives_413(client: ApiClient) -> None:
    response = client.request("POST", "/lists", raw=b'{"name": "' + b"x" * 70_000 + b'"}')
    assert response.status == 413
    _problem(response.json(), 413)


@pytest.mark.parametrize(
    "path",
    ["/lists/not-an-id", "/lists/{lid}/items/ABC", "/lists/{lid}/items/state/finished"],
)
def test_malformed_path_values_give_400(client: ApiClient, path: str) -> None:
    lid = client.new_list()["id"]
    response = client.get(path.format(lid=lid))
    assert response.status == 400
    _problem(response.json(), 400)


@pytest.mark.parametrize("query", ["top=0", "top=1001", "top=abc", "skip=-1", "skip=1.5", "cursor=forged.sig"])
def test_bad_paging_parameters_give_400(client: ApiClient, query: str) -> None:
    response = client.get(f"/lists?{query}")
    assert response.status == 400
    _problem(response.json(), 400)


def _next_link(link: str | None) -> str | None:
    if not link:
        return None
    match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
    assert match, link
    return match.group(1)


def test_cursor_paging_walks_every_item_once_in_creation_order(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda n: client.new_item(lid, f"item {n}"), range(23)))
    expected = [i["id"] for i in client.get(f"/lists/{lid}/items?top=1000").json()]
    assert len(expected) == 23 and expected == sorted(expected)
    seen: list[str] = []
    url: str | None = f"/lists/{lid}/items?top=10"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status == 200
        seen += [i["id"] for i in response.json()]
        url = _next_link(response.header("Link"))
        pages += 1
    assert seen == expected and pages == 3


def test_top_and_skip_still_work_for_compatible_clients(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    ids = [client.new_item(lid, f"i{n}")["id"] for n in range(5)]
    page = client.get(f"/lists/{lid}/items?top=2&skip=2")
    assert [i["id"] for i in page.json()] == ids[2:4]
    link = _next_link(page.header("Link"))
    assert link is not None and parse_qs(urlsplit(link).query)["top"] == ["2"]
    assert [i["id"] for i in client.get(link).json()] == ids[4:]


def test_cursor_is_bound_to_its_collection(client: ApiClient) -> None:
    first, second = client.new_list()["id"], client.new_list()["id"]
    for _ in range(3):
        client.new_item(first)
    link = _next_link(client.get(f"/lists/{first}/items?top=1").header("Link"))
    assert link is not None
    cursor = parse_qs(urlsplit(link).query)["cursor"][0]
    assert client.get(f"/lists/{second}/items?cursor={cursor}").status == 400
    assert client.get(f"/lists/{first}/items/state/todo?cursor={cursor}").status == 400


def test_request_id_is_honoured_or_created(client: ApiClient) -> None:
    assert client.get("/lists", headers={"X-Request-Id": "abc-123"}).header("X-Request-Id") == "abc-123"
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    traced = client.get("/lists", headers={"traceparent": f"00-{trace}-00f067aa0ba902b7-01"})
    assert traced.header("X-Request-Id") == trace
    broken = client.get("/lists", headers={"traceparent": "garbage"})
    assert broken.status == 200 and re.fullmatch(r"[0-9a-f]{32}", broken.header("X-Request-Id") or "")


def test_every_response_is_hardened_and_has_a_cache_policy(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    for response in (
        client.get("/lists"),
        client.get(f"/lists/{NO_SUCH_ID}"),
        client.delete(f"/lists/{lid}"),
        client.request("PATCH", "/lists"),
    ):
        assert response.header("X-Content-Type-Options") == "nosniff"
        assert response.header("Cache-Control")


def test_cors_preflight_allows_conditional_and_idempotent_writes(client: ApiClient) -> None:
    response = client.request(
        "OPTIONS",
        "/lists",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "content-type, if-match",
        },
    )
    assert response.status == 204
    assert response.header("Access-Control-Allow-Origin") == "http://localhost:3000"
    allowed = {h.strip().lower() for h in (response.header("Access-Control-Allow-Headers") or "").split(",")}
    assert {"content-type", "if-match", "if-none-match", "idempotency-key"} <= allowed
    assert "PATCH" in (response.header("Access-Control-Allow-Methods") or "")


def test_cors_exposes_validators_and_links_to_allowed_origins_only(client: ApiClient) -> None:
    allowed = client.get("/lists", headers={"Origin": "http://localhost:3000"})
    assert allowed.header("Access-Control-Allow-Origin") == "http://localhost:3000"
    exposed = {h.strip() for h in (allowed.header("Access-Control-Expose-Headers") or "").split(",")}
    assert {"ETag", "Location", "Link", "Retry-After"} <= exposed
    assert "Origin" in (allowed.header("Vary") or "") and "X-Todo-Owner" in (allowed.header("Vary") or "")
    refused = client.get("/lists", headers={"Origin": "http://evil.example"})
    assert refused.header("Access-Control-Allow-Origin") is None
