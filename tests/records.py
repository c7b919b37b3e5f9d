"""One typical ledger row for tests that fill a ledger: a local rewrite of 1,000 in / 500 out tokens."""

from __future__ import annotations

from slmr.ledger import CallRecord

#: Opus at $4 in / $20 out per MTok would have cost this for the same tokens
BASELINE_USD = (1000 * 4 + 500 * 20) / 1e6


def local_rewrite(**overrides: object) -> CallRecord:
    fields: dict[str, object] = dict(
        command="rewrite",
        task="rewrite",
        route="reshape",
        decided_by="task",
        backend="ollama",
        model="llama3.2:3b",
        status="ok",
        input_tokens=1000,
        output_tokens=500,
        cost_usd=0.0,
        baseline_model="claude-opus-5-5",
        baseline_cost_usd=BASELINE_USD,
    )
    fields.update(overrides)
    return CallRecord(**fields)  # type: ignore[arg-type]
