#!/usr/bin/env python3
"""Ledger benchmark: `slmr spend` over a generated ledger of 1,000,000 calls, and the cost of recording one.

Targets (issue 4): `slmr spend` answers in under 0.5 s over a million calls; recording a call adds under 5 ms.

The ledger is generated through the real insert path (so the rollup triggers run for every row):
a year of calls, 70% local, 25% cloud, 3% on a model with no price, 2% escalations (a local attempt
and its frontier child). Then it measures, each as the median of several runs:

- the report alone, in-process (open the ledger, query, aggregate): what the ledger design controls;
- `slmr spend` as a fresh process, the way a shell runs it, and the same command on an empty
  ledger, so the interpreter and CLI start-up are shown apart from the ledger's share;
- recording one call the way the pipeline does (open, check the fallback file, insert, close),
  and an insert on an open connection.

    python scripts/bench_ledger.py [--calls 1000000] [--runs 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slmr import reports
from slmr.ledger import CallRecord, Ledger, record_safely

COLUMNS = (
    "ts_utc, command, task, route, decided_by, confidence, backend, model, input_tokens, output_tokens, "
    "tokens_estimated, cost_usd, baseline_model, baseline_cost_usd, latency_ms, ttft_ms, status, error_kind, "
    "parent_id, prompt_sha256, project, cache_read_tokens, cache_write_tokens"
)


def generate(path: Path, calls: int, days: int = 365, seed: int = 4) -> float:
    """Fill a ledger with ``calls`` calls spread over the last ``days`` days; returns seconds taken."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    start = now - timedelta(days=days)
    step = timedelta(days=days) / calls
    tasks = ("rewrite", "summarize", "extract", "ask", "create", "commit-msg")
    projects = ("slmr", "web", "infra", None)
    started = time.perf_counter()
    with Ledger(path) as ledger:
        db = ledger.db
        db.execute("BEGIN")
        next_id = (db.execute("SELECT coalesce(max(id), 0) FROM calls").fetchone()[0]) + 1
        rows = []
        i = 0
        while i < calls:
            ts = (start + step * i).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            task, project = rng.choice(tasks), rng.choice(projects)
            tin, tout = rng.randint(50, 4000), rng.randint(20, 1500)
            base = (tin * 4 + tout * 20) / 1e6
            roll = rng.random()
            latency = rng.lognormvariate(7.0, 0.6)
            if roll < 0.02 and i + 1 < calls:  # an escalation: local attempt, then its frontier child
                rows.append(
                    (
                        ts,
                        task,
                        task,
                        "reshape",
                        "task",
                        None,
                        "ollama",
                        "llama3.2:3b",
                        tin,
                        tout,
                        0,
                        0.0,
                        "claude-opus-5-5",
                        base,
                        latency,
                        90.0,
                        "error",
                        "check_failed",
                        None,
                        None,
                        project,
                        None,
                        None,
                    )
                )
                rows.append(
                    (
                        ts,
                        task,
                        task,
                        "create",
                        "policy",
                        None,
                        "anthropic",
                        "claude-opus-5-5",
                        tin,
                        tout,
                        0,
                        base,
                        "claude-opus-5-5",
                        base,
                        latency * 3,
                        400.0,
                        "ok",
                        None,
                        next_id,
                        None,
                        project,
                        None,
                        None,
                    )
                )
                next_id += 2
                i += 2
                continue
            if roll < 0.72:
                row = ("reshape", "task", "ollama", "llama3.2:3b", 0.0, latency, "ok")
            elif roll < 0.97:
                row = ("create", "router", "anthropic", "claude-opus-5-5", base, latency * 4, "ok")
            else:
                row = ("create", "flag", "anthropic", "claude-next-9", None, latency * 4, "ok")
            route, decided, backend, model, cost, lat, status = row
            rows.append(
                (
                    ts,
                    task,
                    task,
                    route,
                    decided,
                    0.8,
                    backend,
                    model,
                    tin,
                    tout,
                    int(rng.random() < 0.01),
                    cost,
                    "claude-opus-5-5",
                    base,
                    lat,
                    100.0,
                    status,
                    None,
                    None,
                    None,
                    project,
                    rng.choice((None, 0, 2000)) if backend == "anthropic" else None,
                    None,
                )
            )
            next_id += 1
            i += 1
            if len(rows) >= 50_000:
                db.executemany(f"INSERT INTO calls ({COLUMNS}) VALUES ({', '.join('?' * 23)})", rows)
                rows.clear()
        if rows:
            db.executemany(f"INSERT INTO calls ({COLUMNS}) VALUES ({', '.join('?' * 23)})", rows)
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("ANALYZE")
    return time.perf_counter() - started


