"""Methods a route does not serve: 405 with Allow, and OPTIONS, for every route alike.

The real Functions host answers a method no function registered on a route with 404 (and HEAD
on a GET-only route too: azure-functions-host 10098, 11625), so each route also registers one
function that owns every other method."""

from __future__ import annotations

import re
from collections.abc import Iterable

import azure.functions as func

from shared.web.call import ApiCall
from shared.web.handler import Function, public_handler
from shared.web.headers import CACHE_NONE
from shared.web.problems import HttpProblem

NOT_AN_OPERATION = "_other_methods"  # suffix of the functions that only answer 405
ROUTABLE_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class _MethodNotAllowed(HttpProblem):
    def __init__(self, allow: str) -> None:
        super().__init__(405, "method-not-allowed", f"this resource supports {allow}")
        self.headers = {"Allow": allow}


def method_not_allowed(allowed: Iterable[str]) -> Function:
    """A function owning every method a route does not serve: 405 with Allow (the real host
    would answer 404), and OPTIONS answered with Allow."""
    allow = ", ".join([*allowed, "OPTIONS"])

    async def handler(call: ApiCall) -> func.HttpResponse:
        if call.method == "OPTIONS":
            return func.HttpResponse(status_code=204, headers={"Allow": allow, "Cache-Control": CACHE_NONE})
        raise _MethodNotAllowed(allow)

    return public_handler(handler)


def guard_other_methods(bp: func.Blueprint, route: str, served: Iterable[str], auth_level: func.AuthLevel) -> None:
    """Register, for one route, the function that owns every method the route does not serve.
    Its name ends in NOT_AN_OPERATION so the OpenAPI document and the gateway's route table
    leave it out."""
    served = list(served)
    others = [m for m in ROUTABLE_METHODS if m not in served]
    name = re.sub(r"[^a-z0-9]+", "_", route.lower()).strip("_") + NOT_AN_OPERATION
    bp.function_name(name)(bp.route(route=route, methods=others, auth_level=auth_level)(method_not_allowed(served)))
