"""The caller's own data as a whole: /me/export (every list and item as NDJSON, paged) and
/me (DELETE erases everything the caller owns). Each function parses, calls the use case, shapes."""

import azure.functions as func

from shared.web.call import ApiCall
from shared.web.handler import api_handler
from shared.web.routes import guard_other_methods
from shared.wiring import get_owner_data

bp = func.Blueprint()  # type: ignore[no-untyped-call]
# Anonymous at the Functions host: in Azure, App Service authentication in front of the app lets
# only the gateway's managed identity through, so no function key is shared with anyone.
AUTH = func.AuthLevel.ANONYMOUS
EXPORT = "me/export"
ME = "me"


@bp.function_name("export_owner_data")
@bp.route(route=EXPORT, methods=["GET", "HEAD"], auth_level=AUTH)
@api_handler
async def export_owner_data(call: ApiCall) -> func.HttpResponse:
    request = call.stream_request("/me/export")
    return call.stream(await get_owner_data().export_page(call.owner, request.after, request.top), request)


@bp.function_name("erase_owner_data")
@bp.route(route=ME, methods=["DELETE"], auth_level=AUTH)
@api_handler
async def erase_owner_data(call: ApiCall) -> func.HttpResponse:
    await get_owner_data().erase(call.owner)
    return call.no_content()


guard_other_methods(bp, EXPORT, ["GET", "HEAD"], AUTH)
guard_other_methods(bp, ME, ["DELETE"], AUTH)