def median_s(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def in_process(path: Path, name: str, by: str) -> None:
    with Ledger(path) as ledger:
        reports.build(ledger, reports.period(name), by)


def process(args: list[str], home: Path) -> None:
    env = dict(os.environ, SLMR_HOME=str(home))
    done = subprocess.run([sys.executable, "-m", "slmr", *args], env=env, capture_output=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"slmr {' '.join(args)} failed: {done.stderr.decode()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="generate into (or reuse) this directory")
    opts = parser.parse_args()

    home = opts.keep or Path(tempfile.mkdtemp(prefix="slmr-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    path = home / "ledger.db"
    if not path.exists():
        seconds = generate(path, opts.calls)
        print(f"generated {opts.calls:,} calls in {seconds:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
    with Ledger(path) as ledger:
        total = ledger.db.execute("SELECT count(*) FROM calls").fetchone()[0]
        sizes = [ledger.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("rollup_time", "rollup_keys")]
    print(f"ledger: {total:,} calls; rollup rows: {sizes[0]:,} by quarter hour, {sizes[1]:,} by day and key\n")
    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}\n")

    empty = Path(tempfile.mkdtemp(prefix="slmr-bench-empty-"))
    results: list[tuple[str, float, float | None]] = []
    for label, name, by in (
        ("report in-process: month, by model", "month", "model"),
        ("report in-process: all, by model", "all", "model"),
        ("report in-process: all, by day", "all", "day"),
    ):
        results.append((label, median_s(lambda n=name, b=by: in_process(path, n, b), opts.runs), 0.5))
    startup = median_s(lambda: process(["spend", "--json"], empty), opts.runs)
    results.append(("`slmr spend --json`, empty ledger (start-up only)", startup, None))
    for label, args in (
        ("`slmr spend` (this month)", ["spend"]),
        ("`slmr spend --all`", ["spend", "--all"]),
        ("`slmr spend --all --by day --csv`", ["spend", "--all", "--by", "day", "--csv"]),
    ):
        results.append((label, median_s(lambda a=args: process(a, home), opts.runs), 0.5))

    call = CallRecord(
        command="rewrite",
        task="rewrite",
        route="reshape",
        decided_by="task",
        backend="ollama",
        model="llama3.2:3b",
        status="ok",
        input_tokens=100,
        output_tokens=50,
        cost_usd=0.0,
        baseline_model="claude-opus-5-5",
        baseline_cost_usd=0.0014,
        latency_ms=500.0,
    )
    samples = []
    for _ in range(300):
        t = time.perf_counter()
        record_safely(path, call)
        samples.append(time.perf_counter() - t)
    samples.sort()
    results.append(("record one call (open, insert, close): median", statistics.median(samples), 0.005))
    results.append(("record one call (open, insert, close): p95", samples[int(0.95 * len(samples)) - 1], 0.005))
    with Ledger(path) as ledger:
        results.append(("insert on an open connection", median_s(lambda: ledger.record(call), 300), 0.005))

    print("| measurement | median | target | ratio to target |")
    print("|---|---:|---:|---:|")
    for label, seconds, target in results:
        ms = f"{seconds * 1000:.1f} ms"
        if target is None:
            print(f"| {label} | {ms} | — | — |")
        else:
            print(f"| {label} | {ms} | {target * 1000:.0f} ms | {seconds / target:.2f} |")
    spend_all = next(s for label, s, _ in results if label == "`slmr spend --all`")
    print(f"\nledger's share of `slmr spend --all`: {1000 * (spend_all - startup):.0f} ms over start-up")


if __name__ == "__main__":
    main()
