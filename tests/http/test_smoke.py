"""The local host serves the API over a real socket (the shortest end-to-end proof)."""

from tests.support import ApiClient


def test_created_list_can_be_read_back_over_http(client: ApiClient) -> None:
    created = client.new_list("chores")
    response = client.get(f"/lists/{created['id']}")
    assert response.status == 200
    assert response.json() == created
