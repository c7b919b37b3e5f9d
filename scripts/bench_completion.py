#!/usr/bin/env python3
"""Completion latency: how long a shell waits for slmr to answer one <TAB>.

Runs the installed ``slmr`` console script the way the generated bash script does
(``_SLMR_COMPLETE=complete_bash COMP_WORDS=... COMP_CWORD=...``) as a fresh process, several times per
case, and reports the median and the worst run. For comparison it also answers through typer's own
machinery (importing the typer app), which is what the fast path replaces. The budget is 100 ms.

Wall time depends on how busy the machine is (other processes competing for the CPU); the CPU time
the process used (user + system, from getrusage) depends much less on it, so both are reported.

    python scripts/bench_completion.py [--runs 21] [--slmr PATH]
"""

from __future__ import annotations

import argparse
import os
import resource
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


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict[str, str], runs: int) -> tuple[float, float, float, str]:
    """Median wall ms, worst wall ms, median CPU ms, and the output of the last run."""
    times, cpus, out = [], [], ""
    for _ in range(runs):
        cpu0, start = _child_cpu(), time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        times.append((time.perf_counter() - start) * 1000)
        cpus.append((_child_cpu() - cpu0) * 1000)
        out = done.stdout
    return statistics.median(times), max(times), statistics.median(cpus), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--slmr", default=shutil.which("slmr", path=str(Path(sys.executable).parent)) or "slmr")
    args = parser.parse_args()
    typer_path = [sys.executable, "-c", "from slmr.cli import main; main()"]
    worst_median = 0.0
    with tempfile.TemporaryDirectory() as home:
        # a user's set-up: no SLMR_HOME, so paths come from platformdirs (under a scratch HOME)
        base = {k: v for k, v in os.environ.items() if k != "SLMR_HOME" and not k.startswith("XDG_")}
        base["HOME"] = home
        empty, _, empty_cpu, _ = timed([sys.executable, "-c", "pass"], base, args.runs)
        load = os.getloadavg()[0]
        print(f"{args.runs} runs per case, ms  (python {sys.version.split()[0]}, {args.slmr}, load {load:.1f})")
        print(f"  {'case':<17} {'wall median':>11} {'worst':>7} {'cpu':>6}   {'typer wall':>10} {'cpu':>6}")
        print(f"  {'empty python':<17} {empty:11.1f} {'':>7} {empty_cpu:6.1f}")
        for name, line in CASES.items():
            env = {**base, **bash_env(line)}
            med, worst, cpu, out = timed([args.slmr], env, args.runs)
            t_med, _, t_cpu, t_out = timed(typer_path, env, max(3, args.runs // 3))
            same = "same answer" if out == t_out else "DIFFERENT ANSWER"
            worst_median = max(worst_median, med)
            print(
                f"  {name:<17} {med:11.1f} {worst:7.1f} {cpu:6.1f}   {t_med:10.1f} {t_cpu:6.1f}"
                f"   {len(out.split())} candidates, {same}"
            )
    verdict = "within" if worst_median < BUDGET_MS else "OVER"
    print(f"slowest median {worst_median:.1f} ms: {verdict} the {BUDGET_MS:.0f} ms budget")
    return 0 if worst_median < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
