"""A small HTTP/1.1 client that speaks to the API over a real socket (tests and benchmarks)."""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def storage_calls(self) -> int:
        """Storage round trips the server made for this request (from Server-Timing)."""
        timing = self.header("Server-Timing") or ""
        marker = 'storage;desc="'
        start = timing.index(marker) + len(marker)
        return int(timing[start:].split(" ", 1)[0])


class ApiClient:
    """Speaks HTTP/1.1 over a real socket; each client acts as one owner unless told otherwise."""

    def __init__(self, base_url: str, owner: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self.host, self.port, self.prefix = parts.hostname or "127.0.0.1", parts.port or 80, parts.path
        self.owner = owner if owner is not None else f"owner-{uuid.uuid4().hex[:12]}"

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> Response:
        all_headers = {"X-Todo-Owner": self.owner} if self.owner else {}
        payload: bytes | None = raw
        if body is not None:
            payload = json.dumps(body).encode()
        if payload is not None:
            all_headers["Content-Type"] = content_type
        all_headers.update(headers or {})
        target = path if path.startswith("http") else self.prefix + path
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, target, body=payload, headers=all_headers)
            answer = connection.getresponse()
            data = answer.read()
            return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
        finally:
            connection.close()

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        kwargs.setdefault("content_type", "application/merge-patch+json")
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def all_pages(self, path: str) -> list[Any]:
        """Every element of a collection, following Link rel="next" to the end."""
        values: list[Any] = []
        url: str | None = path
        while url:
            response = self.get(url)
            assert response.status == 200, response.body
            values += response.json()
            link = response.header("Link")
            url = link[1 : link.index(">")] if link else None
        return values

    def new_list(self, name: str = "groceries", **fields: Any) -> dict[str, Any]:
        response = self.post("/lists", {"name": name, **fields})
        assert response.status == 201, response.body
        created: dict[str, Any] = response.json()
        return created

    def new_item(self, list_id: str, name: str = "milk", **fields: Any) -> dict[str, Any]:
        response = self.post(f"/lists/{list_id}/items", {"name": name, **fields})
        assert response.status == 201, response.body
        created: dict[str, Any] = response.json()
        return created
