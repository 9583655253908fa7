"""The real Python worker is the judge of the local host.

Each request in the table goes twice over real sockets and storage: once to the project's local
host (python -m devhost, as every other HTTP test uses it) and once, converted the way the
Functions host delivers it, to the real Python worker (azure-functions-runtime on Python 3.13,
driven in-process by tests/worker/drive_worker.py) on the same Azurite. Status, headers and body
must be equal; only values that truly vary per request are normalised (see `_normalise`). Any
other difference fails with both answers shown.

What stands in for the Functions host here (from ../shared/runtime-facts.md, read from the host's
sources): functions ordered by name, the first whose route template and methods match serves
the request, none gives 404 with an empty body; header names lowercased and repeated values
joined with ","; repeated query parameters joined with ",", empty ones dropped; a body only when
Content-Length > 0; a failed invocation gives 500 with an empty body. Function keys are not
checked, as under `func start` (every function is anonymous anyway).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from devhost.token_issuer import GATEWAY_OID, Issuer, environment, running_issuer
from tests.support import ROOT, ApiClient, Azurite, LocalHost, connection_string, free_port, host_env

pytestmark = pytest.mark.slow

DRIVER = Path(__file__).with_name("drive_worker.py")
ENV_SCRIPT = ROOT / "scripts" / "worker_env.sh"
NO_INTERPRETER = 3  # scripts/worker_env.sh's exit status when no Python 3.13 exists
REQUIRED_STATUSES = {200, 201, 204, 304, 400, 404, 405, 409, 411, 412, 413, 415, 422, 503}
# Set by the server that frames the answer (aiohttp here, Kestrel in Azure), never by the app or
# the worker: compared for consistency with the body where meaningful, then left out.
FRAMING_HEADERS = {"date", "server", "content-length", "connection", "keep-alive", "transfer-encoding"}
ROUTE_PREFIX = (
    json.loads((ROOT / "host.json").read_text()).get("extensions", {}).get("http", {}).get("routePrefix", "api")
)


# Requests and answers -----------------------------------------------------------------------


@dataclass(frozen=True)
class WireRequest:
    """A request exactly as it goes on the wire: every header line, in order, framing included."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None = None
    chunked: bool = False


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def show(self) -> str:
        lines = [f"  {self.status}"]
        lines += [f"  {name}: {value}" for name in sorted(self.headers) for value in self.headers[name]]
        text = self.body.decode("utf-8", "replace")
        lines.append(f"  body ({len(self.body)} bytes): {text[:1500]}")
        return "\n".join(lines)


def send_to_local_host(port: int, request: WireRequest) -> Answer:
    """Send the request with exactly its header lines (no header added by http.client)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.putrequest(request.method, request.target, skip_host=True, skip_accept_encoding=True)
        for name, value in request.headers:
            connection.putheader(name, value)
        connection.endheaders()
        if request.body is not None:
            if request.chunked:
                connection.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(request.body), request.body))
            else:
                connection.send(request.body)
        response = connection.getresponse()
        body = response.read()
        headers: dict[str, list[str]] = {}
        for name, value in response.getheaders():
            headers.setdefault(name.lower(), []).append(value)
        return Answer(response.status, headers, body)
    finally:
        connection.close()


def as_host_delivers(request: WireRequest) -> dict[str, Any]:
    """The request as the Functions host hands it to the worker."""
    headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers.setdefault(name.lower(), []).append(value)
    parts = urlsplit(request.target)
    query: dict[str, list[str]] = {}
    names: dict[str, str] = {}  # ASP.NET's query collection ignores case; the first spelling names it
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if value:
            query.setdefault(names.setdefault(name.lower(), name), []).append(value)
    length = (headers.get("content-length") or ["0"])[0]
    forwarded = request.body is not None and length.isdigit() and int(length) > 0
    return {
        "method": request.method,
        "url": f"http://{headers['host'][0]}{request.target}",
        "headers": {name: ",".join(values) for name, values in headers.items()},
        "query": {name: ",".join(values) for name, values in query.items()},
        "body": base64.b64encode(request.body or b"").decode() if forwarded else None,
    }


def _match_template(template: str, path: str) -> dict[str, str] | None:
    """ASP.NET-style matching of the templates this app uses: literal segments (any case) and
    `{name}` parameters; one trailing slash ignored. Anything richer fails loudly here.
    Written apart from devhost/ on purpose, like `as_host_delivers`: a judge that shared the
    local host's code could not catch its mistakes."""
    wanted = [s for s in f"{ROUTE_PREFIX}/{template}".split("/") if s]
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    given = path.lstrip("/").split("/")
    if len(given) != len(wanted):
        return None
    params: dict[str, str] = {}
    for pattern, segment in zip(wanted, given, strict=True):
        if pattern.startswith("{"):
            name = pattern[1:-1]
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise NotImplementedError(f"the judge's router does not know the template segment {pattern}")
            if not segment:
                return None
            params[name] = unquote(segment)
        elif pattern.lower() != unquote(segment).lower():
            return None
    return params


