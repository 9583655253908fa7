"""The peer: what users would pick instead of this API's own HTTP layer — FastAPI inside Azure
Functions through the ASGI bridge (func.AsgiFunctionApp), as Microsoft's Python Todo template
and its FastAPI-on-Functions-behind-API-Management sample do.

Same pydantic models, same service calls per verb (so the same storage work: GET item reads the
item and its list in parallel, POST item writes the same transaction, ...) and the same JSON.
Its storage client is built the way its users would build it, with the SDK's defaults except
use_env_settings=False (without it, proxy look-ups halve throughput, which would flatter us);
TODO_PEER_CLIENT=ours gives it our exact client instead, so the framework alone is compared.

Served by the project's local host like our app: `python -m devhost --project benchmarks/peer`.
Only the benchmarked routes exist; the benchmark never deploys it.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import azure.functions as func
from fastapi import FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse

import shared.storage.client
from shared.domain.errors import NotFound, PreconditionFailed, StorageUnavailable, TodoError, UnknownItems
from shared.domain.models import ItemState, TodoItem, TodoItemPatch, TodoItemWrite, sent_fields
from shared.service.preconditions import UNCONDITIONAL, Expectation
from shared.service.todos import TodoService
from shared.wiring import build_service


def _sdk_default_client(settings: Any) -> Any:
    """The table client as the SDK's documentation builds it: defaults everywhere but
    use_env_settings (see the module docstring)."""
    from azure.data.tables.aio import TableClient

    return TableClient.from_connection_string(
        settings.storage_connection_string, settings.table_name, use_env_settings=False
    )


def use_sdk_default_client() -> None:
    """Route the service's storage calls through a default-built client (the peer as its users
    would run it) instead of shared.storage.client's tuned one."""
    shared.storage.client._build_table_client = _sdk_default_client
    shared.storage.client.forget_table_client()


if os.environ.get("TODO_PEER_CLIENT", "sdk-defaults") != "ours":
    use_sdk_default_client()

api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
Owner = Annotated[str, Header(alias="X-Todo-Owner")]
ITEM = "/api/lists/{list_id}/items/{item_id}"
_service: TodoService | None = None
STATUS = {NotFound: 404, PreconditionFailed: 412, UnknownItems: 422, StorageUnavailable: 503}


def service() -> TodoService:
    global _service
    if _service is None:
        _service = build_service()
    return _service


def expectation(if_match: str | None) -> Expectation:
    if if_match is None:
        return UNCONDITIONAL
    if if_match.strip() == "*":
        return Expectation(any_version=True)
    return Expectation(versions=frozenset(tag.strip().strip('"') for tag in if_match.split(",")))


@api.exception_handler(TodoError)
async def problem(_: Request, exc: Exception) -> JSONResponse:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    body = {"status": status, "detail": getattr(exc, "detail", str(exc))}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


@api.get(ITEM, response_model=TodoItem)
async def get_item(list_id: str, item_id: str, owner: Owner) -> TodoItem:
    return await service().get_item(owner, list_id, item_id)


@api.get("/api/lists/{list_id}/items", response_model=list[TodoItem])
async def list_items(list_id: str, owner: Owner, top: int = 50) -> list[TodoItem]:
    return (await service().list_items(owner, list_id, None, None, top, 0)).values


@api.post("/api/lists/{list_id}/items", response_model=TodoItem, status_code=201)
async def create_item(list_id: str, data: TodoItemWrite, owner: Owner) -> TodoItem:
    return (await service().create_item(owner, list_id, data, None)).value


@api.patch(ITEM, response_model=TodoItem)
async def update_item(
    list_id: str, item_id: str, patch: TodoItemPatch, owner: Owner, if_match: Annotated[str | None, Header()] = None
) -> TodoItem:
    return await service().update_item(owner, list_id, item_id, sent_fields(patch), expectation(if_match))


@api.put("/api/lists/{list_id}/items/state/{state}", response_model=list[TodoItem])
async def set_items_state(list_id: str, state: ItemState, item_ids: list[str], owner: Owner) -> list[TodoItem]:
    return await service().set_items_state(owner, list_id, state, item_ids)


@api.delete(ITEM, status_code=204)
async def delete_item(
    list_id: str, item_id: str, owner: Owner, if_match: Annotated[str | None, Header()] = None
) -> Response:
    await service().delete_item(owner, list_id, item_id, expectation(if_match))
    return Response(status_code=204)


app = func.AsgiFunctionApp(app=api, http_auth_level=func.AuthLevel.ANONYMOUS)
