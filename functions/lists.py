"""Todo lists: /lists and /lists/{listId}. Each function parses, calls the service, shapes."""

import azure.functions as func

from shared.domain.models import TodoList, TodoListPatch, TodoListWrite, sent_fields
from shared.domain.ports import Page
from shared.web.call import ApiCall, PageRequest
from shared.web.handler import api_handler
from shared.web.routes import guard_other_methods
from shared.wiring import get_service

bp = func.Blueprint()  # type: ignore[no-untyped-call]
# Anonymous at the Functions host: in Azure, App Service authentication in front of the app lets
# only the gateway's managed identity through, so no function key is shared with anyone.
AUTH = func.AuthLevel.ANONYMOUS
LISTS = "lists"
LIST = "lists/{listId}"


@bp.function_name("list_lists")
@bp.route(route=LISTS, methods=["GET", "HEAD"], auth_level=AUTH)
@api_handler
async def list_lists(call: ApiCall) -> func.HttpResponse:
    page_request = call.page_request("/lists")
    return call.collection(await _lists_page(call, page_request), page_request)


async def _lists_page(call: ApiCall, page: PageRequest) -> Page[TodoList]:
    return await get_service().list_lists(call.owner, page.after, page.top, page.skip)


@bp.function_name("create_list")
@bp.route(route=LISTS, methods=["POST"], auth_level=AUTH)
@api_handler
async def create_list(call: ApiCall) -> func.HttpResponse:
    data, idempotency = call.json_body(TodoListWrite), call.idempotency()  # a malformed request is 400 first
    await call.check_collection(lambda page: _lists_page(call, page), "/lists")
    created = await get_service().create_list(call.owner, data, idempotency)
    return call.created(created, f"/lists/{created.value.id}")


@bp.function_name("get_list")
@bp.route(route=LIST, methods=["GET", "HEAD"], auth_level=AUTH)
@api_handler
async def get_list(call: ApiCall) -> func.HttpResponse:
    return call.resource(await get_service().get_list(call.owner, call.path_id("listId")))


@bp.function_name("replace_list")
@bp.route(route=LIST, methods=["PUT"], auth_level=AUTH)
@api_handler
async def replace_list(call: ApiCall) -> func.HttpResponse:
    list_id = call.path_id("listId")
    data = call.json_body(TodoListWrite)
    return call.resource(await get_service().replace_list(call.owner, list_id, data, call.expectation()))


@bp.function_name("update_list")
@bp.route(route=LIST, methods=["PATCH"], auth_level=AUTH)
@api_handler
async def update_list(call: ApiCall) -> func.HttpResponse:
    list_id = call.path_id("listId")
    changes = sent_fields(call.merge_patch(TodoListPatch))
    return call.resource(await get_service().update_list(call.owner, list_id, changes, call.expectation()))


@bp.function_name("delete_list")
@bp.route(route=LIST, methods=["DELETE"], auth_level=AUTH)
@api_handler
async def delete_list(call: ApiCall) -> func.HttpResponse:
    await get_service().delete_list(call.owner, call.path_id("listId"), call.expectation())
    return call.no_content()


guard_other_methods(bp, LISTS, ["GET", "HEAD", "POST"], AUTH)
guard_other_methods(bp, LIST, ["GET", "HEAD", "PUT", "PATCH", "DELETE"], AUTH)
