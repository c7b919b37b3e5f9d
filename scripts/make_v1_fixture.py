#!/usr/bin/env python3
"""Write tests/data/ledger_v1.db: a ledger as the first schema (0001_calls) left it, with known rows.

Run once, with the code at the commit that had only migration 0001; the file is committed and the
upgrade test opens a copy of it. Kept so the fixture can be regenerated and read.
"""

from __future__ import annotations

import sys
from pathlib import Path

from slmr.ledger import MIGRATIONS, CallRecord, Ledger

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "ledger_v1.db"


def main() -> None:
    assert [name for name, _ in MIGRATIONS] == ["0001_calls"], "run this at the v1 schema"
    OUT.unlink(missing_ok=True)
    base = dict(command="rewrite", task="rewrite", route="reshape", decided_by="task", status="ok")
    rows = [
        # a local call: free, baseline on Opus 5 at the prices of the day (5 / 25 per MTok)
        CallRecord(
            **base,
            backend="ollama",
            model="llama3.2:3b",
            ts_utc="2026-10-01T08:00:00.000000Z",
            input_tokens=1000,
            output_tokens=500,
            cost_usd=0.0,
            baseline_model="claude-opus-5",
            baseline_cost_usd=0.0175,
            latency_ms=900.0,
            ttft_ms=120.0,
            project="slmr",
        ),
        # a cloud call
        CallRecord(
            **{**base, "command": "create", "task": "create", "route": "create"},
            backend="anthropic",
            model="claude-opus-5",
            ts_utc="2026-10-02T09:30:00.000000Z",
            input_tokens=2000,
            output_tokens=1000,
            cost_usd=0.035,
            baseline_model="claude-opus-5",
            baseline_cost_usd=0.035,
            latency_ms=4200.0,
            ttft_ms=800.0,
            project="slmr",
        ),
        # an unpriced model
        CallRecord(
            **base,
            backend="anthropic",
            model="claude-unknown-9",
            ts_utc="2026-10-03T23:59:59.999999Z",
            input_tokens=10,
            output_tokens=10,
            cost_usd=None,
            baseline_model="claude-opus-5",
            baseline_cost_usd=0.0003,
            latency_ms=500.0,
        ),
        # an interrupted call with estimated tokens
        CallRecord(
            **{**base, "status": "interrupted"},
            backend="ollama",
            model="llama3.2:3b",
            ts_utc="2026-10-04T12:00:00.000000Z",
            input_tokens=400,
            output_tokens=20,
            tokens_estimated=True,
            cost_usd=0.0,
            baseline_model="claude-opus-5",
            baseline_cost_usd=0.0025,
            latency_ms=300.0,
            error_kind="interrupted",
        ),
    ]
    with Ledger(OUT) as ledger:
        for row in rows:
            ledger.record(row)
        # an escalation: the local attempt failed its checks, the frontier model answered (parent_id links them)
        parent = ledger.record(
            CallRecord(
                **{**base, "status": "error"},
                backend="ollama",
                model="llama3.2:3b",
                ts_utc="2026-10-05T10:00:00.000000Z",
                input_tokens=800,
                output_tokens=200,
                cost_usd=0.0,
                baseline_model="claude-opus-5",
                baseline_cost_usd=0.009,
                latency_ms=1500.0,
                error_kind="check_failed",
            )
        )
        ledger.record(
            CallRecord(
                **{**base, "decided_by": "policy", "route": "create"},
                backend="anthropic",
                model="claude-opus-5",
                ts_utc="2026-10-05T10:00:02.000000Z",
                input_tokens=800,
                output_tokens=200,
                cost_usd=0.009,
                baseline_model="claude-opus-5",
                baseline_cost_usd=0.009,
                latency_ms=3000.0,
                parent_id=parent,
            )
        )
        ledger.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        ledger.db.execute("PRAGMA journal_mode = DELETE")
    print(f"wrote {OUT} ({len(rows) + 2} rows)", file=sys.stderr)


if __name__ == "__main__":
    main()
