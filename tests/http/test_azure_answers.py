"""The API answers the same on the local host as through the Functions worker: the headers a
client receives are exactly those the azure-functions library's HttpResponseConverter (what the
worker runs) makes of the app's response; 304s carry the representation's own type; a body the
host cannot forward (chunked, no Content-Length) is a 411 problem, not a parse error."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func
import pytest
from azure.functions.http import HttpResponseConverter

from shared.platform.settings import reset_settings_cache
from shared.storage.client import close_table_client, forget_table_client
from tests.support import ApiClient, Azurite, Response

# Written by the HTTP server (Kestrel in Azure, aiohttp here), not by the worker's converter.
TRANSPORT_HEADERS = {"date", "server", "content-length", "transfer-encoding", "connection", "keep-alive"}
NO_SUCH_ID = "0" * 32


@pytest.fixture(scope="module")
async def in_process(azurite: Azurite) -> AsyncIterator[dict[str, Any]]:
    """The app's functions by name, run in this process on the local host's storage and settings."""
    patcher = pytest.MonkeyPatch()
    for name, value in {
        "TODO_STORAGE": azurite.connection_string,
        "TODO_TABLE_NAME": "todo",
        "TODO_SERVER_TIMING": "true",
        "TODO_OWNER_HEADER_REQUIRED": "false",
    }.items():
        patcher.setenv(name, value)
    reset_settings_cache()
    forget_table_client()
    import function_app

    app = function_app.app
    app.functions_bindings = None
    yield {str(f.get_function_name()): f.get_user_function() for f in app.get_functions()}
    await close_table_client()
    patcher.undo()
    reset_settings_cache()
    forget_table_client()


def _func_request(client: ApiClient, method: str, path: str, headers: dict[str, str], body: bytes) -> func.HttpRequest:
    """The request as the host would hand it to the worker (lowercased names, no Date etc.)."""
    url = f"http://{client.host}:{client.port}{client.prefix}{path}"
    query = dict(parse_qsl(urlsplit(url).query))
    all_headers = {"host": f"{client.host}:{client.port}", "x-todo-owner": client.owner}
    all_headers |= {k.lower(): v for k, v in headers.items()}
    return func.HttpRequest(method, url, headers=all_headers, params=query, route_params={}, body=body)


async def _converted(
    functions: dict[str, Any], name: str, request: func.HttpRequest, **route: str
) -> tuple[int, dict[str, str]]:
    routed = func.HttpRequest(
        request.method,
        request.url,
        headers=dict(request.headers),
        params=dict(request.params),
        route_params=route,
        body=request.get_body(),
    )
    response = await functions[name](routed)
    datum = HttpResponseConverter.encode(response, expected_type=func.HttpResponse)
    return response.status_code, {k.lower(): str(v.value) for k, v in datum.value["headers"].items()}


def _wire(response: Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in TRANSPORT_HEADERS}


def _comparable(headers: dict[str, str]) -> dict[str, str]:
    """Durations and call counts differ between two runs (a cold client checks its table first);
    every other value must be equal."""
    timing = headers.get("server-timing")
    if timing is not None:
        headers = {**headers, "server-timing": re.sub(r"[0-9.]+", "N", timing)}
    return headers


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


async def test_every_kind_of_answer_carries_exactly_the_converters_headers(
    client: ApiClient, in_process: dict[str, Any]
) -> None:
    lid = client.new_list()["id"]
    items = [client.new_item(lid)["id"] for _ in range(2)]
    etag = client.get(f"/lists/{lid}").header("ETag") or ""
    document_etag = client.get("/openapi.json").header("ETag") or ""
    json_body = {"content-type": "application/json", "x-request-id": "same-id"}
    cases: list[tuple[str, str, str, dict[str, str], bytes, dict[str, str]]] = [
        ("get_list", "GET", f"/lists/{lid}", {}, b"", {"listId": lid}),
        ("get_list", "GET", f"/lists/{lid}", {"If-None-Match": etag}, b"", {"listId": lid}),
        ("get_list", "GET", f"/lists/{lid}", {"If-Match": '"stale"'}, b"", {"listId": lid}),
        ("get_list", "GET", f"/lists/{NO_SUCH_ID}", {}, b"", {"listId": NO_SUCH_ID}),
        ("get_openapi", "GET", "/openapi.json", {"If-None-Match": document_etag}, b"", {}),
        ("lists_other_methods", "PUT", "/lists", {}, b"", {}),
        ("lists_other_methods", "OPTIONS", "/lists", {}, b"", {}),
        ("list_lists", "GET", "/lists?top=0", {}, b"", {}),
    ]
    statuses = set()
    for name, method, path, headers, body, route in cases:
        headers = {"X-Request-Id": "same-id", **headers}
        wire = client.request(method, path, headers=headers, raw=body or None)
        request = _func_request(client, method, path, headers, body)
        status, converted = await _converted(in_process, name, request, **route)
        assert wire.status == status, (method, path, wire.body)
        assert _comparable(_wire(wire)) == _comparable(converted), (method, path)
        statuses.add(status)
    # A create and a delete change state, so each side acts on its own resource.
    created = client.post("/lists", {"name": "a"}, headers={"X-Request-Id": "same-id"})
    request = _func_request(client, "POST", "/lists", json_body | {"content-length": "13"}, b'{"name": "a"}')
    status, converted = await _converted(in_process, "create_list", request)
    assert created.status == status == 201
    unique = {"etag", "location"}
    assert _comparable(_wire(created)).keys() == converted.keys()
    assert {k: v for k, v in _comparable(_wire(created)).items() if k not in unique} == {
        k: v for k, v in _comparable(converted).items() if k not in unique
    }
    deleted = client.delete(f"/lists/{lid}/items/{items[0]}", headers={"X-Request-Id": "same-id"})
    request = _func_request(client, "DELETE", f"/lists/{lid}/items/{items[1]}", {"x-request-id": "same-id"}, b"")
    status, converted = await _converted(in_process, "delete_item", request, listId=lid, itemId=items[1])
    assert deleted.status == status == 204
    assert _comparable(_wire(deleted)) == _comparable(converted)
    assert statuses >= {200, 204, 304, 400, 404, 405, 412}


def test_json_goes_out_without_a_charset_as_in_azure(client: ApiClient) -> None:
    lid = client.new_list()["id"]
    assert client.get(f"/lists/{lid}").header("Content-Type") == "application/json"
    assert client.get(f"/lists/{NO_SUCH_ID}").header("Content-Type") == "application/problem+json"
    assert client.get("/docs").header("Content-Type") == "text/html; charset=utf-8"


def test_a_304_carries_the_representations_own_content_type(client: ApiClient) -> None:
    for path in (f"/lists/{client.new_list()['id']}", "/lists", "/openapi.json", "/docs"):
        full = client.get(path)
        again = client.get(path, headers={"If-None-Match": full.header("ETag") or ""})
        assert again.status == 304, path
        assert again.header("Content-Type") == full.header("Content-Type"), path


def _chunked(client: ApiClient, method: str, path: str, chunks: list[bytes], content_type: str) -> Response:
    connection = http.client.HTTPConnection(client.host, client.port, timeout=30)
    try:
        headers = {"X-Todo-Owner": client.owner, "Content-Type": content_type}
        connection.request(method, client.prefix + path, body=iter(chunks), headers=headers, encode_chunked=True)
        answer = connection.getresponse()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/lists", [b'{"name":', b'"chunked"}']),
        ("PUT", "/lists/{lid}", [b'{"name":"x"}']),
        ("POST", "/lists/{lid}/items", [b'{"name":"milk"}']),
    ],
)
def test_a_chunked_body_gets_411_saying_to_send_content_length(
    client: ApiClient, method: str, path: str, body: list[bytes]
) -> None:
    lid = client.new_list()["id"]
    response = _chunked(client, method, path.format(lid=lid), body, "application/json")
    assert response.status == 411, response.body
    assert response.header("Content-Type") == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith(":length-required") and "Content-Length" in problem["detail"]
    assert client.get(f"/lists/{lid}").json()["name"] == "groceries"  # nothing was written


def test_a_write_without_any_body_or_length_gets_411_but_an_empty_declared_body_is_a_400(client: ApiClient) -> None:
    connection = http.client.HTTPConnection(client.host, client.port, timeout=30)
    try:
        connection.putrequest("POST", client.prefix + "/lists")
        connection.putheader("X-Todo-Owner", client.owner)
        connection.putheader("Content-Type", "application/json")
        connection.endheaders()
        assert connection.getresponse().status == 411
    finally:
        connection.close()
    assert client.post("/lists", raw=b"").status == 400


def test_server_timing_metrics_carry_a_duration_and_a_description(client: ApiClient) -> None:
    timing = client.get("/lists").header("Server-Timing") or ""
    # W3C Server Timing: metric *( ";" param ), param = name "=" token / quoted-string.
    metric = re.compile(r'^[A-Za-z0-9_-]+(;(dur=[0-9]+(\.[0-9]+)?|desc="[^"]*"))+$')
    metrics = [m.strip() for m in timing.split(",")]
    assert [m.split(";")[0] for m in metrics] == ["app", "storage"]
    for entry in metrics:
        assert metric.fullmatch(entry), entry
        assert ";dur=" in entry and ';desc="' in entry, entry
