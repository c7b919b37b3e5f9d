"""slmr spend: what was spent and what was saved, over a period, grouped as asked."""

from __future__ import annotations

import contextlib
import csv
import io
import json as jsonlib
import sqlite3
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from slmr import config, reports
from slmr.cli import common
from slmr.errors import InputError, UsageError
from slmr.ledger import Ledger

if TYPE_CHECKING:
    from rich.console import Console as RichConsole


class By(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    model = "model"
    task = "task"
    route = "route"
    project = "project"


@contextlib.contextmanager
def reading(path: Path) -> Iterator[Ledger]:
    """The ledger for a report; a file SQLite cannot read is a one-line error, not a traceback."""
    try:
        with Ledger(path) as ledger:
            yield ledger
    except sqlite3.DatabaseError as exc:
        raise InputError(
            f"cannot read the ledger {path}: {exc}",
            "move it aside; slmr keeps recording calls in a fallback file and merges them into a new ledger",
        ) from None


def _parse_date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{flag} takes a date as YYYY-MM-DD, not {value!r}") from None


def choose_period(
    today: bool, week: bool, month: bool, all_: bool, since: str | None, until: str | None
) -> reports.Period:
    chosen = [name for name, flag in (("today", today), ("week", week), ("month", month), ("all", all_)) if flag]
    if len(chosen) > 1:
        raise UsageError(f"choose one period, not {' and '.join('--' + c for c in chosen)}")
    if chosen and (since or until):
        raise UsageError(f"--{chosen[0]} cannot be combined with --since/--until")
    try:
        return reports.period(
            chosen[0] if chosen else "month",
            since=_parse_date(since, "--since"),
            until=_parse_date(until, "--until"),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def spend(
    today: Annotated[bool, typer.Option("--today", help="Only today.")] = False,
    week: Annotated[bool, typer.Option("--week", help="This week (from Monday).")] = False,
    month: Annotated[bool, typer.Option("--month", help="This month (the default).")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Everything in the ledger.")] = False,
    since: Annotated[str | None, typer.Option("--since", help="From this local date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to and including this local date.")] = None,
    by: Annotated[By, typer.Option("--by", help="Group rows by this.", case_sensitive=False)] = By.model,
    json: common.Json = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (one row per group, then a total row).")] = False,
) -> None:
    """Report calls, tokens, spend, the frontier baseline and what was saved.

    The baseline is what the same tokens would have cost on the configured frontier model. Dates are
    in your local time zone. Calls on models with no known price are counted apart and named, never
    added as $0.

    Examples:

        slmr spend

        slmr spend --week --by day

        slmr spend --since 2026-11-01 --json | jq .saved_usd

        slmr spend --all --by month --csv > spend.csv
    """
    if json and as_csv:
        raise UsageError("--json and --csv cannot be used together", "pick one")
    per = choose_period(today, week, month, all_, since, until)
    console = common.console()
    chart = not (json or as_csv) and console.stdout_is_tty
    path = config.ledger_path()
    if path.exists():
        with reading(path) as ledger:
            report = reports.build(ledger, per, by.value, daily=chart)
    else:
        report = reports.aggregate([], per, by.value)
    if json:
        console.write(jsonlib.dumps(report.as_dict(), indent=2) + "\n")
    elif as_csv:
        console.write(to_csv(report))
    else:
        render(report, console, frontier=common.settings().cloud.resolved_model(), chart=chart)


def to_csv(report: reports.Report) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=reports.CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(report.csv_rows())
    return buffer.getvalue()


def _money(value: float) -> str:
    return f"${value:,.4f}" if abs(value) < 1 else f"${value:,.2f}"


def _known(value: float, unknown: int, calls: int) -> str:
    """A sum that leaves out calls with no price says so: "no price", or "+?" after the known part."""
    if unknown and unknown >= calls:
        return "no price"
    return _money(value) + (" +?" if unknown else "")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _seconds(ms: float | None) -> str:
    return "—" if ms is None else (f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s")


def table_console(console: common.Console) -> RichConsole:
    """Where tables go: the terminal as it is, or, into a pipe or file, lines as wide as the table needs
    (rich would otherwise fold names at 80 columns)."""
    if console.stdout_is_tty:
        return console.out
    from rich.console import Console

    return Console(file=console.stdout, width=1000, highlight=False, no_color=True, color_system=None)


def render(report: reports.Report, console: common.Console, *, frontier: str, chart: bool = False) -> None:
    from rich.table import Table

    t = report.totals
    table = Table(title=f"slmr spend — {report.period.label}", title_justify="left")
    table.add_column(report.by, overflow="fold")
    for column in ("calls", "local", "tokens", "spend", "baseline", "saved"):
        table.add_column(column, justify="right", no_wrap=True)
    for key, g in report.groups.items():
        table.add_row(
            key,
            f"{g.calls:,}",
            _pct(g.local_share),
            f"{g.tokens:,}",
            _known(g.cost_usd, g.unpriced_calls, g.calls),
            _known(g.baseline_cost_usd, g.unbaselined_calls, g.calls),
            _money(g.saved_usd),
        )
    table.add_section()
    pct = f" ({t.saved_pct:.0f}%)" if t.saved_pct is not None else ""
    table.add_row(
        "total",
        f"{t.calls:,}",
        _pct(t.local_share),
        f"{t.tokens:,}",
        _known(t.cost_usd, t.unpriced_calls, t.calls),
        _known(t.baseline_cost_usd, t.unbaselined_calls, t.calls),
        _money(t.saved_usd) + pct,
    )
    table_console(console).print(table)
    if chart and report.daily:
        _chart(report.daily, console)
    lines = [
        f"spent {_money(t.cost_usd)}; on {frontier} it would have been {_money(t.baseline_cost_usd)}; "
        f"saved {_money(t.saved_usd)}{pct}",
        f"local share: {_pct(t.local_share)} of calls, {_pct(t.local_token_share)} of tokens",
        f"escalation rate: {_pct(t.escalation_rate)} ({t.escalated_calls} of {t.local_calls} local calls "
        "went on to the frontier model; they count both costs and save nothing)",
    ]
    if report.latency:
        parts = [f"{b} {_seconds(lat.p50_ms)} / {_seconds(lat.p95_ms)}" for b, lat in report.latency.items()]
        lines.append("latency (median / 95th percentile): " + "; ".join(parts))
    if t.estimated_calls:
        lines.append(
            f"estimated token counts: {t.estimated_calls} of {t.calls} calls (the server reported no usage,"
            " or the call was cut short); their tokens and money are estimates"
        )
    if report.unpriced_models:
        missing = ", ".join(f"{m} ({n} call{'s' if n != 1 else ''})" for m, n in report.unpriced_models.items())
        lines.append(
            f"no price known for: {missing}; their cost is NOT in these totals. "
            'Add one with [prices."MODEL"] in the config (see slmr prices)'
        )
    if report.unpriced_baseline_models:
        missing = ", ".join(f"{m} ({n} calls)" for m, n in report.unpriced_baseline_models.items())
        lines.append(f"no price known for the baseline model: {missing}; those calls are left out of the savings")
    lines += [f"note: {note}" for note in report.notes]
    for line in lines:
        console.out.print(line, markup=False, highlight=False, soft_wrap=True)


def _chart(daily: list[tuple[str, float, float]], console: common.Console, width: int = 40) -> None:
    """Daily spend (█) against the baseline (░), the last 31 days of the period."""
    from rich.table import Table
    from rich.text import Text

    days = daily[-31:]
    top = max((max(cost, base) for _, cost, base in days), default=0.0) or 1.0
    chart = Table(title="daily spend █ vs baseline ░", title_justify="left", box=None, show_header=False)
    chart.add_column(justify="left")
    chart.add_column(justify="left")
    chart.add_column(justify="right")
    for day, cost, base in days:
        spent = round(width * cost / top)
        bar = Text("█" * spent, style="green") + Text("░" * max(0, round(width * base / top) - spent), style="dim")
        chart.add_row(day[5:], bar, f"{_money(cost)} / {_money(base)}")
    console.out.print(chart)


def register(app: typer.Typer) -> None:
    app.command("spend")(spend)
