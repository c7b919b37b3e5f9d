#!/usr/bin/env python3
"""Review aid for the labelled set: exact and near-duplicate prompts, and contradicting labels.

Near-duplicates are pairs whose word 3-shingle sets have a Jaccard similarity >= --min (0.5 by
default). A near-duplicate pair with different labels is a contradiction unless it is a deliberate
minimal pair (same pasted content, different ask) listed in MINIMAL_PAIRS with why the labels differ.
Exit status 1 when anything unexplained is found.

    python scripts/check_labelled.py [FILE.jsonl] [--min 0.8]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "tests" / "data" / "router_labelled.jsonl"

#: deliberate minimal pairs (first 10 hex digits of each prompt's SHA-256) and why the labels differ
MINIMAL_PAIRS: dict[frozenset[str], str] = {
    frozenset({"3051d30751", "953fce6e52"}): "same ticket: an implementation plan (create) vs a title (reshape)",
    frozenset({"60bb392d48", "8aadc285b3"}): "same callback code: 'improve this' (create) vs 'format this' (reshape)",
    frozenset(
        {"d2bbc60e79", "a97f904708"}
    ): "same spec: pick libraries and write code (create) vs a checklist (reshape)",
}

_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return {tuple(words)}
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _digest(prompt: str) -> str:
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:10]


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--min", type=float, default=0.5, help="Jaccard similarity that counts as near-duplicate")
    args = parser.parse_args()
    records = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    sets = [shingles(r["prompt"]) for r in records]
    problems = 0
    seen: dict[str, int] = {}
    for i, record in enumerate(records):
        key = " ".join(record["prompt"].split()).lower()
        if key in seen:
            print(f"duplicate: #{seen[key] + 1} and #{i + 1}: {record['prompt'][:70]!r}")
            problems += 1
        seen.setdefault(key, i)
    near = 0
    for i, j in combinations(range(len(records)), 2):
        score = jaccard(sets[i], sets[j])
        if score < args.min:
            continue
        a, b = records[i], records[j]
        near += 1
        pair = frozenset({_digest(a["prompt"]), _digest(b["prompt"])})
        if a["label"] != b["label"] and pair not in MINIMAL_PAIRS:
            print(f"contradiction ({score:.2f}): #{i + 1} {a['label']} vs #{j + 1} {b['label']}")
            print(f"    {a['prompt'][:90]!r}\n    {b['prompt'][:90]!r}")
            problems += 1
        elif a["label"] == b["label"]:
            print(f"near-duplicate ({score:.2f}): #{i + 1} and #{j + 1}: {a['prompt'][:70]!r}")
            problems += 1
    explained = len(MINIMAL_PAIRS)
    print(
        f"{len(records)} prompts, {near} near-duplicate pairs, {explained} explained minimal pairs, "
        f"{problems} problems",
        file=sys.stderr,
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
