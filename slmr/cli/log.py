"""slmr log: recent calls, one line each, newest first (like ``git log --oneline``)."""

from __future__ import annotations

import json as jsonlib
from datetime import datetime
from typing import Annotated, Any

import typer

from slmr import config
from slmr.cli import common
from slmr.cli.spend import reading
from slmr.errors import UsageError

#: the keys of each object in ``slmr log --json``; stable
LOG_COLUMNS = (
    "id",
    "ts_utc",
    "command",
    "task",
    "route",
    "decided_by",
    "backend",
    "model",
    "status",
    "error_kind",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "tokens_estimated",
    "cost_usd",
    "baseline_cost_usd",
    "latency_ms",
    "parent_id",
    "project",
)


def log(
    n: Annotated[int, typer.Option("-n", "--max-count", help="How many calls to show.", min=1)] = 20,
    model: Annotated[str | None, typer.Option("--model", help="Only this model (or names starting so).")] = None,
    task: Annotated[str | None, typer.Option("--task", help="Only this task (rewrite, ask, …).")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Only this status: ok, error, interrupted.")] = None,
    json: common.Json = False,
    purge_text: Annotated[
        bool, typer.Option("--purge-text", help="Remove stored prompt and response text; keep the figures.")
    ] = False,
) -> None:
    """List recent calls from the ledger, newest first.

    Each line: id, local time, status, backend/model, task, tokens (~ when estimated), cost, latency.

    Examples:

        slmr log

        slmr log -n 5 --status error

        slmr log --model claude --json | jq '.[].cost_usd'
    """
    if purge_text:
        from slmr.ledger import purge_text as purge

        cleared = purge(config.ledger_path())
        common.console().info(f"removed stored text from {cleared} call(s); the figures are kept")
        return
    if status is not None and status not in ("ok", "error", "interrupted"):
        raise UsageError(f"--status must be ok, error or interrupted, not {status!r}")
    console = common.console()
    path = config.ledger_path()
    rows: list[dict[str, Any]] = []
    if path.exists():
        with reading(path) as ledger:
            rows = [dict(r) for r in ledger.log(n, model=model, task=task, status=status)]
    if json:
        items = [{k: (bool(r[k]) if k == "tokens_estimated" else r.get(k)) for k in LOG_COLUMNS} for r in rows]
        console.write(jsonlib.dumps(items, indent=2) + "\n")
        return
    for row in rows:
        console.write(oneline(row) + "\n")


def oneline(row: dict[str, Any]) -> str:
    when = datetime.fromisoformat(row["ts_utc"].replace("Z", "+00:00")).astimezone().strftime("%Y-%m-%d %H:%M")
    tokens = (row["input_tokens"] or 0) + (row["output_tokens"] or 0)
    approx = "~" if row["tokens_estimated"] else ""
    if row["cost_usd"] is None:
        cost = "no price" if row["input_tokens"] is not None or row["output_tokens"] is not None else "—"
    else:
        cost = f"${row['cost_usd']:.4f}"
    latency = "" if row["latency_ms"] is None else f" {row['latency_ms'] / 1000:.1f}s"
    kind = row["error_kind"]
    status = row["status"] if not kind or kind == row["status"] else f"{row['status']}:{kind}"
    parent = f" (escalated from {row['parent_id']})" if row["parent_id"] else ""
    return (
        f"{row['id']:>6} {when} {status:<11} {row['backend']}/{row['model']} {row['task']} "
        f"{approx}{tokens} tok {cost}{latency}{parent}"
    )


def register(app: typer.Typer) -> None:
    app.command("log")(log)
