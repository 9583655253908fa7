"""The line format of an owner's data as a stream: one JSON object per line (NDJSON), each a
resource exactly as the API represents it (TodoList or TodoItem JSON, camelCase, nulls as the
API gives them) with one more member first, "kind", naming which resource the line holds.

The export writes it (GET /me/export); an import reads the same kinds back. A list's line comes
before the lines of its items, so a reader can create each list before its items.
"""

from __future__ import annotations

from typing import Final

from shared.domain.models import TodoItem, TodoList

MEDIA_TYPE: Final = "application/x-ndjson"
LIST_KIND: Final = "list"
ITEM_KIND: Final = "item"
KINDS: Final = (LIST_KIND, ITEM_KIND)


def kind_of(resource: TodoList | TodoItem) -> str:
    return LIST_KIND if isinstance(resource, TodoList) else ITEM_KIND


def to_line(resource: TodoList | TodoItem) -> bytes:
    """One resource as one line, newline included. The resource's own JSON (the bytes its ETag
    is computed from) is reused as it is: "kind" is spliced in as the first member, so a line
    never differs from what GET of that resource answers except by that member."""
    body = resource.to_json()  # always a JSON object: b'{"id":...}'
    return b'{"kind":"' + kind_of(resource).encode() + b'",' + body[1:] + b"\n"
