from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TodoListWrite")


@_attrs_define
class TodoListWrite:
    """
    Attributes:
        name (str):
        id (Any | Unset): read-only: accepted and ignored
        created_date (Any | Unset): read-only: accepted and ignored
        updated_date (Any | Unset): read-only: accepted and ignored
        items (Any | Unset): read-only: accepted and ignored
        description (None | str | Unset):
    """

    name: str
    id: Any | Unset = UNSET
    created_date: Any | Unset = UNSET
    updated_date: Any | Unset = UNSET
    items: Any | Unset = UNSET
    description: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        id = self.id

        created_date = self.created_date

        updated_date = self.updated_date

        items = self.items

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id
        if created_date is not UNSET:
            field_dict["createdDate"] = created_date
        if updated_date is not UNSET:
            field_dict["updatedDate"] = updated_date
        if items is not UNSET:
            field_dict["items"] = items
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        id = d.pop("id", UNSET)

        created_date = d.pop("createdDate", UNSET)

        updated_date = d.pop("updatedDate", UNSET)

        items = d.pop("items", UNSET)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        todo_list_write = cls(
            name=name,
            id=id,
            created_date=created_date,
            updated_date=updated_date,
            items=items,
            description=description,
        )

        return todo_list_write
