"""Drive the real Python worker (azure-functions-runtime, Python 3.13+) in-process, as the
Functions host drives it, on this project's function_app.py. Run by tests/worker under the
interpreter of .venv-worker313; never imported by the 3.11 suite.

Why in-process: the worker's host-facing entry points (`handle_event.worker_init_request`,
`functions_metadata_request`, `invocation_request`) take the host's messages as objects, so the
judge needs neither gRPC nor the .proto files; the small message classes below stand in for the
generated ones (keyword records with `WhichOneof`, as protobuf messages behave).

Protocol (JSON lines): stdout's first line describes the indexed functions, or the indexing
failure; then each stdin line is one invocation (function id and the request already converted
the way the host delivers it) and gets one stdout line with the worker's answer. Everything else
the worker or the app prints goes to stderr, so it can never corrupt the protocol.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import logging
import os
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any


class _Message:
    """A protobuf-like record: fields by keyword, unset oneof members are None."""

    ONEOF: tuple[str, ...] = ()

    def __init__(self, **fields: Any) -> None:
        for name in self.ONEOF:
            setattr(self, name, None)
        for name, value in fields.items():
            setattr(self, name, value)

    def WhichOneof(self, _group: str) -> str | None:
        return next((name for name in self.ONEOF if getattr(self, name) is not None), None)


class TypedData(_Message):
    ONEOF = (
        "string", "json", "bytes", "stream", "http", "int", "double", "collection_bytes", "collection_string",
        "collection_double", "collection_sint64", "model_binding_data", "collection_model_binding_data",
    )  # fmt: skip


class ParameterBinding(_Message):
    ONEOF = ("data", "rpc_shared_memory")


class BindingInfo(_Message):
    # Enum values as in the host's protocol (BindingInfo.Direction and BindingInfo.DataType).
    out = 1
    inout = 2
    undefined = 0
    string = 1
    binary = 2
    stream = 3


class StatusResult(_Message):
    Failure = 0
    Success = 1
    Cancelled = 2


class RpcHttpCookie(_Message):
    SameSite = SimpleNamespace(Lax=1, Strict=2, ExplicitNone=3, **{"None": 0})


def _protos() -> SimpleNamespace:
    plain = (
        "WorkerInitResponse", "FunctionMetadataResponse", "FunctionLoadResponse", "FunctionEnvironmentReloadResponse",
        "RpcFunctionMetadata", "InvocationResponse", "RpcHttp", "RpcException", "WorkerMetadata", "RpcRetryOptions",
        "NullableBool", "NullableDouble", "NullableString", "NullableTimestamp", "RpcTraceContext", "RetryContext",
    )  # fmt: skip
    classes: dict[str, type] = {name: type(name, (_Message,), {}) for name in plain}
    classes.update(
        TypedData=TypedData,
        ParameterBinding=ParameterBinding,
        BindingInfo=BindingInfo,
        StatusResult=StatusResult,
        RpcHttpCookie=RpcHttpCookie,
    )
    return SimpleNamespace(**classes)


PROTOS = _protos()


def _event(**request: Any) -> SimpleNamespace:
    return SimpleNamespace(request=SimpleNamespace(**request), properties={"protos": PROTOS, "host": "127.0.0.1"})


def _failure(result: Any) -> str | None:
    if result.status == StatusResult.Success:
        return None
    exception = getattr(result, "exception", None)
    return f"{getattr(exception, 'message', '')}\n{getattr(exception, 'stack_trace', '')}"


def _describe(metadata: Any) -> dict[str, Any]:
    trigger = next(
        (b for b in (json.loads(raw) for raw in metadata.raw_bindings) if b.get("type") == "httpTrigger"), None
    )
    return {
        "name": metadata.name,
        "function_id": metadata.function_id,
        "binding": None if trigger is None else trigger.get("name"),
        # An HTTP function without a route answers on its name, as the host routes it.
        "route": None if trigger is None else trigger.get("route") or metadata.name,
        "methods": None if trigger is None else trigger.get("methods"),
        "auth_level": None if trigger is None else str(trigger.get("authLevel")),
    }


async def _invoke(handle_event: Any, message: dict[str, Any]) -> dict[str, Any]:
    body = message["body"]
    http = PROTOS.RpcHttp(
        method=message["method"],
        url=message["url"],
        headers=message["headers"],
        query=message["query"],
        params=message["params"],
        # The host forwards no body when Content-Length is absent or 0: an unset TypedData.
        body=TypedData() if body is None else TypedData(bytes=base64.b64decode(body)),
    )
    invocation = SimpleNamespace(
        function_id=message["function_id"],
        invocation_id=str(uuid.uuid4()),
        input_data=[ParameterBinding(name=message["binding"], data=TypedData(http=http))],
        trigger_metadata={},
        trace_context=SimpleNamespace(trace_parent="", trace_state="", attributes={}),
        retry_context=SimpleNamespace(retry_count=0, max_retry_count=0, exception=None),
    )
    response = await handle_event.invocation_request(_event(invocation_request=invocation))
    failure = _failure(response.result)
    if failure is not None:
        return {"failure": failure}
    answer = response.return_value.http
    data = answer.body
    kind = data.WhichOneof("data") if data is not None else None
    raw = b"" if kind is None else getattr(data, kind)
    raw = raw.encode() if isinstance(raw, str) else raw
    return {
        "status": int(answer.status_code),
        "headers": dict(answer.headers),
        "body": base64.b64encode(raw).decode(),
    }


async def main(project: Path) -> None:
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # the app's and the worker's output never reach the protocol
    os.chdir(project)
    sys.path.insert(0, str(project))
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    handle_event = importlib.import_module("azure_functions_runtime.handle_event")

    init = await handle_event.worker_init_request(
        _event(worker_init_request=SimpleNamespace(function_app_directory=str(project), capabilities={}))
    )
    failure = _failure(init.result)
    if failure is None:
        metadata = await handle_event.functions_metadata_request(_event())
        failure = _failure(metadata.result)
    if failure is not None:
        protocol.write(json.dumps({"ready": False, "error": failure}) + "\n")
        return
    functions = [_describe(m) for m in metadata.function_metadata_results or []]
    protocol.write(json.dumps({"ready": True, "functions": functions}) + "\n")

    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        protocol.write(json.dumps(await _invoke(handle_event, json.loads(line))) + "\n")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]).resolve()))
