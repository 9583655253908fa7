"""The caller's data import: POST /me/import takes newline-delimited JSON lines (the lists and
items an export wrote) and recreates them under the caller, all or nothing (docs/data-import.md)."""

import azure.functions as func

from shared.domain.import_lines import parse_lines
from shared.web.call import ApiCall
from shared.web.handler import api_handler
from shared.web.routes import guard_other_methods
from shared.wiring import get_import_service

bp = func.Blueprint()  # type: ignore[no-untyped-call]
# Anonymous at the Functions host: in Azure, App Service authentication in front of the app lets
# only the gateway's managed identity through, so no function key is shared with anyone.
AUTH = func.AuthLevel.ANONYMOUS
IMPORT = "me/import"


@bp.function_name("import_data")
@bp.route(route=IMPORT, methods=["POST"], auth_level=AUTH)
@api_handler
async def import_data(call: ApiCall) -> func.HttpResponse:
    body, idempotency = call.ndjson_body(), call.required_idempotency()  # a malformed request is 4xx first
    imported = await get_import_service().import_lines(call.owner, parse_lines(body), idempotency)
    return call.outcome(imported.body, imported.replayed)


guard_other_methods(bp, IMPORT, ["POST"], AUTH)
