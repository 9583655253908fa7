"""One backup line per entity: the entity in the Table service's own JSON format, every typed
property annotated, so that a restore writes back exactly what was read.

Why this format: it is the service's documented payload format (a property `Name` of a type
other than String, Boolean and Int32 carries `Name@odata.type`, and Int64 travels as a string),
so a line can be read by anyone who knows Table Storage, and it keeps what JSON alone would lose:
Int64 beyond 2**53, the 100-nanosecond precision of DateTime (the SDK keeps the service's text),
GUIDs and binary. Every non-string property is annotated here, Int32 and Boolean included, so
that nothing depends on how a JSON reader guesses a number's type. Storage's Timestamp and the
ETag are not data: the service sets them on every write, so they are left out.
https://learn.microsoft.com/rest/api/storageservices/payload-format-for-table-service-operations
https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
"""

from __future__ import annotations

import base64
import json
import math
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from azure.data.tables import EdmType, EntityProperty

KEYS = ("PartitionKey", "RowKey")
ANNOTATION = "@odata.type"
NOT_DATA = frozenset({"Timestamp", "etag", "odata.etag"})
_SPECIAL_DOUBLES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class BadBackupLine(ValueError):
    """A line that is not an entity this format writes (a damaged or foreign file)."""


def _datetime_text(value: datetime) -> str:
    """The service's own text when the SDK kept it (all seven fractional digits), else UTC ISO 8601."""
    kept = getattr(value, "tables_service_value", "")
    if kept:
        return str(kept)
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _double_value(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _typed(value: Any) -> tuple[str, Any]:
    """(EDM type, JSON value) of one property value as the SDK reads or writes it."""
    if isinstance(value, EntityProperty):
        edm = EdmType(value.edm_type)
        inner = value.value
        if edm == EdmType.INT64:
            return edm.value, str(int(inner))
        if edm == EdmType.INT32:
            return edm.value, int(inner)
        if edm == EdmType.DOUBLE:
            return edm.value, inner if isinstance(inner, str) else _double_value(float(inner))
        if edm == EdmType.DATETIME:
            return edm.value, inner if isinstance(inner, str) else _datetime_text(inner)
        if edm == EdmType.BINARY:
            return edm.value, inner if isinstance(inner, str) else base64.b64encode(inner).decode("ascii")
        if edm == EdmType.GUID:
            return edm.value, str(inner)
        if edm == EdmType.BOOLEAN:
            return edm.value, bool(inner)
        return EdmType.STRING.value, str(inner)
    if isinstance(value, bool):  # before int: a bool is an int in Python
        return EdmType.BOOLEAN.value, value
    if isinstance(value, int):
        return (EdmType.INT32.value if -(2**31) <= value < 2**31 else EdmType.INT64.value), (
            value if -(2**31) <= value < 2**31 else str(value)
        )
    if isinstance(value, float):
        return EdmType.DOUBLE.value, _double_value(value)
    if isinstance(value, datetime):
        return EdmType.DATETIME.value, _datetime_text(value)
    if isinstance(value, uuid.UUID):
        return EdmType.GUID.value, str(value)
    if isinstance(value, (bytes, bytearray)):
        return EdmType.BINARY.value, base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, str):
        return EdmType.STRING.value, value
    raise TypeError(f"no EDM type for a {type(value).__name__}")


def encode_entity(entity: Mapping[str, Any]) -> dict[str, Any]:
    """The line's object: the keys first, then each property by name, typed. Properties holding
    None (Azure answers a selected but absent property as null) are not data and are left out."""
    line: dict[str, Any] = {key: str(entity[key]) for key in KEYS}
    for name in sorted(entity):
        value = entity[name]
        if name in KEYS or name in NOT_DATA or value is None:
            continue
        edm, json_value = _typed(value)
        if edm != EdmType.STRING.value:
            line[f"{name}{ANNOTATION}"] = edm
        line[name] = json_value
    return line


def encode_line(entity: Mapping[str, Any]) -> bytes:
    """One NDJSON line (UTF-8, ends with a newline)."""
    return json.dumps(encode_entity(entity), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _write_value(edm: str, value: Any) -> Any:
    """What the SDK must be given to write this property with exactly this type and value."""
    if edm == EdmType.STRING.value:
        return str(value)
    if edm == EdmType.BOOLEAN.value:
        return bool(value)
    if edm == EdmType.INT32.value:
        return int(value)
    if edm == EdmType.INT64.value:
        return EntityProperty(int(value), EdmType.INT64)
    if edm == EdmType.DOUBLE.value:
        return _SPECIAL_DOUBLES.get(value, value) if isinstance(value, str) else float(value)
    if edm == EdmType.DATETIME.value:
        return EntityProperty(str(value), EdmType.DATETIME)  # the text passes through unchanged
    if edm == EdmType.GUID.value:
        return EntityProperty(str(value), EdmType.GUID)
    if edm == EdmType.BINARY.value:
        return EntityProperty(base64.b64decode(value, validate=True), EdmType.BINARY)
    raise BadBackupLine(f"unknown EDM type {edm!r}")


def parse_line(line: bytes | str) -> dict[str, Any]:
    """The line's object (what encode_entity made), checked for its keys."""
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise BadBackupLine(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(data.get(key), str) for key in KEYS):
        raise BadBackupLine("a line must be an object with PartitionKey and RowKey")
    return data


def decode_line(line: bytes | str) -> dict[str, Any]:
    """The entity to write back (for the SDK's create and upsert) from one line."""
    return decode_object(parse_line(line))


def decode_object(data: dict[str, Any]) -> dict[str, Any]:
    """The entity to write back from a parsed line."""
    entity: dict[str, Any] = {key: data[key] for key in KEYS}
    for name, value in data.items():
        if name in KEYS or name.endswith(ANNOTATION):
            continue
        edm = data.get(f"{name}{ANNOTATION}", EdmType.STRING.value)
        try:
            entity[name] = _write_value(edm, value)
        except (TypeError, ValueError) as exc:
            raise BadBackupLine(f"property {name!r} is not a valid {edm}: {exc}") from exc
    return entity
