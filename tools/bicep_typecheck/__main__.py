"""Command line: `python -m tools.bicep_typecheck [infra-dir] [--types DIR]`; exit status 1 with one
line per problem (`file:line: where: message`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

import tools.bicep_typecheck as package
from tools.bicep_typecheck.checker import DEFAULT_TYPES, ROOT, check


def main(argv: Iterable[str] | None = None) -> int:
    parser_ = argparse.ArgumentParser(description=(package.__doc__ or "").splitlines()[0])
    parser_.add_argument("infra", nargs="?", default=str(ROOT / "infra"))
    parser_.add_argument("--types", default=str(DEFAULT_TYPES))
    args = parser_.parse_args(list(argv) if argv is not None else None)
    types_dir = Path(args.types)
    problems, typed = check(Path(args.infra), types_dir if types_dir.is_dir() else None)
    for problem in problems:
        print(problem)
    if not typed:
        print(f"bicep type check: SKIPPED the type rules: no type data at {types_dir} (symbols and modules checked)")
    if problems:
        print(f"bicep type check FAILED: {len(problems)} problem(s)")
        return 1
    print(f"bicep type check: {len(list(Path(args.infra).rglob('*.bicep')))} files clean"
          + (" against Azure's type definitions" if typed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
