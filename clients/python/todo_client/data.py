"""The caller's data as NDJSON lines, for Todo and AsyncTodo: the export read page by page, an import
sent in requests the API accepts, and the erase. Written by hand: `make clients` keeps this file.

The line format, the export's paging and concurrency contract and the import's rules are the
API's (docs/data.md and docs/data-import.md in the project); this module only adds what a
generated operation cannot: following `Link: rel="next"` to the end of the export, cutting an
import into requests of at most 100 lines (and of at most the API's default body limit) in
order, so each list travels in the same or an earlier request than its items, and one
`Idempotency-Key` per request, retried with that key after a transport error or a 503.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

from .api.me import erase_owner_data, export_owner_data, import_data
from .calls import Api, aretry, next_page, ok, replayed, retry
from .models import ImportDataResponse200
from .types import File, Response

IMPORT_LINES = 100
"""The most lines one POST /me/import takes (one Table Storage transaction)."""
IMPORT_BYTES = 64 * 1024
"""The API's default body limit (TODO_MAX_BODY_BYTES); a deployment may allow more."""


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: rows written (`created`), lines skipped because the list or item was
    already there with the same content (`unchanged`), requests sent, and how many of those the
    API answered by replaying an earlier request with the same Idempotency-Key (`replayed`: their
    counts are those of the first answer)."""

    created: int = 0
    unchanged: int = 0
    requests: int = 0
    replayed: int = 0

    @classmethod
    def of(cls, response: Response[Any]) -> ImportSummary:
        """The summary of one request's answer (ProblemError for a refusal, so a 503 is retried)."""
        counts: ImportDataResponse200 = ok(response)
        return cls(counts.created, counts.unchanged, 1, int(replayed(response)))

    def __add__(self, other: ImportSummary) -> ImportSummary:
        return ImportSummary(
            self.created + other.created,
            self.unchanged + other.unchanged,
            self.requests + other.requests,
            self.replayed + other.replayed,
        )


def lines_of(page: bytes) -> Iterator[bytes]:
    """The lines of an export page, each with its line feed, exactly as served."""
    start = 0
    while start < len(page):
        end = page.find(b"\n", start)
        end = len(page) if end < 0 else end + 1
        yield page[start:end]
        start = end


def bodies(lines: Iterable[bytes], per_request: int, max_bytes: int) -> Iterator[bytes]:
    """Request bodies of at most per_request lines and max_bytes bytes, in the order of lines (a
    line that lacks its line feed gets one; a single line over max_bytes goes alone, and the API
    refuses it with 413)."""
    body: list[bytes] = []
    size = 0
    for line in lines:
        line = line if line.endswith(b"\n") else line + b"\n"
        if body and (len(body) == per_request or size + len(line) > max_bytes):
            yield b"".join(body)
            body, size = [], 0
        body.append(line)
        size += len(line)
    if body:
        yield b"".join(body)


def _key(base: str | None, number: int) -> str | None:
    """The Idempotency-Key of the number-th request: derived from the caller's base key, so the same
    import run again replays the requests already done, or None for a new random key."""
    return None if base is None else f"{base}-{number}"


def _file(body: bytes) -> File:
    """The body as the generated operation's File, whose payload goes to httpx as `content=`: bytes,
    not a file object, because httpx streams a file object synchronously (AsyncClient refuses it)
    and bytes always go with Content-Length (the Functions host drops a chunked body: 411)."""
    return File(cast(BinaryIO, body))


def _failed(error: Exception, number: int, done: ImportSummary) -> None:
    error.add_note(f"import request {number} failed; the {done.requests} before it were written: {done}")


class Data(Api):
    """export_lines, import_lines and erase for Todo."""

    def export_lines(self, *, page_size: int = 100) -> Iterator[bytes]:
        """Every line of the caller's export (bytes, each ending in its line feed, exactly as served:
        a list, then its items), following `Link: rel="next"` to the end; one page of page_size
        lines (1-1000) is held at a time. Not a snapshot: see the API's export contract."""
        arguments: dict[str, Any] | None = {"top": page_size}
        while arguments is not None:
            response = export_owner_data.sync_detailed(client=self.client, **arguments)
            ok(response)
            yield from lines_of(response.content)
            arguments = next_page(response)

    def import_lines(
        self,
        lines: Iterable[bytes],
        *,
        idempotency_key: str | None = None,
        lines_per_request: int = IMPORT_LINES,
        max_bytes: int = IMPORT_BYTES,
    ) -> ImportSummary:
        """Import NDJSON lines (what export_lines gave, or a file read as bytes) in order, in
        requests of at most lines_per_request lines and max_bytes bytes, and sum their answers.

        Each request is atomic (all its lines are written or none), but the whole import is not:
        when a request fails (ProblemError: 409 `import-conflict`, 413, 422 `validation-failed`,
        whose line numbers count from that request's first line), the requests before it stay
        written; the exception's note says which request failed. Running the same import again
        is safe: lines already there with the same content come back `unchanged`. With
        idempotency_key, request n sends `<idempotency_key>-<n>` (keep it under 250 visible
        ASCII characters), so a rerun within the API's key lifetime replays the requests that
        were done (`replayed`); without it each request gets a new random key. A request is
        retried with its own key after a transport error or a 503, like a creation.
        """
        done = ImportSummary()
        for number, body in enumerate(bodies(lines, lines_per_request, max_bytes), start=1):
            try:
                done += retry(self._importer(body), _key(idempotency_key, number), self.retries)
            except Exception as error:
                _failed(error, number, done)
                raise
        return done

    def _importer(self, body: bytes) -> Callable[[str], ImportSummary]:
        def send(key: str) -> ImportSummary:
            file = _file(body)
            return ImportSummary.of(import_data.sync_detailed(client=self.client, body=file, idempotency_key=key))

        return send

    def erase(self) -> None:
        """Remove every list, item and idempotency record of the caller (DELETE /me); safe to
        repeat, and repeating finishes an erase that was interrupted (503)."""
        ok(erase_owner_data.sync_detailed(client=self.client))


class AsyncData(Api):
    """export_lines, import_lines and erase for AsyncTodo: the same as Data's, awaited."""

    async def export_lines(self, *, page_size: int = 100) -> AsyncIterator[bytes]:
        arguments: dict[str, Any] | None = {"top": page_size}
        while arguments is not None:
            response = await export_owner_data.asyncio_detailed(client=self.client, **arguments)
            ok(response)
            for line in lines_of(response.content):
                yield line
            arguments = next_page(response)

    async def import_lines(
        self,
        lines: Iterable[bytes],
        *,
        idempotency_key: str | None = None,
        lines_per_request: int = IMPORT_LINES,
        max_bytes: int = IMPORT_BYTES,
    ) -> ImportSummary:
        """Data.import_lines, awaited: each request atomic, the whole import not."""
        done = ImportSummary()
        for number, body in enumerate(bodies(lines, lines_per_request, max_bytes), start=1):
            try:
                done += await aretry(self._importer(body), _key(idempotency_key, number), self.retries)
            except Exception as error:
                _failed(error, number, done)
                raise
        return done

    def _importer(self, body: bytes) -> Callable[[str], Awaitable[ImportSummary]]:
        async def send(key: str) -> ImportSummary:
            file = _file(body)
            response = await import_data.asyncio_detailed(client=self.client, body=file, idempotency_key=key)
            return ImportSummary.of(response)

        return send

    async def erase(self) -> None:
        ok(await erase_owner_data.asyncio_detailed(client=self.client))
