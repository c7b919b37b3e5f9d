"""The monthly budget: before a cloud call, compare this month's spend plus the call's estimate with
``budget.monthly_usd``; warn on stderr, or refuse (exit 6) when ``budget.hard`` is true."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from slmr import pricing, reports
from slmr.backends.base import estimate_tokens
from slmr.config import Settings, ledger_path
from slmr.console import Console
from slmr.errors import PolicyBlocked
from slmr.ledger import Ledger

#: an answer is rarely shorter than this; the estimate is for a budget, so it errs on the dear side
MIN_OUTPUT_ESTIMATE = 1024


def estimate(settings: Settings, backend: str, model: str, prompt_text: str) -> float | None:
    """USD a call is likely to cost: the prompt's tokens, and an answer as long as the prompt
    (at least ``MIN_OUTPUT_ESTIMATE`` tokens, at most ``cloud.max_tokens``). None when unpriced."""
    input_tokens = estimate_tokens(prompt_text)
    output_tokens = min(settings.cloud.max_tokens, max(MIN_OUTPUT_ESTIMATE, input_tokens))
    return pricing.cost(model, backend, input_tokens, output_tokens, settings.prices)


def month_spend(path: Path, now: datetime | None = None) -> float | None:
    """Known spend since the first of this month (local time); None when the ledger cannot be read."""
    if not path.exists():
        return 0.0
    since, _ = reports.period("month", now=now).utc_bounds()
    try:
        with Ledger(path) as ledger:
            return ledger.spent(since)
    except (sqlite3.Error, OSError):
        return None


def check(
    settings: Settings,
    console: Console,
    backend: str,
    model: str,
    prompt_text: str,
    *,
    ledger_file: Path | None = None,
    now: datetime | None = None,
) -> None:
    limit = settings.budget.monthly_usd
    if limit is None:
        return
    spent = month_spend(ledger_file or ledger_path(), now)
    if spent is None:
        console.warn("cannot read the ledger, so the monthly budget cannot be checked; running anyway")
        return
    cost = estimate(settings, backend, model, prompt_text)
    projected = spent + (cost or 0.0)
    if projected <= limit and spent < limit:
        return
    about = f"about ${cost:.4f}" if cost is not None else "an unknown amount (no price for it)"
    message = (
        f"this {model} call ({about}) would take this month's spend from ${spent:.2f} to ${projected:.2f}, "
        f"over the budget of ${limit:.2f}"
    )
    if settings.budget.hard:
        raise PolicyBlocked(
            message,
            "run it on the local model with --local, or raise the budget: "
            f"slmr config set budget.monthly_usd {max(limit * 2, projected):.0f}",
        )
    console.warn(message + " (budget.hard is off, so it runs)")
