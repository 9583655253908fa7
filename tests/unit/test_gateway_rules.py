"""How the App Service principal header is read (shared/gateway.py): leniently, as App Service's
own samples decode it, so formatting noise never locks the gateway out."""

from __future__ import annotations

import base64
import json

from shared.web.gateway import caller_is_trusted

GATEWAY = "5f1c2d3e-0000-4000-8000-00000000abcd"


def test_principal_header_with_stray_spaces_or_a_line_break_still_names_the_gateway() -> None:
    encoded = base64.b64encode(json.dumps({"claims": [{"typ": "oid", "val": GATEWAY.upper()}]}).encode()).decode()
    for noisy in (encoded[:8] + " " + encoded[8:], encoded[:12] + "\n" + encoded[12:]):
        assert caller_is_trusted({"X-MS-CLIENT-PRINCIPAL": noisy}, GATEWAY)


def test_claims_without_a_value_name_nobody() -> None:
    encoded = base64.b64encode(json.dumps({"claims": [{"typ": "oid"}]}).encode()).decode()
    assert not caller_is_trusted({"X-MS-CLIENT-PRINCIPAL": encoded}, GATEWAY)
