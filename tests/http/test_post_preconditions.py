"""POST evaluates If-Match and If-None-Match before creating anything (RFC 9110 13.1.1, 13.1.2,
13.2.1). The target of a POST is the collection: its representation is its first page, whose
ETag a GET of the same path returns. When the condition cannot hold the answer is 412 with a
problem document and nothing is written."""

from __future__ import annotations

from tests.support import ApiClient

NO_SUCH_ID = "0" * 32


def _count(client: ApiClient, path: str) -> int:
    return len(client.get(path).json())


def test_if_none_match_star_on_post_is_412_because_the_collection_exists(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    for path in ("/lists", f"/lists/{lid}/items"):
        before = _count(client, path)
        refused = client.post(path, {"name": "x"}, headers={"If-None-Match": "*"})
        assert refused.status == 412, path
        assert refused.header("Content-Type") == "application/problem+json"
        assert refused.json()["type"].endswith(":precondition-failed")
        assert _count(client, path) == before, path


def test_if_match_star_on_post_creates_while_the_collection_exists(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    assert client.post("/lists", {"name": "x"}, headers={"If-Match": "*"}).status == 201
    assert client.post(f"/lists/{lid}/items", {"name": "x"}, headers={"If-Match": "*"}).status == 201


def test_if_match_with_a_tag_the_collection_no_longer_has_is_412_and_writes_nothing(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    path = f"/lists/{lid}/items"
    read = client.get(path)
    etag = read.header("ETag") or ""
    client.new_item(lid)  # the collection changes after the client read it
    refused = client.post(path, {"name": "late"}, headers={"If-Match": etag})
    assert refused.status == 412 and refused.json()["status"] == 412
    assert [item["name"] for item in client.get(path).json()] != ["late"] and _count(client, path) == 1
    assert client.post(path, {"name": "x"}, headers={"If-Match": '"no-such-version"'}).status == 412
    assert _count(client, path) == 1


def test_if_match_with_the_collections_current_tag_creates(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    path = f"/lists/{lid}/items"
    current = client.get(path).header("ETag") or ""
    created = client.post(path, {"name": "first"}, headers={"If-Match": current})
    assert created.status == 201
    assert client.post(path, {"name": "again"}, headers={"If-Match": current}).status == 412  # it changed
    assert _count(client, path) == 1


def test_if_none_match_with_the_current_tag_is_412_and_with_an_old_one_creates(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    path = f"/lists/{lid}/items"
    old = client.get(path).header("ETag") or ""
    client.new_item(lid)
    current = client.get(path).header("ETag") or ""
    assert client.post(path, {"name": "x"}, headers={"If-None-Match": current}).status == 412
    assert client.post(path, {"name": "x"}, headers={"If-None-Match": old}).status == 201
    assert _count(client, path) == 2


def test_preconditions_on_the_items_of_a_missing_list_answer_404_as_without_them(client: ApiClient) -> None:
    for headers in ({"If-Match": "*"}, {"If-None-Match": "*"}, {"If-Match": '"x"'}):
        missing = client.post(f"/lists/{NO_SUCH_ID}/items", {"name": "x"}, headers=headers)
        assert missing.status == 404, headers


def test_a_malformed_request_is_400_before_any_precondition_is_evaluated(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    for path in ("/lists", f"/lists/{lid}/items"):
        bad_key = client.post(path, {"name": "x"}, headers={"If-None-Match": "*", "Idempotency-Key": "has space"})
        assert bad_key.status == 400 and bad_key.json()["type"].endswith(":invalid-idempotency-key"), path
        bad_body = client.post(path, {"name": ""}, headers={"If-None-Match": "*"})
        assert bad_body.status == 422, path
