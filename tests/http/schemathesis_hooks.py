"""schemathesis hooks (SCHEMATHESIS_HOOKS=tests.http.schemathesis_hooks): how to make the body of
POST /me/import. schemathesis serializes JSON, forms and text but not NDJSON, so it is given a
strategy for import lines: lists with fresh ids and generated names (valid lines; the line rules
themselves are fuzzed by tests/reliability/test_hostile_input.py)."""

from __future__ import annotations

import json

import schemathesis
from hypothesis import strategies as st

from shared.domain.ids import new_id

NAMES = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FFF, exclude_characters="\x7f"), min_size=1)


def _line(name: str) -> bytes:
    date = "2025-01-02T03:04:05Z"
    return json.dumps({"kind": "list", "id": new_id(), "name": name, "createdDate": date, "updatedDate": date}).encode()


import_lines = st.lists(st.builds(_line, NAMES.filter(lambda n: len(n) <= 256)), max_size=3).map(
    lambda lines: b"".join(line + b"\n" for line in lines)
)
schemathesis.openapi.media_type("application/x-ndjson", import_lines)
