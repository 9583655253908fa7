"""The FastAPI peer the benchmark compares us with answers the benchmarked verbs with our JSON,
so the comparison is of frameworks doing the same work, not of different answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.hosts import PeerHost
from tests.support import ApiClient, Azurite, LocalHost, host_env


@pytest.fixture(scope="module")
def peer(azurite: Azurite) -> Iterator[LocalHost]:
    host = PeerHost(host_env(azurite)).start()
    yield host
    host.stop()


def test_the_peer_returns_our_json_for_each_benchmarked_verb(client: ApiClient, peer: LocalHost) -> None:
    other = ApiClient(peer.base_url, owner=client.owner)
    list_id = client.new_list()["id"]
    item = client.new_item(list_id)
    path = f"/lists/{list_id}/items/{item['id']}"
    assert other.get(path).json() == client.get(path).json() == item
    assert other.get(f"/lists/{list_id}/items?top=100").json() == client.get(f"/lists/{list_id}/items?top=100").json()
    created = other.post(f"/lists/{list_id}/items", {"name": "from the peer"})
    assert created.status == 201
    assert client.get(f"/lists/{list_id}/items/{created.json()['id']}").json() == created.json()
    renamed = other.patch(path, {"name": "renamed"}, headers={"If-Match": "*"})
    assert renamed.status == 200 and renamed.json() == client.get(path).json()
    done = other.put(f"/lists/{list_id}/items/state/done", [item["id"]])
    assert done.status == 200 and done.json() == [client.get(path).json()]
    assert other.delete(path).status == 204 and client.get(path).status == 404
    assert other.get(path).status == 404
