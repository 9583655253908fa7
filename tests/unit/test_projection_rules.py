"""Rows of a projected page ($select) as Azure sends them. Azurite leaves a selected property the
row lacks out of the answer; Azure Table Storage sends it as null (Azure/Azurite#2535). The
integration tests see only Azurite's form, so Azure's is proven here through the SDK's own
decoding of the JSON."""

from __future__ import annotations

from typing import Any

from azure.data.tables._deserialize import _convert_to_entity

from shared.domain.models import ItemState
from shared.storage.rows import ITEM_PROPERTIES, LIST_PROPERTIES, item_from_entity, list_from_entity

CREATED = "2026-11-28T11:00:00.123456Z"


def azure_projection(stored: dict[str, Any], selected: tuple[str, ...]) -> dict[str, Any]:
    """The JSON Azure answers for `stored` under $select: every selected name, null when absent."""
    answer: dict[str, Any] = {"odata.etag": "W/\"datetime'2026-11-28T11%3A00%3A00.1Z'\""}
    for name in selected:
        answer[name] = stored.get(name)
        if name.endswith("Date") and stored.get(name) is not None:
            answer[f"{name}@odata.type"] = "Edm.DateTime"
    return answer


def sdk_decoded(answer: dict[str, Any]) -> dict[str, Any]:
    """The entity azure-data-tables makes of one row of a query's JSON answer."""
    entity: dict[str, Any] = _convert_to_entity(answer)  # type: ignore[no-untyped-call]
    return entity


def test_an_item_without_optional_fields_reads_the_same_from_azures_nulls_as_from_azurites_absence() -> None:
    stored = {"RowKey": "I|l1|i1", "Name": "milk", "State": "todo", "CreatedDate": CREATED, "UpdatedDate": CREATED}
    from_azure = item_from_entity(sdk_decoded(azure_projection(stored, ITEM_PROPERTIES)))
    azurite = {name: value for name, value in azure_projection(stored, ITEM_PROPERTIES).items() if value is not None}
    from_azurite = item_from_entity(sdk_decoded(azurite))
    assert from_azure == from_azurite
    assert from_azure.description is None and from_azure.due_date is None and from_azure.completed_date is None
    assert (from_azure.id, from_azure.list_id, from_azure.state) == ("i1", "l1", ItemState.TODO)


def test_a_list_without_a_description_reads_the_same_from_azures_nulls_as_from_azurites_absence() -> None:
    stored = {"RowKey": "L|l1", "Name": "home", "CreatedDate": CREATED, "UpdatedDate": CREATED}
    from_azure = list_from_entity(sdk_decoded(azure_projection(stored, LIST_PROPERTIES)))
    azurite = {name: value for name, value in azure_projection(stored, LIST_PROPERTIES).items() if value is not None}
    assert from_azure == list_from_entity(sdk_decoded(azurite))
    assert from_azure.description is None and from_azure.id == "l1"
