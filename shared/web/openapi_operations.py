"""What the OpenAPI document says of each registered function beyond its route and methods:
one entry per function name, written with keywords so each says what it means."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from shared.domain.exchange import MEDIA_TYPE as NDJSON
from shared.domain.models import TodoItem, TodoItemPatch, TodoItemWrite, TodoList, TodoListPatch, TodoListWrite


@dataclass(frozen=True, kw_only=True)
class Operation:
    """What the document says of one registered function, beyond its route and methods."""

    operation_id: str
    summary: str
    tag: str
    kind: str  # resource | collection | stream | created | no-content | values | page | document | outcome
    model: type[BaseModel] | None = None
    body: type[BaseModel] | str | None = None  # a model, "ids", "ndjson" or None
    conditional: bool = False
    idempotent_create: bool = False
    idempotency_required: bool = False  # Idempotency-Key must be sent (400 without)
    errors: tuple[int, ...] = ()
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    media_type: str = "application/json"


# OpenAPI Link Objects from a created resource to what can be done with it. Plain data, pinned by
# tests/unit/test_openapi_contract.py (built at import, so no helper call here that tests could vary).
_LIST_ID = {"listId": "$response.body#/id"}
_ITEM_IDS = {"listId": "$response.body#/listId", "itemId": "$response.body#/id"}
LIST_LINKS = {
    "GetList": {"operationId": "getList", "parameters": _LIST_ID},
    "UpdateList": {"operationId": "updateList", "parameters": _LIST_ID},
    "DeleteList": {"operationId": "deleteList", "parameters": _LIST_ID},
    "CreateItem": {"operationId": "createItem", "parameters": _LIST_ID},
    "ListItems": {"operationId": "listItems", "parameters": _LIST_ID},
}
ITEM_LINKS = {
    "GetItem": {"operationId": "getItem", "parameters": _ITEM_IDS},
    "UpdateItem": {"operationId": "updateItem", "parameters": _ITEM_IDS},
    "DeleteItem": {"operationId": "deleteItem", "parameters": _ITEM_IDS},
}
READ_ERRORS = (400, 404, 412, 503)
WRITE_ERRORS = (400, 404, 411, 412, 413, 415, 422, 503)

OPERATIONS: dict[str, Operation] = {
    "list_lists": Operation(
        operation_id="listLists",
        summary="List the caller's lists, oldest first",
        tag="lists",
        kind="collection",
        model=TodoList,
        errors=(400, 412, 503),
    ),
    "create_list": Operation(
        operation_id="createList",
        summary="Create a list",
        tag="lists",
        kind="created",
        model=TodoList,
        body=TodoListWrite,
        conditional=True,
        idempotent_create=True,
        errors=(400, 411, 412, 413, 415, 422, 503),
        links=LIST_LINKS,
    ),
    "get_list": Operation(
        operation_id="getList",
        summary="Read a list",
        tag="lists",
        kind="resource",
        model=TodoList,
        errors=READ_ERRORS,
    ),
    "replace_list": Operation(
        operation_id="replaceList",
        summary="Replace a list's name and description",
        tag="lists",
        kind="resource",
        model=TodoList,
        body=TodoListWrite,
        conditional=True,
        errors=WRITE_ERRORS,
    ),
    "update_list": Operation(
        operation_id="updateList",
        summary="Change a list with a JSON Merge Patch",
        tag="lists",
        kind="resource",
        model=TodoList,
        body=TodoListPatch,
        conditional=True,
        errors=WRITE_ERRORS,
    ),
    "delete_list": Operation(
        operation_id="deleteList",
        summary="Delete a list and all its items",
        tag="lists",
        kind="no-content",
        conditional=True,
        errors=(400, 404, 412, 503),
    ),
    "list_items": Operation(
        operation_id="listItems",
        summary="List a list's items, oldest first",
        tag="items",
        kind="collection",
        model=TodoItem,
        errors=READ_ERRORS,
    ),
    "create_item": Operation(
        operation_id="createItem",
        summary="Add an item to a list",
        tag="items",
        kind="created",
        model=TodoItem,
        body=TodoItemWrite,
        conditional=True,
        idempotent_create=True,
        errors=(400, 404, 411, 412, 413, 415, 422, 503),
        links=ITEM_LINKS,
    ),
    "get_item": Operation(
        operation_id="getItem",
        summary="Read an item",
        tag="items",
        kind="resource",
        model=TodoItem,
        errors=READ_ERRORS,
    ),
    "replace_item": Operation(
        operation_id="replaceItem",
        summary="Replace an item",
        tag="items",
        kind="resource",
        model=TodoItem,
        body=TodoItemWrite,
        conditional=True,
        errors=WRITE_ERRORS,
    ),
    "update_item": Operation(
        operation_id="updateItem",
        summary="Change an item with a JSON Merge Patch",
        tag="items",
        kind="resource",
        model=TodoItem,
        body=TodoItemPatch,
        conditional=True,
        errors=WRITE_ERRORS,
    ),
    "delete_item": Operation(
        operation_id="deleteItem",
        summary="Delete an item",
        tag="items",
        kind="no-content",
        conditional=True,
        errors=(400, 404, 412, 503),
    ),
    "list_items_by_state": Operation(
        operation_id="listItemsByState",
        summary="List a list's items in one state",
        tag="items",
        kind="collection",
        model=TodoItem,
        errors=READ_ERRORS,
    ),
    "set_items_state": Operation(
        operation_id="setItemsState",
        summary="Set the state of several items at once (all or nothing)",
        tag="items",
        kind="values",
        model=TodoItem,
        body="ids",
        errors=(400, 404, 411, 413, 415, 422, 503),
    ),
    "export_owner_data": Operation(
        operation_id="exportOwnerData",
        summary="Export the caller's lists and items as NDJSON, a page of lines at a time",
        tag="me",
        kind="stream",
        media_type=NDJSON,
        errors=(400, 412, 503),
    ),
    "erase_owner_data": Operation(
        operation_id="eraseOwnerData",
        summary="Erase everything the caller owns: lists, items and idempotency records",
        tag="me",
        kind="no-content",
        errors=(400, 503),
    ),
    "import_data": Operation(
        operation_id="importData",
        summary="Import lists and items (an export's NDJSON lines) with their ids and dates, all or nothing",
        tag="me",
        kind="outcome",
        body="ndjson",
        idempotency_required=True,
        errors=(400, 409, 411, 413, 415, 422, 503),
    ),
    "get_openapi": Operation(
        operation_id="getOpenApi",
        summary="This OpenAPI document",
        tag="meta",
        kind="document",
    ),
    "get_docs": Operation(
        operation_id="getDocs",
        summary="Interactive API documentation",
        tag="meta",
        kind="document",
        media_type="text/html",
    ),
    "get_app": Operation(
        operation_id="getApp",
        summary="A small web client for this API",
        tag="meta",
        kind="document",
        media_type="text/html",
    ),
    "get_asset": Operation(
        operation_id="getAsset",
        summary="Static files of the docs page and the web client",
        tag="meta",
        kind="document",
        media_type="application/octet-stream",
        errors=(404,),
    ),
}
