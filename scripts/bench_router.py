#!/usr/bin/env python3
"""Decision-time benchmark: median time of ``router.decide`` on prompts of about 2,000 characters.

Uses prompts from the labelled set padded or cut to the target length (so the regular expressions
see realistic text: diffs, traces, prose), warms up, then times each decision separately and
reports the median and the 95th percentile. One run, one machine: the figure in README.md
comes from here.

    python scripts/bench_router.py [--chars 2000] [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slmr import router  # noqa: E402

DATA = ROOT / "tests" / "data" / "router_labelled.jsonl"


def prompts_of(chars: int) -> list[str]:
    records = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for r in records:
        text = r["prompt"]
        while len(text) < chars:
            text += "\n\n" + text
        out.append(text[:chars])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chars", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    prompts = prompts_of(args.chars)
    for p in prompts:  # warm-up: compile regexes, load weights
        router.decide(p)
    timings = []
    clock = time.perf_counter_ns
    for _ in range(args.rounds):
        for p in prompts:
            start = clock()
            router.decide(p)
            timings.append(clock() - start)
    timings.sort()
    median_ms = statistics.median(timings) / 1e6
    p95_ms = timings[int(len(timings) * 0.95)] / 1e6
    print(
        f"router.decide on {len(prompts)} prompts of {args.chars} chars x {args.rounds} rounds: "
        f"median {median_ms:.3f} ms, p95 {p95_ms:.3f} ms (Python {sys.version.split()[0]})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
