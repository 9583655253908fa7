"""The backup's line format: each entity written as the Table service's JSON with every type
annotated, so that what the restore writes back is exactly what the backup read."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.data.tables import EdmType, EntityProperty, TableEntity

from shared.storage.backup_format import BadBackupLine, decode_line, encode_entity, encode_line

GUID = uuid.UUID("6b0e2a53-3c0f-4a52-9d0c-6c1d6d1e7a11")


def read_datetime(text: str) -> datetime:
    """A datetime as the SDK reads one: its service text kept beside the parsed value."""
    from azure.data.tables._deserialize import _from_entity_datetime

    parsed: datetime = _from_entity_datetime(text)  # type: ignore[no-untyped-call]
    return parsed


def as_read(**properties: Any) -> TableEntity:
    """An entity as azure-data-tables returns it from a query."""
    entity = TableEntity(PartitionKey="owner-1", RowKey="I|a|b", **properties)
    return entity


# Every EDM type the service has, as the SDK reads it, and the line's JSON for it.
EVERY_TYPE: dict[str, tuple[Any, str, Any]] = {
    "Name": ("Milk", "Edm.String", "Milk"),
    "Unicode": ("Grüße ✓ \u2028", "Edm.String", "Grüße ✓ \u2028"),
    "Done": (True, "Edm.Boolean", True),
    "Off": (False, "Edm.Boolean", False),
    "Count": (-(2**31), "Edm.Int32", -(2**31)),
    "Big": (EntityProperty(2**62 + 1, EdmType.INT64), "Edm.Int64", str(2**62 + 1)),
    "Ratio": (0.1, "Edm.Double", 0.1),
    "NotANumber": (math.nan, "Edm.Double", "NaN"),
    "Up": (math.inf, "Edm.Double", "Infinity"),
    "Down": (-math.inf, "Edm.Double", "-Infinity"),
    "Due": (read_datetime("2026-12-06T14:15:16.1234567Z"), "Edm.DateTime", "2026-12-06T14:15:16.1234567Z"),
    "Id": (GUID, "Edm.Guid", str(GUID)),
    "Blob": (b"\x00\xffbytes", "Edm.Binary", "AP9ieXRlcw=="),
}


def test_every_edm_type_is_written_with_its_annotation_and_exact_value() -> None:
    line = encode_entity(as_read(**{name: value for name, (value, _, _) in EVERY_TYPE.items()}))
    assert line["PartitionKey"] == "owner-1" and line["RowKey"] == "I|a|b"
    for name, (_, edm, json_value) in EVERY_TYPE.items():
        assert line[name] == json_value, name
        assert line.get(f"{name}@odata.type") == (None if edm == "Edm.String" else edm), name


def test_a_line_decoded_for_writing_encodes_back_to_the_same_line() -> None:
    """decode_line gives what the SDK must be sent; encoding that again is the same line, type by type."""
    raw = encode_line(as_read(**{name: value for name, (value, _, _) in EVERY_TYPE.items()}))
    written = decode_line(raw)
    assert isinstance(written["Big"], EntityProperty) and written["Big"].edm_type == EdmType.INT64
    assert written["Due"] == EntityProperty("2026-12-06T14:15:16.1234567Z", EdmType.DATETIME)  # 7 digits kept
    assert written["Blob"].value == b"\x00\xffbytes" and written["Id"].edm_type == EdmType.GUID
    assert math.isnan(written["NotANumber"]) and written["Down"] == -math.inf
    assert isinstance(written["Count"], int) and written["Done"] is True
    assert encode_line(written) == raw


def test_a_datetime_the_sdk_did_not_read_is_written_as_utc_with_microseconds() -> None:
    line = encode_entity(as_read(When=datetime(2026, 1, 2, 3, 4, 5, 600, tzinfo=UTC)))
    assert line["When"] == "2026-01-02T03:04:05.000600Z"


def test_a_large_python_int_is_an_int64_and_an_int32_stays_an_int32() -> None:
    line = encode_entity(as_read(Small=2**31 - 1, Large=2**31))
    assert (line["Small@odata.type"], line["Small"]) == ("Edm.Int32", 2**31 - 1)
    assert (line["Large@odata.type"], line["Large"]) == ("Edm.Int64", str(2**31))


def test_timestamp_etag_and_null_properties_are_not_data() -> None:
    entity = as_read(Name="x", Gone=None, Timestamp=read_datetime("2026-01-01T00:00:00Z"))
    entity._metadata = {"etag": 'W/"x"', "timestamp": None}
    assert encode_entity(entity) == {"PartitionKey": "owner-1", "RowKey": "I|a|b", "Name": "x"}


def test_a_line_is_one_compact_utf8_json_object_ending_in_a_newline() -> None:
    raw = encode_line(as_read(Name="Grüße"))
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    assert raw == '{"PartitionKey":"owner-1","RowKey":"I|a|b","Name":"Grüße"}\n'.encode()


def test_properties_follow_the_keys_in_name_order_so_equal_rows_give_equal_lines() -> None:
    one = encode_line(as_read(B="2", A="1"))
    two = encode_line(as_read(A="1", B="2"))
    assert one == two and list(json.loads(one)) == ["PartitionKey", "RowKey", "A", "B"]


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b"[1, 2]",
        b'{"RowKey": "r"}',
        b'{"PartitionKey": 1, "RowKey": "r"}',
        b'{"PartitionKey": "p", "RowKey": "r", "X@odata.type": "Edm.Decimal", "X": "1"}',
        b'{"PartitionKey": "p", "RowKey": "r", "X@odata.type": "Edm.Int64", "X": "ten"}',
        b'{"PartitionKey": "p", "RowKey": "r", "X@odata.type": "Edm.Binary", "X": "!!"}',
    ],
)
def test_a_damaged_line_is_refused_by_name(line: bytes) -> None:
    with pytest.raises(BadBackupLine):
        decode_line(line)


def test_a_value_of_no_table_type_is_refused_when_writing() -> None:
    with pytest.raises(TypeError, match="no EDM type"):
        encode_entity(as_read(Odd=object()))
