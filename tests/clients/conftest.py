"""Where the client suite runs: the local host on Azurite (the default), or a deployed API.

    TODO_CLIENT_BASE_URL=https://<gateway>/todo TODO_CLIENT_TOKEN=<access token> \\
        .venv/bin/python -m pytest tests/clients/test_python_client.py

A token is sent as `Authorization: Bearer`; TODO_CLIENT_SUBSCRIPTION_KEY is sent as
`Ocp-Apim-Subscription-Key`. Against the local host every test is a new owner (X-Todo-Owner);
behind the gateway the owner comes from the token, and every test works in lists of its own.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

import pytest
from todo_client import AsyncTodo, Todo


@dataclass(frozen=True)
class Target:
    base_url: str
    token: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    local: bool = True

    def owner_headers(self) -> dict[str, str]:
        return {**self.headers, "X-Todo-Owner": f"client-{uuid.uuid4().hex[:12]}"} if self.local else self.headers


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    deployed = os.environ.get("TODO_CLIENT_BASE_URL")
    if deployed:
        key = os.environ.get("TODO_CLIENT_SUBSCRIPTION_KEY")
        headers = {"Ocp-Apim-Subscription-Key": key} if key else {}
        return Target(deployed, os.environ.get("TODO_CLIENT_TOKEN"), headers, local=False)
    return Target(request.getfixturevalue("api_host").base_url)


@pytest.fixture
def todo(target: Target) -> Todo:
    return Todo(target.base_url, token=target.token, headers=target.owner_headers())


@pytest.fixture
def atodo(target: Target) -> AsyncTodo:
    return AsyncTodo(target.base_url, token=target.token, headers=target.owner_headers())