# The real worker ----------------------------------------------------------------------------


class RealWorker:
    """drive_worker.py in a Python 3.13 subprocess, plus the host's routing in front of it."""

    def __init__(self, python: str, env: dict[str, str], log: Path) -> None:
        self._log: IO[bytes] = log.open("wb")
        self.log = log
        self.process = subprocess.Popen(
            [python, str(DRIVER), str(ROOT)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        hello = self._read()
        if not hello.get("ready"):
            self.stop()
            pytest.fail(f"the real worker refused the app:\n{hello.get('error')}\n{self.log.read_text()[-3000:]}")
        # The host orders functions by name and lets the first match serve; the worker contract
        # test makes sure no two templates can match one path, so the order never decides.
        self.functions: list[dict[str, Any]] = sorted(hello["functions"], key=lambda f: str(f["name"]))

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker driver exited:\n{self.log.read_text()[-3000:]}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def route(self, method: str, path: str) -> tuple[dict[str, Any], dict[str, str]] | None:
        for function in self.functions:
            if function["route"] is None:
                continue
            params = _match_template(function["route"], path)
            if params is not None and (not function["methods"] or method in function["methods"]):
                return function, params
        return None

    def answer(self, request: WireRequest) -> Answer:
        found = self.route(request.method, urlsplit(request.target).path)
        if found is None:
            return Answer(404, {}, b"")
        function, params = found
        message = {
            **as_host_delivers(request),
            "function_id": function["function_id"],
            "binding": function["binding"],
            "params": params,
        }
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        reply = self._read()
        if "failure" in reply:
            print(f"worker invocation of {function['name']} failed:\n{reply['failure']}")
            return Answer(500, {}, b"")
        headers: dict[str, list[str]] = {}
        for name, value in reply["headers"].items():
            headers.setdefault(name.lower(), []).append(value)
        return Answer(reply["status"], headers, base64.b64decode(reply["body"]))

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def _settings_env(extra: dict[str, str]) -> dict[str, str]:
    """The worker's environment as `func start` gives it: local.settings.json Values under the
    variables already set (the local host applies the same rule)."""
    env = {**os.environ, **extra}
    settings = ROOT / "local.settings.json"
    if not settings.exists():
        settings = ROOT / "local.settings.sample.json"
    for name, value in (json.loads(settings.read_text()).get("Values") or {}).items():
        env.setdefault(name, str(value))
    return env


@pytest.fixture(scope="module")
def worker_python() -> str:
    result = subprocess.run(["bash", str(ENV_SCRIPT)], cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode == NO_INTERPRETER:
        pytest.skip(f"REAL-WORKER COMPARISON NOT RUN: {result.stderr.strip()}")
    if result.returncode != 0:
        pytest.fail(f"could not build the Python 3.13 worker environment:\n{result.stdout}\n{result.stderr}")
    return str(ROOT / result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def real_worker(worker_python: str, azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealWorker]:
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    worker = RealWorker(worker_python, _settings_env(host_env(azurite)), log)
    # A process's first storage call creates the table, which Server-Timing counts; the local
    # host has made its first call already (the fixtures are made through it), so warm this up.
    warm_up = WireRequest("GET", f"/{ROUTE_PREFIX}/lists", (("Host", "127.0.0.1"), ("X-Todo-Owner", "judge-warm-up")))
    assert worker.answer(warm_up).status == 200
    yield worker
    worker.stop()


@dataclass
class Pair:
    """A local host and a real worker started with the same settings."""

    host: LocalHost
    worker: RealWorker


@pytest.fixture(scope="module")
def pairs(
    worker_python: str, azurite: Azurite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[Variant], Pair]]:
    """One pair per configuration variant, started on first use, both fresh: they see the same
    requests in the same order, so even a process's first-call work matches."""
    started: dict[str, Pair] = {}

    def start(variant: Variant) -> Pair:
        if variant.name not in started:
            env = variant.settings(azurite)
            log = tmp_path_factory.mktemp("worker") / "worker.log"
            started[variant.name] = Pair(LocalHost(env).start(), RealWorker(worker_python, _settings_env(env), log))
        return started[variant.name]

    yield start
    for pair in started.values():
        pair.worker.stop()
        pair.host.stop()


# Data the requests address ------------------------------------------------------------------


@dataclass
class Fixture:
    """One owner's lists and items, made through the local host before the compared request."""

    owner: str
    values: dict[str, str] = field(default_factory=dict)

    def fill(self, text: str) -> str:
        for name, value in self.values.items():
            text = text.replace("{" + name + "}", value)
        return text


def make_fixture(base_url: str) -> Fixture:
    client = ApiClient(base_url)
    fixture = Fixture(client.owner)
    groceries = client.new_list("groceries", description="for the weekend")
    client.new_list("hardware")
    milk = client.new_item(groceries["id"], "milk", dueDate="2030-01-02T03:04:05Z")
    bread = client.new_item(groceries["id"], "bread", state="done")
    fixture.values.update(list=groceries["id"], item=milk["id"], done_item=bread["id"], missing=uuid.uuid4().hex)
    fixture.values["list_etag"] = client.get(f"/lists/{groceries['id']}").header("ETag") or ""
    fixture.values["openapi_etag"] = client.get("/openapi.json").header("ETag") or ""
    return fixture


@pytest.fixture(scope="module")
def shared_fixture(api_host: LocalHost) -> Fixture:
    return make_fixture(api_host.base_url)


# The table ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One request of the table. `twin`: it writes, so each side gets its own copy of the data
    (reads share one copy and are compared byte for byte). `primer`: a request each side gets
    first, on its own, and whose answer only needs the primer's status."""

    name: str
    status: int
    method: str
    path: str
    json_body: Any = None
    raw: bytes | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    chunked: bool = False
    twin: bool = False
    primer: Case | None = None
    owner: bool = True

    def wire(self, fixture: Fixture, port: int, request_id: str) -> WireRequest:
        body = self.raw if self.json_body is None else fixture.fill(json.dumps(self.json_body)).encode()
        headers = [("Host", f"127.0.0.1:{port}"), ("X-Request-Id", request_id)]
        headers += [("X-Todo-Owner", fixture.owner)] if self.owner else []
        headers += [(name, fixture.fill(value)) for name, value in self.headers]
        if body is not None:
            headers.append(("Content-Type", self.content_type or "application/json"))
            headers.append(("Transfer-Encoding", "chunked") if self.chunked else ("Content-Length", str(len(body))))
        target = f"/{ROUTE_PREFIX}{fixture.fill(self.path)}"
        return WireRequest(self.method, target, tuple(headers), body, self.chunked)


MERGE_PATCH = "application/merge-patch+json"
NDJSON = "application/x-ndjson"
IMPORTED_LIST = {
    "kind": "list",
    "id": "0190a1b2c3d4e5f60718293a4b5c6d7e",
    "name": "imported",
    "createdDate": "2025-01-02T03:04:05Z",
    "updatedDate": "2025-01-02T03:04:05Z",
}
KEYED_CREATE = Case(
    "a keyed creation", 201, "POST", "/lists", json_body={"name": "once"}, headers=(("Idempotency-Key", "judge-key"),),
    twin=True,
)  # fmt: skip
IMPORT = Case(
    "an import of NDJSON lines",
    200,
    "POST",
    "/me/import",
    json_body=IMPORTED_LIST,
    content_type=NDJSON,
    headers=(("Idempotency-Key", "judge-import"),),
    twin=True,
)
CASES = [
    # Reads of one shared copy of the data.
    Case("a page of lists", 200, "GET", "/lists"),
    Case("a first page with a next link", 200, "GET", "/lists?top=1"),
    Case("HEAD of a collection", 200, "HEAD", "/lists"),
    Case("a list", 200, "GET", "/lists/{list}"),
    Case("a list with one trailing slash", 200, "GET", "/lists/{list}/"),
    Case("a route in another case", 200, "GET", "/LISTS/{list}"),
    Case("a list not modified", 304, "GET", "/lists/{list}", headers=(("If-None-Match", "{list_etag}"),)),
    Case(
        "repeated If-None-Match lines",
        304,
        "GET",
        "/lists/{list}",
        headers=(("If-None-Match", '"other"'), ("if-none-match", "{list_etag}")),
    ),
    Case("a list whose If-Match fails", 412, "GET", "/lists/{list}", headers=(("If-Match", '"stale"'),)),
    Case("items of a list", 200, "GET", "/lists/{list}/items"),
    Case("an item", 200, "GET", "/lists/{list}/items/{item}"),
    Case("HEAD of an item", 200, "HEAD", "/lists/{list}/items/{item}"),
    Case("items in one state", 200, "GET", "/lists/{list}/items/state/done"),
    Case("an unknown state", 400, "GET", "/lists/{list}/items/state/someday"),
    Case("a malformed id", 400, "GET", "/lists/not-an-id"),
    Case("a malformed page size", 400, "GET", "/lists?top=many"),
    Case("a repeated page size (the host joins it)", 400, "GET", "/lists?top=1&top=2"),
    Case("a page size repeated in another case (joined too)", 400, "GET", "/lists?top=1&TOP=2"),
    Case("an empty query value (the host drops it)", 200, "GET", "/lists?top="),
    Case("a missing list", 404, "GET", "/lists/{missing}"),
    Case("a missing item", 404, "GET", "/lists/{list}/items/{missing}"),
    Case("a path no function serves", 404, "GET", "/nothing/here"),
    Case("a method no function serves on a route", 405, "DELETE", "/lists"),
    Case("a method the item route refuses", 405, "POST", "/lists/{list}/items/{item}"),
    Case("OPTIONS names the allowed methods", 204, "OPTIONS", "/lists/{list}"),
    Case("the OpenAPI document", 200, "GET", "/openapi.json"),
    Case(
        "the OpenAPI document not modified", 304, "GET", "/openapi.json", headers=(("If-None-Match", "{openapi_etag}"),)
    ),
    Case("the docs page", 200, "GET", "/docs"),
    Case("the web app page", 200, "GET", "/app"),
    Case("an asset", 200, "GET", "/assets/app.js"),
    Case("HEAD of an asset", 200, "HEAD", "/assets/app.css"),
    Case("a missing asset", 404, "GET", "/assets/nope.js"),
    Case("a write in an unsupported media type", 415, "POST", "/lists", raw=b"name=x", content_type="text/plain"),
    Case("a write that is not JSON", 400, "POST", "/lists", raw=b"{not json"),
    Case("a write that breaks the schema", 422, "POST", "/lists", json_body={"name": ""}),
    Case("a write with an unknown field", 422, "POST", "/lists", json_body={"name": "x", "colour": "red"}),
    Case("a body over the size limit", 413, "POST", "/lists", raw=b'{"name": "' + b"x" * 70000 + b'"}'),
    Case("a body sent chunked", 411, "POST", "/lists", json_body={"name": "chunked"}, chunked=True),
    Case(
        "a replace whose If-Match fails",
        412,
        "PUT",
        "/lists/{list}",
        json_body={"name": "x"},
        headers=(("If-Match", '"stale"'),),
    ),
    Case("a state batch naming an unknown item", 404, "PUT", "/lists/{list}/items/state/done", json_body=["{missing}"]),
    Case("a state batch that is not an array", 422, "PUT", "/lists/{list}/items/state/done", json_body={"id": "x"}),
    Case("the caller's export", 200, "GET", "/me/export"),
    Case("an export page with a next link", 200, "GET", "/me/export?top=1"),
    Case("HEAD of the export", 200, "HEAD", "/me/export"),
    Case("an export cursor that is not one", 400, "GET", "/me/export?cursor=a%2Bb"),
    Case("a method the export refuses", 405, "POST", "/me/export"),
    Case("a method the caller's data refuses", 405, "GET", "/me"),
    # Writes: each side changes its own copy.
    Case(
        "create a list", 201, "POST", "/lists", json_body={"name": "new", "description": "made by the judge"}, twin=True
    ),
    Case(
        "create an item",
        201,
        "POST",
        "/lists/{list}/items",
        json_body={"name": "eggs", "state": "inprogress"},
        twin=True,
    ),
    Case("replace a list", 200, "PUT", "/lists/{list}", json_body={"name": "renamed"}, twin=True),
    Case(
        "replace a list if it matches",
        200,
        "PUT",
        "/lists/{list}",
        json_body={"name": "x"},
        headers=(("If-Match", "{list_etag}"),),
        twin=True,
    ),
    Case(
        "merge-patch a list",
        200,
        "PATCH",
        "/lists/{list}",
        json_body={"description": None},
        content_type=MERGE_PATCH,
        twin=True,
    ),
    Case("replace an item", 200, "PUT", "/lists/{list}/items/{item}", json_body={"name": "oat milk"}, twin=True),
    Case(
        "merge-patch an item",
        200,
        "PATCH",
        "/lists/{list}/items/{item}",
        json_body={"state": "done"},
        content_type=MERGE_PATCH,
        twin=True,
    ),
    Case(
        "set the state of items",
        200,
        "PUT",
        "/lists/{list}/items/state/done",
        json_body=["{item}", "{done_item}"],
        twin=True,
    ),
    Case("delete an item", 204, "DELETE", "/lists/{list}/items/{item}", twin=True),
    Case("delete a list", 204, "DELETE", "/lists/{list}", twin=True),
    Case("erase the caller's data", 204, "DELETE", "/me", twin=True),
    replace(KEYED_CREATE, name="a creation replayed by its Idempotency-Key", primer=KEYED_CREATE),
    replace(
        KEYED_CREATE,
        name="an Idempotency-Key reused for another body",
        status=422,
        json_body={"name": "twice"},
        primer=KEYED_CREATE,
    ),
    # The data import (NDJSON; one line is one JSON object, so json_body can carry it).
    IMPORT,
    replace(IMPORT, name="an import replayed by its Idempotency-Key", primer=IMPORT),
    replace(
        IMPORT,
        name="an import naming a list id taken with other content",
        status=409,
        json_body={**IMPORTED_LIST, "id": "{list}"},
        headers=(("Idempotency-Key", "judge-clash"),),
    ),
    replace(IMPORT, name="an import without an Idempotency-Key", status=400, headers=(), twin=False),
    replace(IMPORT, name="an import line that is not JSON", status=422, json_body=None, raw=b"{nope\n", twin=False),
    Case("a method the import route refuses", 405, "GET", "/me/import"),
    # How the host delivers odd requests.
    Case("a write with Content-Length: 0", 400, "POST", "/lists", raw=b""),
    Case("a write with no body and no Content-Length", 411, "POST", "/lists"),
    Case("a percent-encoded path segment", 400, "GET", "/lists/%C3%A9"),
    Case("a percent-encoded query value", 200, "GET", "/lists?top=%31"),
    Case("a cursor that is not one", 400, "GET", "/lists?cursor=a%2Bb"),
    Case("an owner header sent twice (the host joins it)", 400, "GET", "/lists", headers=(("x-todo-owner", "b"),)),
    Case("a method the public document refuses", 405, "POST", "/openapi.json"),
    Case("OPTIONS on the public document", 204, "OPTIONS", "/openapi.json"),
    Case("a method the items route refuses", 405, "PATCH", "/lists/{list}/items"),
    Case("a method the state route refuses", 405, "DELETE", "/lists/{list}/items/state/done"),
    Case("a method the docs page refuses", 405, "PUT", "/docs"),
    Case("a method the web app page refuses", 405, "DELETE", "/app"),
    Case("a method an asset refuses", 405, "POST", "/assets/app.js"),
    Case("HEAD of a missing list", 404, "HEAD", "/lists/{missing}"),
    Case("a method no function registers anywhere", 404, "TRACE", "/lists"),
]


@dataclass(frozen=True)
class Variant:
    """Settings other than the test defaults, with the requests that show what they change."""

    name: str
    extra: tuple[tuple[str, str], ...]
    cases: tuple[Case, ...]

    def settings(self, azurite: Azurite) -> dict[str, str]:
        extra = {name: value.replace("{refused}", connection_string(free_port())) for name, value in self.extra}
        extra = {name: value.replace("{keys_url}", token_issuer().url) for name, value in extra.items()}
        return host_env(azurite, **extra)


_ISSUERS = contextlib.ExitStack()
_ISSUER: list[Issuer] = []


def token_issuer() -> Issuer:
    """One stand-in token issuer (its own keys, a local key endpoint) for both sides of the judge."""
    if not _ISSUER:
        _ISSUER.append(_ISSUERS.enter_context(running_issuer()))
    return _ISSUER[0]


@pytest.fixture(scope="module", autouse=True)
def stop_the_token_issuer() -> Iterator[None]:
    """Stopped with this module, while its server thread still runs: left to interpreter exit, its
    shutdown() would wait for a daemon thread that no longer answers, and pytest would never exit."""
    yield
    _ISSUERS.close()
    _ISSUER.clear()


# The gateway's token; forged App Service principal headers without it are refused (401).
AS_THE_GATEWAY = (("Authorization", "Bearer {gateway_token}"),)
ANOTHER_IDENTITY = (("Authorization", "Bearer {other_token}"),)
FORGED = (("X-MS-CLIENT-PRINCIPAL-ID", GATEWAY_OID), ("X-MS-CLIENT-PRINCIPAL-IDP", "aad"))
TOKEN_SETTINGS = tuple((name, "{keys_url}" if name == "TODO_TOKEN_KEYS_URL" else value)
                       for name, value in environment(Issuer(url="{keys_url}")).items())
IN_AZURE = (("WEBSITE_SITE_NAME", "judge"), ("TODO_CURSOR_KEY", "judge-cursor-key"))
VARIANTS = (
    Variant(
        "storage refusing connections",
        (("TODO_STORAGE", "{refused}"),),  # a free port nothing listens on
        (
            Case("a read while storage refuses connections", 503, "GET", "/lists"),
            Case("a write while storage refuses connections", 503, "POST", "/lists", json_body={"name": "x"}),
            Case("an export while storage refuses connections", 503, "GET", "/me/export"),
            Case("an erase while storage refuses connections", 503, "DELETE", "/me"),
        ),
    ),
    Variant(
        "configured as in Azure",
        (*IN_AZURE, ("TODO_OWNER_HEADER_REQUIRED", "true"), *TOKEN_SETTINGS),
        (
            Case("the gateway's request", 200, "GET", "/lists", headers=AS_THE_GATEWAY),
            Case("no owner from the gateway", 401, "GET", "/lists", headers=AS_THE_GATEWAY, owner=False),
            Case("forged principal headers without a token", 401, "GET", "/lists", headers=FORGED),
            Case("no token at all", 401, "GET", "/lists"),
            Case("a token of another identity", 401, "GET", "/lists", headers=ANOTHER_IDENTITY),
            Case("the public document needs neither", 200, "GET", "/openapi.json", owner=False),
        ),
    ),
    Variant(
        "misconfigured in Azure",
        (("WEBSITE_SITE_NAME", "judge"), ("TODO_CURSOR_KEY", "")),
        (
            Case("a data request without TODO_CURSOR_KEY", 503, "GET", "/lists"),
            Case("the public document without TODO_CURSOR_KEY", 200, "GET", "/openapi.json"),
        ),
    ),
)
VARIANT_CASES = [(variant, case) for variant in VARIANTS for case in variant.cases]
ALL_CASES = CASES + [case for _, case in VARIANT_CASES]

_ID = re.compile(r"[0-9a-f]{32}")
_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")


def _normalise(answer: Answer, fixture: Fixture, twin: bool) -> Answer:
    """Only what truly varies per request:
    - Server-Timing's durations (measured time);
    - for writes, which each side makes on its own copy of the data: the ids of that copy and of
      what the write creates, the dates it stamps, and the ETags (digests of representations that
      contain those ids and dates).
    Request ids need nothing: every request carries its own X-Request-Id, the same to both sides."""

    def text(value: str) -> str:
        if not twin:
            return value
        for name in ("list", "item", "done_item", "missing"):
            value = value.replace(fixture.values[name], f"<{name}>")
        return _DATE.sub("<date>", _ID.sub("<new-id>", value))

    headers: dict[str, list[str]] = {}
    for name, values in answer.headers.items():
        if name == "server-timing":
            values = [re.sub(r"dur=[0-9.]+", "dur=<ms>", v) for v in values]
        if name == "etag" and twin:
            values = ['"<etag>"' for _ in values]
        headers[name] = [text(v) for v in values]
    return Answer(answer.status, headers, text(answer.body.decode("utf-8", "replace")).encode())


def _local_framing_ok(request: WireRequest, answer: Answer) -> Answer:
    """Check the local host framed its answer consistently, then leave framing out."""
    declared = answer.headers.get("content-length")
    if declared and request.method != "HEAD":
        assert int(declared[0]) == len(answer.body), f"Content-Length {declared[0]} for {len(answer.body)} bytes"
    kept = {name: values for name, values in answer.headers.items() if name not in FRAMING_HEADERS}
    return Answer(answer.status, kept, answer.body)


def compare(
    case: Case, local_port: int, worker: RealWorker, local_fixture: Fixture, worker_fixture: Fixture, index: int
) -> None:
    request_id = f"judge-{index}-{uuid.uuid4().hex[:8]}"
    local_request = case.wire(local_fixture, local_port, request_id)
    worker_request = case.wire(worker_fixture, local_port, request_id)
    if case.primer is not None:
        first_local = send_to_local_host(local_port, case.primer.wire(local_fixture, local_port, request_id))
        first_real = worker.answer(case.primer.wire(worker_fixture, local_port, request_id))
        assert first_local.status == first_real.status == case.primer.status, (first_local.show(), first_real.show())
    local = _local_framing_ok(local_request, send_to_local_host(local_port, local_request))
    real = worker.answer(worker_request)
    assert real.status == case.status, (
        f"the real worker answered {case.method} {case.path} ({case.name}) with {real.status}, "
        f"the table expects {case.status}:\n{real.show()}"
    )
    local_view, real_view = _normalise(local, local_fixture, case.twin), _normalise(real, worker_fixture, case.twin)
    if local_view != real_view:
        pytest.fail(
            f"{case.method} {local_request.target} ({case.name}): the local host and the real worker differ\n"
            f"local host:\n{local_view.show()}\nreal worker:\n{real_view.show()}",
            pytrace=False,
        )


def test_the_table_covers_every_status_the_api_gives() -> None:
    assert {case.status for case in ALL_CASES} >= REQUIRED_STATUSES


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case.name for case in CASES])
def test_local_host_answers_like_the_real_worker(
    index: int, real_worker: RealWorker, api_host: LocalHost, shared_fixture: Fixture
) -> None:
    case = CASES[index]
    local_fixture, worker_fixture = shared_fixture, shared_fixture
    if case.twin:
        local_fixture, worker_fixture = make_fixture(api_host.base_url), make_fixture(api_host.base_url)
    compare(case, api_host.port, real_worker, local_fixture, worker_fixture, index)


@pytest.mark.parametrize(
    "index", range(len(VARIANT_CASES)), ids=[f"{variant.name}: {case.name}" for variant, case in VARIANT_CASES]
)
def test_other_configurations_answer_alike(index: int, pairs: Callable[[Variant], Pair]) -> None:
    variant, case = VARIANT_CASES[index]
    pair = pairs(variant)
    fixture = Fixture(f"owner-{uuid.uuid4().hex[:12]}", {"list": "", "item": "", "done_item": "", "missing": ""})
    if "_token}" in str(case.headers):
        fixture.values["gateway_token"] = token_issuer().token()
        fixture.values["other_token"] = token_issuer().token(oid="00000000-0000-4000-8000-000000000bad")
    compare(case, pair.host.port, pair.worker, fixture, fixture, index)


def test_the_table_reaches_every_http_function_the_worker_indexed(
    real_worker: RealWorker, shared_fixture: Fixture
) -> None:
    reached = set()
    for case in ALL_CASES:
        found = real_worker.route(case.method, urlsplit(f"/{ROUTE_PREFIX}{shared_fixture.fill(case.path)}").path)
        if found is not None:
            reached.add(found[0]["name"])
    http_functions = {f["name"] for f in real_worker.functions if f["route"] is not None}
    assert http_functions - reached == set()


def test_the_judge_routes_like_the_host(real_worker: RealWorker) -> None:
    """The judge's own router: names decide order, literal case is ignored, one trailing slash
    is ignored, a wrong method finds nothing."""
    found = real_worker.route("GET", f"/{ROUTE_PREFIX}/Lists/")
    assert found is not None and found[0]["name"] == "list_lists" and found[1] == {}
    found = real_worker.route("PUT", f"/{ROUTE_PREFIX}/lists/abc/items/state/done")
    assert found is not None and found[0]["name"] == "set_items_state"
    assert found[1] == {"listId": "abc", "state": "done"}
    assert real_worker.route("GET", f"/{ROUTE_PREFIX}/lists/abc/extra/segments/here/too") is None
    assert real_worker.route("TRACE", f"/{ROUTE_PREFIX}/lists") is None


def test_the_host_conversion_joins_and_drops_like_the_host() -> None:
    request = WireRequest(
        "POST",
        "/api/lists?top=2&TOP=3&skip=&cursor=a%2Bb",
        (("Host", "h:1"), ("X-A", "1"), ("x-a", "2"), ("Transfer-Encoding", "chunked")),
        b"{}",
        chunked=True,
    )
    delivered = as_host_delivers(request)
    assert delivered["headers"] == {"host": "h:1", "x-a": "1,2", "transfer-encoding": "chunked"}
    assert delivered["query"] == {"top": "2,3", "cursor": "a+b"}
    assert delivered["body"] is None  # no Content-Length: the body never reaches the worker
    assert delivered["url"] == "http://h:1/api/lists?top=2&TOP=3&skip=&cursor=a%2Bb"


def test_the_judge_normalises_only_what_varies() -> None:
    """Twin writes may differ in their own ids, dates and ETags; nothing else is forgiven, and a
    read of shared data must match to the byte (ETag included)."""
    mine = Fixture("a", {"list": "1" * 32, "item": "2" * 32, "done_item": "3" * 32, "missing": "4" * 32})
    theirs = Fixture("b", {"list": "5" * 32, "item": "6" * 32, "done_item": "7" * 32, "missing": "8" * 32})

    def answer(fixture: Fixture, etag: str, content_type: str, date: str, timing: str) -> Answer:
        body = f'{{"id":"{fixture.values["list"]}","createdDate":"{date}"}}'.encode()
        headers = {"etag": [etag], "content-type": [content_type], "server-timing": [timing]}
        return Answer(200, headers, body)

    a = answer(mine, '"e1"', "application/json", "2026-01-01T00:00:00.1Z", "app;dur=1.5")
    b = answer(theirs, '"e2"', "application/json", "2027-02-02T00:00:00+01:00", "app;dur=99")
    assert _normalise(a, mine, twin=True) == _normalise(b, theirs, twin=True)
    assert _normalise(a, mine, twin=False) != _normalise(b, theirs, twin=False)
    charset = answer(theirs, '"e2"', "application/json; charset=utf-8", "2027-02-02T00:00:00Z", "app;dur=1")
    assert _normalise(a, mine, twin=True) != _normalise(charset, theirs, twin=True)
    other_status = Answer(201, b.headers, b.body)
    assert _normalise(a, mine, twin=True) != _normalise(other_status, theirs, twin=True)
