"""python -m benchmarks [--quick] [--out DIR]"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.run import FULL, QUICK, RESULTS, run


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the Todo API against its storage and its FastAPI peer.")
    parser.add_argument("--quick", action="store_true", help="tiny configuration (about a minute, used by a test)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    run(QUICK if args.quick else FULL, args.out)
    print((args.out / "latest.md").read_text())


if __name__ == "__main__":
    main()
