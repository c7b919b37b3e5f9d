#!/usr/bin/env python3
"""Start-up benchmark: how long the fast commands take, against what importing an SDK alone costs.

Runs each command as a fresh process several times (the way a shell runs it) and reports the
median wall time, so the claim "slmr --help, route and spend start without loading the SDKs"
comes with figures measured in one run on one machine.

    python scripts/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "slmr --help": ["-m", "slmr", "--help"],
    "slmr route": ["-m", "slmr", "route", "--json", "summarize these notes"],
    "slmr spend": ["-m", "slmr", "spend", "--json"],
    "python (empty)": ["-c", "pass"],
    "import anthropic": ["-c", "import anthropic"],
    "import openai": ["-c", "import openai"],
    "import ollama": ["-c", "import ollama"],
}


def median_ms(args: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "SLMR_HOME": home}
        results = {name: median_ms(cmd, args.runs, env) for name, cmd in COMMANDS.items()}
    base = results["python (empty)"]
    print(f"median of {args.runs} runs, milliseconds (python {sys.version.split()[0]})")
    for name, ms in results.items():
        print(f"  {name:<18} {ms:8.1f} ms   (+{ms - base:7.1f} over an empty interpreter)")
    sdk = results["import anthropic"] + results["import openai"] + results["import ollama"] - 2 * base
    print(f"  all three SDKs would add about {sdk - base:.0f} ms to every command that imported them")


if __name__ == "__main__":
    main()
