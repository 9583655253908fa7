"""Helpers for reliability tests: direct storage reads to check what the API cannot show."""

from __future__ import annotations

from typing import Any

from azure.data.tables import TableClient

from tests.support import Azurite


def partition_rows(azurite: Azurite, owner: str) -> list[dict[str, Any]]:
    """Every row of an owner's partition, read straight from Azurite."""
    with TableClient.from_connection_string(azurite.connection_string, "todo") as table:
        return [dict(row) for row in table.query_entities("PartitionKey eq @pk", parameters={"pk": owner})]


def orphan_items(rows: list[dict[str, Any]]) -> list[str]:
    """Item rows whose list row does not exist."""
    lists = {row["RowKey"][2:] for row in rows if row["RowKey"].startswith("L|")}
    return [
        row["RowKey"] for row in rows if row["RowKey"].startswith("I|") and row["RowKey"].split("|")[1] not in lists
    ]
