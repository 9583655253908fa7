from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.item_state import ItemState
from ..types import UNSET, Unset

T = TypeVar("T", bound="TodoItemWrite")


@_attrs_define
class TodoItemWrite:
    """
    Attributes:
        name (str):
        id (Any | Unset): read-only: accepted and ignored
        created_date (Any | Unset): read-only: accepted and ignored
        updated_date (Any | Unset): read-only: accepted and ignored
        list_id (Any | Unset): read-only: accepted and ignored
        description (None | str | Unset):
        state (ItemState | Unset):
        due_date (datetime.datetime | None | Unset):
        completed_date (datetime.datetime | None | Unset):
    """

    name: str
    id: Any | Unset = UNSET
    created_date: Any | Unset = UNSET
    updated_date: Any | Unset = UNSET
    list_id: Any | Unset = UNSET
    description: None | str | Unset = UNSET
    state: ItemState | Unset = UNSET
    due_date: datetime.datetime | None | Unset = UNSET
    completed_date: datetime.datetime | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        id = self.id

        created_date = self.created_date

        updated_date = self.updated_date

        list_id = self.list_id

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
        if list_id is not UNSET:
            field_dict["listId"] = list_id
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
        name = d.pop("name")

        id = d.pop("id", UNSET)

        created_date = d.pop("createdDate", UNSET)

        updated_date = d.pop("updatedDate", UNSET)

        list_id = d.pop("listId", UNSET)

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

        todo_item_write = cls(
            name=name,
            id=id,
            created_date=created_date,
            updated_date=updated_date,
            list_id=list_id,
            description=description,
            state=state,
            due_date=due_date,
            completed_date=completed_date,
        )

        return todo_item_write
