from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.problem_conflicts_item import ProblemConflictsItem
    from ..models.problem_errors_item import ProblemErrorsItem


T = TypeVar("T", bound="Problem")


@_attrs_define
class Problem:
    """RFC 9457 problem details

    Attributes:
        type_ (str):
        title (str):
        status (int):
        detail (str):
        errors (list[ProblemErrorsItem] | Unset):
        unknown_ids (list[str] | Unset):
        conflicting_ids (list[str] | Unset):
        conflicts (list[ProblemConflictsItem] | Unset): an import's lines whose ids exist with other content
        limit (int | Unset): the limit a 413 refers to
    """

    type_: str
    title: str
    status: int
    detail: str
    errors: list[ProblemErrorsItem] | Unset = UNSET
    unknown_ids: list[str] | Unset = UNSET
    conflicting_ids: list[str] | Unset = UNSET
    conflicts: list[ProblemConflictsItem] | Unset = UNSET
    limit: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        title = self.title

        status = self.status

        detail = self.detail

        errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = []
            for errors_item_data in self.errors:
                errors_item = errors_item_data.to_dict()
                errors.append(errors_item)

        unknown_ids: list[str] | Unset = UNSET
        if not isinstance(self.unknown_ids, Unset):
            unknown_ids = self.unknown_ids

        conflicting_ids: list[str] | Unset = UNSET
        if not isinstance(self.conflicting_ids, Unset):
            conflicting_ids = self.conflicting_ids

        conflicts: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.conflicts, Unset):
            conflicts = []
            for conflicts_item_data in self.conflicts:
                conflicts_item = conflicts_item_data.to_dict()
                conflicts.append(conflicts_item)

        limit = self.limit

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "title": title,
                "status": status,
                "detail": detail,
            }
        )
        if errors is not UNSET:
            field_dict["errors"] = errors
        if unknown_ids is not UNSET:
            field_dict["unknownIds"] = unknown_ids
        if conflicting_ids is not UNSET:
            field_dict["conflictingIds"] = conflicting_ids
        if conflicts is not UNSET:
            field_dict["conflicts"] = conflicts
        if limit is not UNSET:
            field_dict["limit"] = limit

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.problem_conflicts_item import ProblemConflictsItem  # noqa: PLC0415
        from ..models.problem_errors_item import ProblemErrorsItem  # noqa: PLC0415

        d = dict(src_dict)
        type_ = d.pop("type")

        title = d.pop("title")

        status = d.pop("status")

        detail = d.pop("detail")

        _errors = d.pop("errors", UNSET)
        errors: list[ProblemErrorsItem] | Unset = UNSET
        if _errors is not UNSET:
            errors = []
            for errors_item_data in _errors:
                errors_item = ProblemErrorsItem.from_dict(errors_item_data)

                errors.append(errors_item)

        unknown_ids = cast(list[str], d.pop("unknownIds", UNSET))

        conflicting_ids = cast(list[str], d.pop("conflictingIds", UNSET))

        _conflicts = d.pop("conflicts", UNSET)
        conflicts: list[ProblemConflictsItem] | Unset = UNSET
        if _conflicts is not UNSET:
            conflicts = []
            for conflicts_item_data in _conflicts:
                conflicts_item = ProblemConflictsItem.from_dict(conflicts_item_data)

                conflicts.append(conflicts_item)

        limit = d.pop("limit", UNSET)

        problem = cls(
            type_=type_,
            title=title,
            status=status,
            detail=detail,
            errors=errors,
            unknown_ids=unknown_ids,
            conflicting_ids=conflicting_ids,
            conflicts=conflicts,
            limit=limit,
        )

        problem.additional_properties = d
        return problem

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
