"""The committed OpenAPI document: `make openapi` writes it, `make test` checks it.

openapi/openapi.json is the document the app serves (for the base path /api), pretty-printed in
the served key order, so a change to the contract shows up in review as a diff of this file.

    python -m apicontract.document           write openapi/openapi.json
    python -m apicontract.document --check   exit 1 with a unified diff when it is out of date
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "openapi" / "openapi.json"
UPDATE_COMMAND = "make openapi"


def served_text() -> str:
    """The document the app serves at /api/openapi.json, as the committed file spells it."""
    sys.path.insert(0, str(ROOT))
    import function_app  # noqa: F401  (registers the functions and names the described app)
    from shared.web.openapi import document_bytes

    return json.dumps(json.loads(document_bytes("/api")), indent=2, ensure_ascii=False) + "\n"


def drift(committed: str, served: str, name: str = "openapi/openapi.json") -> list[str]:
    """The unified diff from the committed file to the served document (empty when equal)."""
    return list(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            served.splitlines(keepends=True),
            fromfile=f"{name} (committed)",
            tofile=f"{name} (served by the app)",
        )
    )


def main(argv: list[str]) -> int:
    served = served_text()
    if "--check" not in argv:
        CONTRACT.write_text(served, encoding="utf-8")
        print(f"wrote {CONTRACT.relative_to(ROOT)}")
        return 0
    committed = CONTRACT.read_text(encoding="utf-8") if CONTRACT.exists() else ""
    lines = drift(committed, served)
    if not lines:
        print(f"{CONTRACT.relative_to(ROOT)} is the document the app serves")
        return 0
    sys.stdout.writelines(lines)
    print(
        f"\n{CONTRACT.relative_to(ROOT)} differs from the document the app serves (diff above).\n"
        f"If the change is intended, run `{UPDATE_COMMAND}`, review the diff and commit it "
        "(then `make contract` says whether it breaks clients).",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
