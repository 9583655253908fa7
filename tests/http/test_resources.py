"""Every route of the contract through the local host over a real socket."""

from __future__ import annotations

from tests.support import ApiClient

NO_SUCH_ID = "0" * 32


def test_post_list_returns_201_with_absolute_location_and_etag(client: ApiClient) -> None:
    response = client.post("/lists", {"name": "groceries", "description": "weekly"})
    assert response.status == 201
    body = response.json()
    assert set(body) == {"id", "name", "description", "createdDate", "updatedDate"}
    assert body["name"] == "groceries" and body["description"] == "weekly"
    assert response.header("Location") == f"{client.base_url}/lists/{body['id']}"
    assert (response.header("ETag") or "").startswith('"')
    assert response.header("Cache-Control") == "no-store"


def test_get_lists_returns_the_owners_lists_in_creation_order(client: ApiClient) -> None:
    names = ["a", "b", "c"]
    for name in names:
        client.new_list(name)
    response = client.get("/lists")
    assert response.status == 200
    assert [lst["name"] for lst in response.json()] == names
    assert response.header("Cache-Control") == "private, no-cache"
    assert response.header("ETag")


def test_get_list_returns_it_with_validators_and_cache_headers(client: ApiClient) -> None:
    created = client.new_list()
    response = client.get(f"/lists/{created['id']}")
    assert response.status == 200 and response.json() == created
    assert response.header("Cache-Control") == "private, no-cache"
    assert response.header("Vary") == "X-Todo-Owner"
    assert response.header("Content-Type") == "application/json"


def test_put_list_replaces_name_and_description(client: ApiClient) -> None:
    created = client.new_list("old", description="gone after put")
    response = client.put(f"/lists/{created['id']}", {**created, "name": "new", "description": None})
    assert response.status == 200
    body = response.json()
    assert body["name"] == "new" and body["description"] is None
    assert body["id"] == created["id"] and body["createdDate"] == created["createdDate"]
    assert client.get(f"/lists/{created['id']}").json() == body


def test_list_writes_accept_and_ignore_the_items_a_todo_client_sends_back(client: ApiClient) -> None:
    created = client.post("/lists", {"name": "a", "items": [{"name": "milk"}]})
    assert created.status == 201 and "items" not in created.json()
    lid = created.json()["id"]
    item = client.new_item(lid)
    for method in ("PUT", "PATCH"):
        ctype = "application/merge-patch+json" if method == "PATCH" else "application/json"
        body = {**created.json(), "name": method, "items": [{"name": "bread"}, 3]}
        response = client.request(method, f"/lists/{lid}", body, content_type=ctype)
        assert response.status == 200 and response.json()["name"] == method, response.body
    assert [i["id"] for i in client.get(f"/lists/{lid}/items").json()] == [item["id"]]


def test_patch_list_applies_a_json_merge_patch(client: ApiClient) -> None:
    created = client.new_list("keep", description="drop me")
    response = client.patch(f"/lists/{created['id']}", {"description": None})
    assert response.status == 200
    assert response.json()["name"] == "keep" and response.json()["description"] is None


def test_delete_list_gives_204_then_404(client: ApiClient) -> None:
    created = client.new_list()
    assert client.delete(f"/lists/{created['id']}").status == 204
    missing = client.get(f"/lists/{created['id']}")
    assert missing.status == 404
    assert missing.header("Content-Type") == "application/problem+json"


