"""python -m slmr.devtools [--check] [--root DIR]: regenerate (or check) the files derived from the CLI."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from slmr.devtools import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m slmr.devtools", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is out of date")
    parser.add_argument("--root", type=Path, default=generate.REPO, help="the repository root (default: this one)")
    args = parser.parse_args(argv)
    stale = generate.stale(args.root)
    if args.check:
        for path in stale:
            print(f"out of date: {path} (run: python -m slmr.devtools)", file=sys.stderr)
        return 1 if stale else 0
    for path in generate.write(args.root):
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
