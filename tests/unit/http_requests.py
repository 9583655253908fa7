"""Requests and settings for in-process tests of shared/web: the same func.HttpRequest the worker
builds, so the HTTP rules run in the test's own process (where mutation testing can see them)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import azure.functions as func

from shared.platform.settings import Settings, get_settings
from shared.web.call import ApiCall

BASE = "http://localhost:7071/api"


def settings(**changes: Any) -> Settings:
    """The settings of a plain local run, with the values these tests rely on fixed."""
    fixed: dict[str, Any] = {
        "owner_header_required": False,
        "default_owner": "local-developer",
        "public_base_url": None,
        "trusted_proxy": False,
        "cursor_key": b"k" * 32,
        "max_body_bytes": 100,
        "storage_timeout_seconds": 5.0,
        "server_timing": False,
        "trusted_caller_id": None,
        "caller_token": None,
        "configuration_fault": None,
    }
    return dataclasses.replace(get_settings(), **{**fixed, **changes})


def request(
    method: str = "GET",
    path: str = "/lists",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    params: dict[str, str] | None = None,
    route_params: dict[str, str] | None = None,
) -> func.HttpRequest:
    return func.HttpRequest(
        method, BASE + path, headers=headers or {}, params=params or {}, route_params=route_params or {}, body=body
    )


def call(req: func.HttpRequest | None = None, needs_owner: bool = True, **changes: Any) -> ApiCall:
    return ApiCall(req or request(), settings(**changes), "request-1", needs_owner)


def problem(response: func.HttpResponse) -> dict[str, Any]:
    assert response.mimetype == "application/problem+json", response.mimetype
    document: dict[str, Any] = json.loads(response.get_body())
    assert document["status"] == response.status_code
    return document
