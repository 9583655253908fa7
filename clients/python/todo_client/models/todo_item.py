from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.item_state import ItemState
from ..types import UNSET, Unset

T = TypeVar("T", bound="TodoItem")


@_attrs_define
class TodoItem:
    """
    Attributes:
        id (str):
        list_id (str):
        name (str):
        created_date (datetime.datetime):
        updated_date (datetime.datetime):
        description (None | str | Unset):
        state (ItemState | Unset):
        due_date (datetime.datetime | None | Unset):
        completed_date (datetime.datetime | None | Unset):
    """

    id: str
    list_id: str
    name: str
    created_date: datetime.datetime
    updated_date: datetime.datetime
    description: None | str | Unset = UNSET
    state: ItemState | Unset = UNSET
    due_date: datetime.datetime | None | Unset = UNSET
    completed_date: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        list_id = self.list_id

        name = self.name

        created_date = self.created_date.isoformat()

        updated_date = self.updated_date.isoformat()

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        state: str | Unset = UNSET
        if not isinstance(self.state, Unset):
            state = self.state.value

        due_date: None | str | Unset
        if isinstance(self.due_date, Unset):
            due_date = UNSET
        elif isinstance(self.due_date, datetime.datetime):
            due_date = self.due_date.isoformat()
        else:
            due_date = self.due_date

        completed_date: None | str | Unset
        if isinstance(self.completed_date, Unset):
            completed_date = UNSET
        elif isinstance(self.completed_date, datetime.datetime):
            completed_date = self.completed_date.isoformat()
        else:
            completed_date = self.completed_date

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "listId": list_id,
                "name": name,
                "createdDate": created_date,
                "updatedDate": updated_date,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if state is not UNSET:
            field_dict["state"] = state
        if due_date is not UNSET:
            field_dict["dueDate"] = due_date
        if completed_date is not UNSET:
            field_dict["completedDate"] = completed_date

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        list_id = d.pop("listId")

        name = d.pop("name")

        created_date = datetime.datetime.fromisoformat(d.pop("createdDate"))

        updated_date = datetime.datetime.fromisoformat(d.pop("updatedDate"))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        _state = d.pop("state", UNSET)
        state: ItemState | Unset
        if isinstance(_state, Unset):
            state = UNSET
        else:
            state = ItemState(_state)

        def _parse_due_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                due_date_type_0 = datetime.datetime.fromisoformat(data)

                return due_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        due_date = _parse_due_date(d.pop("dueDate", UNSET))

        def _parse_completed_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_date_type_0 = datetime.datetime.fromisoformat(data)

                return completed_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        completed_date = _parse_completed_date(d.pop("completedDate", UNSET))

        todo_item = cls(
            id=id,
            list_id=list_id,
            name=name,
            created_date=created_date,
            updated_date=updated_date,
            description=description,
            state=state,
            due_date=due_date,
            completed_date=completed_date,
        )

        todo_item.additional_properties = d
        return todo_item

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
