#!/usr/bin/env python3
"""Build tests/data/router_labelled.jsonl from the hand-written sources in tests/data/labelled/*.txt.

The sources are plain text so multi-line snippets (diffs, traces, SQL) stay readable and diff well;
the JSONL is what `slmr eval` and scripts/fit_router.py read. A test checks the two agree.

    python scripts/build_labelled.py [--check]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "tests" / "data" / "labelled"
OUTPUT = ROOT / "tests" / "data" / "router_labelled.jsonl"

LABELS = ("reshape", "create")
KINDS = [
    "commit",
    "docs",
    "review",
    "meeting",
    "ticket",
    "logs",
    "trace",
    "email",
    "design",
    "spec",
    "algorithm",
    "refactor",
    "sql",
    "shell",
    "short",
    "intl",
    "general",
]
HEADER = re.compile(r"^%% (\w+) \| ([\w-]+) \| (.+)$")


class SourceError(ValueError):
    pass


def parse(path: Path) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    lines: list[str] = []

    def close() -> None:
        if current is None:
            return
        prompt = "\n".join(lines).strip("\n").rstrip()
        if not prompt.strip():
            raise SourceError(f"{path.name}: empty prompt for {current}")
        records.append({"prompt": prompt, **current})

    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = HEADER.match(line)
        if match:
            close()
            label, kind, reason = match.groups()
            if label not in LABELS:
                raise SourceError(f"{path.name}:{number}: label must be reshape or create, not {label!r}")
            if kind not in KINDS:
                raise SourceError(f"{path.name}:{number}: unknown kind {kind!r}")
            current = {"label": label, "reason": reason.strip(), "kind": kind}
            lines = []
        elif line.startswith("%%"):
            raise SourceError(f"{path.name}:{number}: malformed header: {line!r}")
        elif current is None:
            if line.strip():
                raise SourceError(f"{path.name}:{number}: text before the first header")
        else:
            lines.append(line)
    close()
    return records


def build() -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    for path in sorted(SOURCES.glob("*.txt")):
        records.extend(parse(path))
    seen: set[str] = set()
    for record in records:
        if record["prompt"] in seen:
            raise SourceError(f"duplicate prompt: {record['prompt'][:60]!r}")
        seen.add(record["prompt"])
    return records


def render(records: list[dict[str, str]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if the JSONL is not up to date")
    args = parser.parse_args()
    text = render(build())
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run scripts/build_labelled.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    records = text.count("\n")
    print(f"wrote {records} prompts to {OUTPUT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
