#!/usr/bin/env python3
"""Decision-time benchmark: median time of ``router.decide`` on prompts of about 2,000 characters.

Uses prompts from the labelled set padded or cut to the target length (so the regular expressions
see realistic text: diffs, traces, prose), warms up, then times each decision separately and
reports the median and the 95th percentile. One run, one machine: the figure in README.md
comes from here.

``--baseline DIR`` also loads the router of another checkout (a ``git worktree`` of an older
commit) and times both on the same prompts, interleaved prompt by prompt, so a busy host slows
both alike and the ratio stays meaningful when the absolute figures drift.

    python scripts/bench_router.py [--chars 2000] [--rounds 20]
    git worktree add /tmp/before <commit> && python scripts/bench_router.py --baseline /tmp/before
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
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


def load_router(checkout: Path) -> ModuleType:
    """``slmr.router`` as found in ``checkout``; forgets the package afterwards so another can load."""
    sys.path.insert(0, str(checkout))
    try:
        return importlib.import_module("slmr.router")
    finally:
        sys.path.remove(str(checkout))
        for name in [n for n in sys.modules if n == "slmr" or n.startswith("slmr.")]:
            del sys.modules[name]


def timings(deciders: list[Callable[[str], object]], prompts: list[str], rounds: int) -> list[list[int]]:
    """Nanoseconds per decision for each decider, alternating deciders on every prompt."""
    for p in prompts:  # warm-up: compile regexes, load weights
        for decide in deciders:
            decide(p)
    out: list[list[int]] = [[] for _ in deciders]
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for p in prompts:
            for decide, times in zip(deciders, out, strict=True):
                start = clock()
                decide(p)
                times.append(clock() - start)
    return out


def summary(times: list[int]) -> tuple[float, float]:
    """Median and 95th percentile in milliseconds."""
    ordered = sorted(times)
    return statistics.median(ordered) / 1e6, ordered[int(len(ordered) * 0.95)] / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chars", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--baseline", type=Path, help="another checkout whose router to time alongside")
    args = parser.parse_args()
    prompts = prompts_of(args.chars)
    routers = {"this router": load_router(ROOT)}
    if args.baseline:
        routers[f"baseline {args.baseline}"] = load_router(args.baseline)
    results = timings([r.decide for r in routers.values()], prompts, args.rounds)
    medians = []
    for name, times in zip(routers, results, strict=True):
        median_ms, p95_ms = summary(times)
        medians.append(median_ms)
        print(
            f"{name}: router.decide on {len(prompts)} prompts of {args.chars} chars x {args.rounds} rounds: "
            f"median {median_ms:.3f} ms, p95 {p95_ms:.3f} ms (Python {sys.version.split()[0]})"
        )
    if len(medians) == 2:
        print(f"ratio of medians (this / baseline): {medians[0] / medians[1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
