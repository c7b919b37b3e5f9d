#!/usr/bin/env python3
"""Completion latency: how long a shell waits for slmr to answer one <TAB>.

Runs the installed ``slmr`` console script the way the generated bash script does
(``_SLMR_COMPLETE=complete_bash COMP_WORDS=... COMP_CWORD=...``) as a fresh process, several times per
case, and reports the median and the worst run. For comparison it also answers through typer's own
machinery (importing the typer app), which is what the fast path replaces. The budget is 100 ms.

    python scripts/bench_completion.py [--runs 21] [--slmr PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "subcommands": "slmr ",
    "options": "slmr rewrite --",
    "config keys": "slmr config set ",
    "config values": "slmr config set cloud.provider ",
    "model names": "slmr ask -m ",
}
BUDGET_MS = 100.0


def bash_env(line: str) -> dict[str, str]:
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    return {"_SLMR_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(cword)}


def timed(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float, str]:
    times, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        times.append((time.perf_counter() - start) * 1000)
        out = done.stdout
    return statistics.median(times), max(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--slmr", default=shutil.which("slmr", path=str(Path(sys.executable).parent)) or "slmr")
    args = parser.parse_args()
    typer_path = [sys.executable, "-c", "from slmr.cli import main; main()"]
    worst_median = 0.0
    with tempfile.TemporaryDirectory() as home:
        base = {**os.environ, "SLMR_HOME": home}
        empty, _, _ = timed([sys.executable, "-c", "pass"], base, args.runs)
        print(f"median / worst of {args.runs} runs, ms  (python {sys.version.split()[0]}, {args.slmr})")
        print(f"  {'empty interpreter':<16} {empty:7.1f}")
        for name, line in CASES.items():
            env = {**base, **bash_env(line)}
            med, worst, out = timed([args.slmr], env, args.runs)
            t_med, _, t_out = timed(typer_path, env, max(3, args.runs // 3))
            same = "same answer" if out == t_out else "DIFFERENT ANSWER"
            worst_median = max(worst_median, med)
            print(
                f"  {name:<16} {med:7.1f} / {worst:6.1f}   through typer: {t_med:7.1f}   "
                f"({len(out.split())} candidates, {same})"
            )
    verdict = "within" if worst_median < BUDGET_MS else "OVER"
    print(f"slowest median {worst_median:.1f} ms: {verdict} the {BUDGET_MS:.0f} ms budget")
    return 0 if worst_median < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
