"""slmr spend: what was spent and what was saved, over a period."""

from __future__ import annotations

import json as jsonlib
from datetime import date
from typing import Annotated

import typer

from slmr import config, reports
from slmr.cli import common
from slmr.errors import UsageError
from slmr.ledger import Ledger

REPORT_COLUMNS = (
    "ts_utc",
    "backend",
    "model",
    "task",
    "route",
    "status",
    "input_tokens",
    "output_tokens",
    "tokens_estimated",
    "cost_usd",
    "baseline_cost_usd",
    "project",
)


def _parse_date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag} takes a date as YYYY-MM-DD, not {value!r}") from None


def spend(
    today: Annotated[bool, typer.Option("--today", help="Only today.")] = False,
    week: Annotated[bool, typer.Option("--week", help="This week (from Monday).")] = False,
    month: Annotated[bool, typer.Option("--month", help="This month (the default).")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Everything in the ledger.")] = False,
    since: Annotated[str | None, typer.Option("--since", help="From this local date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to and including this local date.")] = None,
    json: common.Json = False,
) -> None:
    """Report calls, tokens, spend, baseline spend and savings, grouped by model.

    The baseline is what the same tokens would have cost on the configured frontier model.

    Examples:

        slmr spend

        slmr spend --week

        slmr spend --since 2026-11-01 --json | jq .saved_usd
    """
    chosen = [name for name, flag in (("today", today), ("week", week), ("month", month), ("all", all_)) if flag]
    if len(chosen) > 1:
        raise UsageError(f"choose one period, not {' and '.join('--' + c for c in chosen)}")
    if chosen and (since or until):
        raise UsageError(f"--{chosen[0]} cannot be combined with --since/--until")
    per = reports.period(
        chosen[0] if chosen else "month",
        since=_parse_date(since, "--since"),
        until=_parse_date(until, "--until"),
    )
    since_utc, until_utc = per.utc_bounds()
    path = config.ledger_path()
    rows = []
    if path.exists():
        with Ledger(path) as ledger:
            rows = ledger.calls(since_utc, until_utc, columns=REPORT_COLUMNS)
    report = reports.aggregate(rows, per, by="model")
    console = common.console()
    if json:
        console.write(jsonlib.dumps(report.as_dict(by="model"), indent=2) + "\n")
        return
    _render(report, console)


def _money(value: float) -> str:
    return f"${value:,.4f}" if abs(value) < 1 else f"${value:,.2f}"


def _render(report: reports.Report, console: common.Console) -> None:
    from rich.table import Table

    t = report.totals
    table = Table(title=f"slmr spend — {report.period.label}", title_justify="left")
    for column in ("model", "calls", "input tok", "output tok", "spend", "baseline", "saved"):
        table.add_column(column, justify="left" if column == "model" else "right", no_wrap=column == "model")
    for key, g in report.groups.items():
        table.add_row(
            key,
            str(g.calls),
            f"{g.input_tokens:,}",
            f"{g.output_tokens:,}",
            _money(g.cost_usd),
            _money(g.baseline_cost_usd),
            _money(g.saved_usd),
        )
    table.add_section()
    pct = f" ({t.saved_pct:.0f}%)" if t.saved_pct is not None else ""
    table.add_row(
        "total",
        str(t.calls),
        f"{t.input_tokens:,}",
        f"{t.output_tokens:,}",
        _money(t.cost_usd),
        _money(t.baseline_cost_usd),
        _money(t.saved_usd) + pct,
    )
    console.out.print(table)
    share = f"{100 * t.local_share:.0f}%" if t.local_share is not None else "—"
    console.out.print(f"local share of calls: {share}", markup=False, highlight=False)
    if t.estimated_calls:
        console.out.print(
            f"estimated token counts: {t.estimated_calls} of {t.calls} calls (the server reported no usage,"
            " or the call was cut short); their tokens and money are estimates",
            markup=False,
            highlight=False,
        )
    if report.unpriced_models:
        missing = ", ".join(f"{m} ({n} calls)" for m, n in report.unpriced_models.items())
        console.out.print(
            f'no price known for: {missing}; their cost is not counted. Add one: [prices."MODEL"] in the config',
            markup=False,
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.command("spend")(spend)
