"""The restore reads a backup blob as a stream: gzip decompressed a slice at a time (a small chunk
of gzip may hold megabytes of text), lines split across chunk and slice edges, and a blob that
ends before its gzip stream does is refused."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import pytest

from shared.storage import restore
from shared.storage.restore import BackupCorrupt, backup_lines


class Downloader:
    def __init__(self, body: bytes, chunk: int) -> None:
        self.body, self.chunk = body, chunk

    async def chunks(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), self.chunk):
            yield self.body[start : start + self.chunk]


class Container:
    """Stands in for the blob container: one blob, served in chunks of a given size."""

    def __init__(self, body: bytes, chunk: int) -> None:
        self.downloader = Downloader(body, chunk)

    async def download_blob(self, name: str) -> Downloader:
        return self.downloader


async def lines_of(body: bytes, chunk: int) -> list[bytes]:
    return [line async for line in backup_lines(Container(body, chunk), "blob")]  # type: ignore[arg-type]


async def test_lines_come_back_whole_and_in_order_across_chunks_and_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(restore, "SLICE_BYTES", 4096)  # many slices per chunk: the unconsumed tail is read on
    text = b"".join(b'{"PartitionKey":"p","RowKey":"%06d","Name":"%s"}\n' % (n, b"x" * (n % 50)) for n in range(20000))
    body = gzip.compress(text)
    assert len(text) > 10 * len(body)  # text many times the compressed size: slicing matters
    for chunk in (1, 1000, len(body)):
        assert b"\n".join(await lines_of(body, chunk)) + b"\n" == text, chunk


async def test_a_last_line_without_a_newline_is_still_read() -> None:
    assert await lines_of(gzip.compress(b"one\ntwo"), 3) == [b"one", b"two"]


async def test_an_empty_backup_has_no_lines() -> None:
    assert await lines_of(gzip.compress(b""), 5) == []


async def test_a_blob_cut_short_is_refused() -> None:
    body = gzip.compress(b"line\n" * 1000)
    with pytest.raises(BackupCorrupt, match="ends before its gzip stream"):
        await lines_of(body[: len(body) // 2], 64)
