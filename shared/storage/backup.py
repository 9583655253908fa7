"""The whole table into one gzip NDJSON blob, streamed in blocks, then a manifest beside it.

Why this shape: Table Storage has no backup or point-in-time restore of its own, and AzCopy does
not copy tables. The backup reads every row (all partitions) in pages of 1,000, writes one line
per entity (shared/storage/backup_format.py) through a gzip compressor, and uploads the output as
blocks of a few MiB (Put Block) committed once at the end (Put Block List): memory holds one page
and one block whatever the table's size, and a run that fails midway leaves only uncommitted
blocks, which the service discards after a week, never a partial blob. The commit and the
manifest are create-only (If-None-Match: *): the app's identity may create blobs in the
container but never overwrite or delete one (the container has a time-based immutability
policy). The manifest carries the row counts and the sha256 of the data blob's bytes, computed
while they were uploaded, which the restore verifies before it writes anything.
https://learn.microsoft.com/rest/api/storageservices/put-block
https://learn.microsoft.com/rest/api/storageservices/put-block-list
https://learn.microsoft.com/rest/api/storageservices/query-entities

A backup is not a snapshot: rows written while it reads may be in it as they were before or after.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from azure.core import MatchConditions
from azure.data.tables.aio import TableClient
from azure.storage.blob import BlobBlock, ContentSettings
from azure.storage.blob.aio import BlobClient, ContainerClient

from shared.platform.settings import Settings
from shared.storage.backup_format import encode_line
from shared.storage.blobs import BACKUP_FORMAT, DATA_SUFFIX, backup_stem, manifest_name

PAGE_ROWS = 1000  # the most one query answer holds
BLOCK_BYTES = 4 * 1024 * 1024
GZIP_LEVEL = 6  # gzip's default: the table's text shrinks about tenfold


@dataclass
class BackupReport:
    """What one run wrote: the same facts as its manifest."""

    blob: str
    manifest: str
    table: str
    started: datetime
    finished: datetime
    rows: int
    partitions: dict[str, int]
    bytes: int
    sha256: str
    blocks: int

    def manifest_document(self) -> dict[str, Any]:
        return {
            "format": BACKUP_FORMAT,
            "table": self.table,
            "startedAt": self.started.isoformat(),
            "finishedAt": self.finished.isoformat(),
            "blob": self.blob,
            "rows": self.rows,
            "partitions": self.partitions,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "blocks": self.blocks,
            "compression": "gzip",
            "lineFormat": "Table service JSON, every non-string property annotated with @odata.type",
        }


@dataclass
class BlockStream:
    """A gzip stream uploaded as staged blocks, hashed as it goes, committed once when closed."""

    blob: BlobClient
    block_bytes: int = BLOCK_BYTES
    size: int = 0
    _pending: bytearray = field(default_factory=bytearray)
    _blocks: list[BlobBlock] = field(default_factory=list)
    _hash: Any = field(default_factory=hashlib.sha256)
    _gzip: Any = field(default_factory=lambda: zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31))

    async def write(self, data: bytes) -> None:
        self._pending += self._gzip.compress(data)
        while len(self._pending) >= self.block_bytes:
            await self._stage(self._take())

    def _take(self) -> bytes:
        """The next block's bytes, copied once (a memoryview slice, not a bytearray slice)."""
        with memoryview(self._pending) as view:
            chunk = bytes(view[: self.block_bytes])
        del self._pending[: self.block_bytes]
        return chunk

    async def _stage(self, chunk: bytes) -> None:
        # Block ids must all have the same length within a blob; a counter padded to 6 digits
        # covers the service's limit of 50,000 committed blocks.
        block_id = base64.b64encode(f"block-{len(self._blocks):06d}".encode()).decode()
        await self.blob.stage_block(block_id, chunk, length=len(chunk))
        self._hash.update(chunk)
        self.size += len(chunk)
        self._blocks.append(BlobBlock(block_id))

    async def commit(self) -> None:
        self._pending += self._gzip.flush()
        while self._pending:
            await self._stage(self._take())
        await self.blob.commit_block_list(
            self._blocks,
            content_settings=ContentSettings(content_type="application/gzip"),
            match_condition=MatchConditions.IfMissing,  # create only, never overwrite
        )

    @property
    def sha256(self) -> str:
        return str(self._hash.hexdigest())

    @property
    def blocks(self) -> int:
        return len(self._blocks)


async def write_backup(
    table: TableClient, container: ContainerClient, settings: Settings, *, block_bytes: int = BLOCK_BYTES
) -> BackupReport:
    """Read every row of the table and write the data blob, then its manifest. Any storage fault
    propagates: the run fails loudly, and a data blob without a manifest is never restored."""
    started = datetime.now(UTC)
    blob_name = backup_stem(settings.table_name, started) + DATA_SUFFIX
    stream = BlockStream(container.get_blob_client(blob_name), block_bytes=block_bytes)
    partitions: Counter[str] = Counter()
    pages = table.list_entities(results_per_page=PAGE_ROWS).by_page()
    async for page in pages:
        lines = []
        async for entity in page:
            partitions[entity["PartitionKey"]] += 1
            lines.append(encode_line(entity))
        await stream.write(b"".join(lines))
    await stream.commit()
    report = BackupReport(
        blob=blob_name,
        manifest=manifest_name(blob_name),
        table=settings.table_name,
        started=started,
        finished=datetime.now(UTC),
        rows=sum(partitions.values()),
        partitions=dict(partitions),
        bytes=stream.size,
        sha256=stream.sha256,
        blocks=stream.blocks,
    )
    document = json.dumps(report.manifest_document(), indent=1, sort_keys=True).encode()
    await container.upload_blob(
        report.manifest,
        document,
        overwrite=False,  # If-None-Match: *
        content_settings=ContentSettings(content_type="application/json"),
    )
    return report


async def ensure_container(container: ContainerClient) -> None:
    """Create the container where a connection string is used (Azurite, local runs). In Azure the
    deployment creates it, with its immutability policy, and the app's identity may not."""
    from azure.core.exceptions import ResourceExistsError

    with contextlib.suppress(ResourceExistsError):
        await container.create_container()


async def backup_table(settings: Settings) -> tuple[BackupReport, float]:
    """One backup run with the process's table client and a container client of its own (closed
    at the end); returns the report and the run's duration in seconds."""
    from shared.storage.blobs import container_client
    from shared.storage.client import get_table

    began = time.perf_counter()
    table = await get_table()
    async with container_client(settings) as container:
        if settings.storage_connection_string:
            await ensure_container(container)
        report = await write_backup(table, container, settings)
    return report, time.perf_counter() - began