def test_item_lifecycle(client: ApiClient) -> None:
    todo_list = client.new_list()
    lid = todo_list["id"]
    created = client.post(f"/lists/{lid}/items", {"name": "milk", "dueDate": "2026-12-01T09:00:00Z"})
    assert created.status == 201
    item = created.json()
    assert item["listId"] == lid and item["state"] == "todo" and item["dueDate"] == "2026-12-01T09:00:00Z"
    assert created.header("Location") == f"{client.base_url}/lists/{lid}/items/{item['id']}"
    assert client.get(f"/lists/{lid}/items/{item['id']}").json() == item
    assert [i["id"] for i in client.get(f"/lists/{lid}/items").json()] == [item["id"]]

    replaced = client.put(f"/lists/{lid}/items/{item['id']}", {**item, "name": "oat milk", "state": "inprogress"})
    assert replaced.status == 200 and replaced.json()["name"] == "oat milk"
    assert replaced.json()["state"] == "inprogress" and replaced.json()["dueDate"] == "2026-12-01T09:00:00Z"

    patched = client.patch(f"/lists/{lid}/items/{item['id']}", {"state": "done", "dueDate": None})
    assert patched.status == 200
    assert patched.json()["state"] == "done" and patched.json()["dueDate"] is None
    assert patched.json()["completedDate"] is not None

    assert client.delete(f"/lists/{lid}/items/{item['id']}").status == 204
    assert client.get(f"/lists/{lid}/items/{item['id']}").status == 404
    assert client.get(f"/lists/{lid}/items").json() == []


def test_item_in_missing_list_is_404(client: ApiClient) -> None:
    assert client.post(f"/lists/{NO_SUCH_ID}/items", {"name": "x"}).status == 404
    assert client.get(f"/lists/{NO_SUCH_ID}/items").status == 404


def test_items_by_state_lists_only_that_state(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    todo = client.new_item(lid, "a")
    done = client.new_item(lid, "b", state="done")
    response = client.get(f"/lists/{lid}/items/state/done")
    assert response.status == 200 and [i["id"] for i in response.json()] == [done["id"]]
    assert [i["id"] for i in client.get(f"/lists/{lid}/items/state/todo").json()] == [todo["id"]]
    assert client.get(f"/lists/{lid}/items/state/inprogress").json() == []


def test_put_state_sets_every_named_item_and_returns_them(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    ids = [client.new_item(lid, f"i{n}")["id"] for n in range(3)]
    response = client.put(f"/lists/{lid}/items/state/done", ids[:2])
    assert response.status == 200
    assert [(i["id"], i["state"]) for i in response.json()] == [(ids[0], "done"), (ids[1], "done")]
    assert response.header("Cache-Control") == "no-store"
    states = {i["id"]: i["state"] for i in client.get(f"/lists/{lid}/items").json()}
    assert states == {ids[0]: "done", ids[1]: "done", ids[2]: "todo"}


def test_put_state_reports_unknown_ids_and_changes_nothing(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    known = client.new_item(lid)["id"]
    response = client.put(f"/lists/{lid}/items/state/done", [known, NO_SUCH_ID])
    assert response.status == 404
    assert response.json()["unknownIds"] == [NO_SUCH_ID]
    assert client.get(f"/lists/{lid}/items/{known}").json()["state"] == "todo"


def test_another_owner_sees_nothing_and_gets_404_everywhere(client: ApiClient, other_client: ApiClient) -> None:
    lid = client.new_list()["id"]
    iid = client.new_item(lid)["id"]
    assert other_client.get("/lists").json() == []
    list_path, item_path = f"/lists/{lid}", f"/lists/{lid}/items/{iid}"
    assert other_client.get(list_path).status == 404
    assert other_client.put(list_path, {"name": "x"}).status == 404
    assert other_client.patch(list_path, {"name": "x"}).status == 404
    assert other_client.delete(list_path).status == 404
    assert other_client.get(f"{list_path}/items").status == 404
    assert other_client.post(f"{list_path}/items", {"name": "x"}).status == 404
    assert other_client.get(item_path).status == 404
    assert other_client.put(item_path, {"name": "x"}).status == 404
    assert other_client.patch(item_path, {"name": "x"}).status == 404
    assert other_client.delete(item_path).status == 404
    assert other_client.get(f"{list_path}/items/state/todo").status == 404
    assert other_client.put(f"{list_path}/items/state/done", [iid]).status == 404
    assert client.get(item_path).json()["name"] == "milk"
