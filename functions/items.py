"""Todo items: /lists/{listId}/items, /items/{itemId} and /items/state/{state}."""

import azure.functions as func

from shared.domain.models import ItemState, TodoItem, TodoItemPatch, TodoItemWrite, sent_fields
from shared.domain.ports import Page
from shared.service.todos import MAX_BATCH_IDS
from shared.web.call import ApiCall, PageRequest
from shared.web.handler import api_handler
from shared.web.routes import guard_other_methods
from shared.wiring import get_service

bp = func.Blueprint()  # type: ignore[no-untyped-call]
# Anonymous at the Functions host: in Azure, App Service authentication in front of the app lets
# only the gateway's managed identity through, so no function key is shared with anyone.
AUTH = func.AuthLevel.ANONYMOUS
ITEMS = "lists/{listId}/items"
ITEM = "lists/{listId}/items/{itemId}"
BY_STATE = "lists/{listId}/items/state/{state}"


async def _items_page(call: ApiCall, list_id: str, state: ItemState | None, page: PageRequest) -> Page[TodoItem]:
    """One page of a list's items (all, or those in one state): both routes page alike."""
    return await get_service().list_items(call.owner, list_id, state, page.after, page.top, page.skip)


async def _items_collection(call: ApiCall, list_id: str, state: ItemState | None) -> func.HttpResponse:
    page_request = call.page_request(f"/lists/{list_id}/items" + (f"/state/{state.value}" if state else ""))
    return call.collection(await _items_page(call, list_id, state, page_request), page_request)


@bp.function_name("list_items")
@bp.route(route=ITEMS, methods=["GET", "HEAD"], auth_level=AUTH)
@api_handler
async def list_items(call: ApiCall) -> func.HttpResponse:
    return await _items_collection(call, call.path_id("listId"), None)


@bp.function_name("create_item")
@bp.route(route=ITEMS, methods=["POST"], auth_level=AUTH)
@api_handler
async def create_item(call: ApiCall) -> func.HttpResponse:
    list_id = call.path_id("listId")
    data, idempotency = call.json_body(TodoItemWrite), call.idempotency()  # a malformed request is 400 first
    await call.check_collection(lambda page: _items_page(call, list_id, None, page), f"/lists/{list_id}/items")
    created = await get_service().create_item(call.owner, list_id, data, idempotency)
    return call.created(created, f"/lists/{list_id}/items/{created.value.id}")


@bp.function_name("get_item")
@bp.route(route=ITEM, methods=["GET", "HEAD"], auth_level=AUTH)
@api_handler
async def get_item(call: ApiCall) -> func.HttpResponse:
    item = await get_service().get_item(call.owner, call.path_id("listId"), call.path_id("itemId"))
    return call.resource(item)


@bp.function_name("replace_item")
@bp.route(route=ITEM, methods=["PUT"], auth_level=AUTH)
@api_handler
async def replace_item(call: ApiCall) -> func.HttpResponse:
    list_id, item_id = call.path_id("listId"), call.path_id("itemId")
    data = call.json_body(TodoItemWrite)
    return call.resource(await get_service().replace_item(call.owner, list_id, item_id, data, call.expectation()))


@bp.function_name("update_item")
@bp.route(route=ITEM, methods=["PATCH"], auth_level=AUTH)
@api_handler
async def update_item(call: ApiCall) -> func.HttpResponse:
    list_id, item_id = call.path_id("listId"), call.path_id("itemId")
    changes = sent_fields(call.merge_patch(TodoItemPatch))
    return call.resource(await get_service().update_item(call.owner, list_id, item_id, changes, call.expectation()))


@bp.function_name("delete_item")
@bp.route(route=ITEM, methods=["DELETE"], auth_level=AUTH)
@api_handler
async def delete_item(call: ApiCall) -> func.HttpResponse:
    await get_service().delete_item(call.owner, call.path_id("listId"), call.path_id("itemId"), call.expectation())
    return call.no_content()


@bp.function_name("list_items_by_state")
@bp.route(route=BY_STATE, methods=["GET", "HEAD"], auth_level=AUTH)
@api_handler
async def list_items_by_state(call: ApiCall) -> func.HttpResponse:
    return await _items_collection(call, call.path_id("listId"), call.path_state())


@bp.function_name("set_items_state")
@bp.route(route=BY_STATE, methods=["PUT"], auth_level=AUTH)
@api_handler
async def set_items_state(call: ApiCall) -> func.HttpResponse:
    list_id, state = call.path_id("listId"), call.path_state()
    item_ids = call.json_id_list(MAX_BATCH_IDS)
    items = await get_service().set_items_state(call.owner, list_id, state, item_ids)
    return call.values(items)


guard_other_methods(bp, ITEMS, ["GET", "HEAD", "POST"], AUTH)
guard_other_methods(bp, ITEM, ["GET", "HEAD", "PUT", "PATCH", "DELETE"], AUTH)
guard_other_methods(bp, BY_STATE, ["GET", "HEAD", "PUT"], AUTH)
