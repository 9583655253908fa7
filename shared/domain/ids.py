"""Resource ids: 32 lowercase hex characters, sortable by creation time.

The first 12 characters are the creation time in milliseconds, so a partition range query
returns resources in creation order; the other 20 are random, so ids are unguessable and never
collide across instances. The strict shape also keeps every id safe inside a Table key.
"""

from __future__ import annotations

import re
import secrets
import time

ID_PATTERN = r"^[0-9a-f]{32}$"
_ID = re.compile(ID_PATTERN)


def new_id() -> str:
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def is_valid_id(value: str) -> bool:
    return bool(_ID.fullmatch(value))
