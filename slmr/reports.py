"""Report arithmetic: periods, totals, savings, groups, percentiles. No SQL, no printing.

The ledger hands over sums (per quarter hour and per key, see ``slmr.ledger.Ledger.rollup``); this
module turns them into the figures a user reads, so the savings rules live in one place:

- actual spend is every known cost; a call with tokens and no price is counted apart, never as $0;
- the baseline is what the same tokens would have cost on the configured frontier model, summed over
  the calls whose actual and baseline costs are both known; saved = baseline - actual over those calls;
- an escalated call (local tried, then the frontier model) counts both costs and saves nothing: the
  local attempt keeps its cost and gives up its baseline.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol

from slmr.config import LOCAL_BACKENDS

TIME_GROUPS = ("day", "week", "month")
KEY_GROUPS = ("model", "task", "route", "project")
GROUPS = TIME_GROUPS + KEY_GROUPS

TOKENIZER_NOTE = (
    "token counts come from each model's own tokenizer, so a local call's baseline (its tokens priced on the "
    "frontier model) is close but not exact"
)

#: the columns of ``slmr spend --csv`` and of each entry of "groups" in ``--json``, in order; stable
CSV_COLUMNS = (
    "by",
    "key",
    "calls",
    "local_calls",
    "cloud_calls",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "tokens",
    "local_tokens",
    "cost_usd",
    "baseline_cost_usd",
    "saved_usd",
    "saved_pct",
    "local_share",
    "local_token_share",
    "escalated_calls",
    "escalation_rate",
    "unpriced_calls",
    "unbaselined_calls",
    "estimated_calls",
    "errors",
)


# --- periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    label: str
    since: datetime | None  # aware, inclusive
    until: datetime | None  # aware, exclusive
    #: the zone the period was cut in; None means the system's local time (with its DST rules)
    tz: tzinfo | None = None

    def utc_bounds(self) -> tuple[str | None, str | None]:
        return _utc_text(self.since), _utc_text(self.until)

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def _utc_text(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _midnight(day: date, tz: tzinfo | None) -> datetime:
    if tz is None:
        return datetime.combine(day, time.min).astimezone()  # the system's rules for that date, DST included
    return datetime.combine(day, time.min, tzinfo=tz)


def _to_local(moment: datetime, tz: tzinfo | None) -> datetime:
    return moment.astimezone(tz) if tz is not None else moment.astimezone()


def period(
    name: str = "month",
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
) -> Period:
    """A reporting period in local time (``tz``, else the system's zone). ``until`` includes that whole day."""
    current = _to_local(now or datetime.now(UTC), tz)
    today = current.date()
    if since or until:
        if since and until and until < since:
            raise ValueError(f"--until {until} is before --since {since}")
        start = _midnight(since, tz) if since else None
        end = _midnight(until + timedelta(days=1), tz) if until else None
        label = f"{since.isoformat() if since else '…'} to {until.isoformat() if until else 'now'}"
        return Period(label, start, end, tz)
    if name == "today":
        return Period(f"today ({today.isoformat()})", _midnight(today, tz), None, tz)
    if name == "week":
        monday = today - timedelta(days=today.weekday())
        return Period(f"week of {monday.isoformat()}", _midnight(monday, tz), None, tz)
    if name == "month":
        first = today.replace(day=1)
        return Period(first.strftime("%B %Y"), _midnight(first, tz), None, tz)
    if name == "all":
        return Period("all time", None, None, tz)
    raise ValueError(f"unknown period {name!r}")


def _bucket(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def _next_start(day: date, by: str) -> date:
    if by == "day":
        return day + timedelta(days=1)
    if by == "week":
        return day + timedelta(days=7)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _unit_start(day: date, by: str) -> date:
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day


def local_ranges(start: datetime, end: datetime, by: str, tz: tzinfo | None) -> list[tuple[str, str, str]]:
    """The local days (weeks, months) that ``[start, end)`` touches, as (key, first bucket, end bucket).

    Each unit runs from one local midnight to the next, computed in the zone, so a 23- or 25-hour
    day around a DST change is cut where the clock says. Units are clipped to ``[start, end)``.
    """
    out = []
    unit = _unit_start(_to_local(start, tz).date(), by)
    while True:
        lo, nxt = _midnight(unit, tz), _unit_start(_next_start(unit, by), by)
        hi = _midnight(nxt, tz)
        if lo >= end:
            break
        out.append(
            (
                unit.isoformat() if by != "month" else unit.strftime("%Y-%m"),
                _bucket(max(lo, start)),
                _bucket(min(hi, end)),
            )
        )
        unit = nxt
    return out


# --- totals --------------------------------------------------------------------------------------


def _ratio(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


@dataclass
class Totals:
    calls: int = 0
    local_calls: int = 0
    cloud_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    local_tokens: int = 0
    cost_usd: float = 0.0
    #: actual and baseline cost of the calls where both are known (what savings compare)
    compared_cost_usd: float = 0.0
    baseline_cost_usd: float = 0.0
    unpriced_calls: int = 0
    unbaselined_calls: int = 0
    escalated_calls: int = 0
    estimated_calls: int = 0
    errors: int = 0
    timed_calls: int = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_read_tokens + self.cache_write_tokens

    @property
    def saved_usd(self) -> float:
        return self.baseline_cost_usd - self.compared_cost_usd

    @property
    def saved_pct(self) -> float | None:
        return None if self.baseline_cost_usd <= 0 else 100.0 * self.saved_usd / self.baseline_cost_usd

    @property
    def local_share(self) -> float | None:
        return _ratio(self.local_calls, self.calls)

    @property
    def local_token_share(self) -> float | None:
        return _ratio(self.local_tokens, self.tokens)

    @property
    def escalation_rate(self) -> float | None:
        """Escalated local attempts per call that ran locally."""
        return _ratio(self.escalated_calls, self.local_calls)

    def add(self, row: Mapping[str, Any]) -> None:
        """Add one row of sums from ``Ledger.rollup`` (or a single call with the same names)."""
        calls = int(row["calls"])
        tokens = sum(
            int(row[k] or 0) for k in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
        )
        self.calls += calls
        if row["backend"] in LOCAL_BACKENDS:
            self.local_calls += calls
            self.local_tokens += tokens
        else:
            self.cloud_calls += calls
        self.input_tokens += int(row["input_tokens"] or 0)
        self.output_tokens += int(row["output_tokens"] or 0)
        self.cache_read_tokens += int(row["cache_read_tokens"] or 0)
        self.cache_write_tokens += int(row["cache_write_tokens"] or 0)
        self.cost_usd += float(row["cost_usd"] or 0.0)
        self.compared_cost_usd += float(row["cmp_cost_usd"] or 0.0)
        self.baseline_cost_usd += float(row["cmp_baseline_usd"] or 0.0)
        self.unpriced_calls += int(row["unpriced_calls"] or 0)
        self.unbaselined_calls += int(row["unbaselined_calls"] or 0)
        self.escalated_calls += int(row["escalated_calls"] or 0)
        self.estimated_calls += int(row["estimated_calls"] or 0)
        self.errors += int(row["error_calls"] or 0)
        self.timed_calls += int(row["latency_n"] or 0)

    def as_dict(self) -> dict[str, Any]:
        def r(value: float | None, digits: int) -> float | None:
            return None if value is None else round(value, digits)

        return {
            "calls": self.calls,
            "local_calls": self.local_calls,
            "cloud_calls": self.cloud_calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "tokens": self.tokens,
            "local_tokens": self.local_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "baseline_cost_usd": round(self.baseline_cost_usd, 6),
            "saved_usd": round(self.saved_usd, 6),
            "saved_pct": r(self.saved_pct, 2),
            "local_share": r(self.local_share, 4),
            "local_token_share": r(self.local_token_share, 4),
            "escalated_calls": self.escalated_calls,
            "escalation_rate": r(self.escalation_rate, 4),
            "unpriced_calls": self.unpriced_calls,
            "unbaselined_calls": self.unbaselined_calls,
            "estimated_calls": self.estimated_calls,
            "errors": self.errors,
        }


@dataclass
class Latency:
    calls: int
    p50_ms: float | None
    p95_ms: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "p50_ms": None if self.p50_ms is None else round(self.p50_ms, 1),
            "p95_ms": None if self.p95_ms is None else round(self.p95_ms, 1),
        }


@dataclass
class Report:
    period: Period
    by: str = "model"
    totals: Totals = field(default_factory=Totals)
    groups: dict[str, Totals] = field(default_factory=dict)
    #: model → calls that carry tokens but have no price (their cost is not in any total)
    unpriced_models: dict[str, int] = field(default_factory=dict)
    #: baseline model → calls whose baseline could not be priced (left out of savings)
    unpriced_baseline_models: dict[str, int] = field(default_factory=dict)
    latency: dict[str, Latency] = field(default_factory=dict)
    #: local day → (actual, baseline) USD, for the chart
    daily: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        notes = []
        if self.totals.local_calls and self.totals.baseline_cost_usd:
            notes.append(TOKENIZER_NOTE)
        if self.totals.estimated_calls:
            notes.append(
                f"{self.totals.estimated_calls} call(s) have estimated token counts (the server reported none)"
            )
        return notes

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.as_dict(),
            **self.totals.as_dict(),
            "by": self.by,
            "groups": [{"by": self.by, "key": key, **totals.as_dict()} for key, totals in self.groups.items()],
            "unpriced_models": self.unpriced_models,
            "unpriced_baseline_models": self.unpriced_baseline_models,
            "latency": {backend: lat.as_dict() for backend, lat in self.latency.items()},
            "notes": self.notes,
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        rows = [{"by": self.by, "key": key, **totals.as_dict()} for key, totals in self.groups.items()]
        rows.append({"by": "total", "key": "", **self.totals.as_dict()})
        return [{column: row.get(column) for column in CSV_COLUMNS} for row in rows]


# --- building a report ---------------------------------------------------------------------------


class Source(Protocol):
    """What a report reads: ``slmr.ledger.Ledger`` provides it."""

    def rollup(self, since_utc: str | None, until_utc: str | None, by: str) -> Sequence[Mapping[str, Any]]: ...

    def rollup_ranges(self, ranges: Sequence[tuple[str, str, str]]) -> Sequence[Mapping[str, Any]]: ...

    def span(self) -> tuple[str, str] | None: ...

    def latency_quantiles(
        self, backend: str, count: int, quantiles: Sequence[float], since_utc: str | None, until_utc: str | None
    ) -> list[float | None]: ...


def aggregate(rows: Iterable[Mapping[str, Any]], per: Period, by: str = "model") -> Report:
    """Fold rollup rows (``key``, ``backend`` and sums) into a report grouped by ``by``."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}; choose one of {', '.join(GROUPS)}")
    report = Report(per, by)
    for row in rows:
        report.totals.add(row)
        raw = row["key"]
        if by in TIME_GROUPS:
            key = str(raw)  # already the local day, week (its Monday) or month
        else:
            key = str(raw) if raw not in (None, "") else "(none)"
        report.groups.setdefault(key, Totals()).add(row)
    if by in TIME_GROUPS:
        report.groups = dict(sorted(report.groups.items()))
    else:
        report.groups = dict(sorted(report.groups.items(), key=lambda kv: (-kv[1].calls, kv[0])))
    return report


def _time_rows(source: Source, per: Period, by: str) -> Sequence[Mapping[str, Any]]:
    span = source.span()
    if span is None:
        return []
    first = datetime.fromisoformat(span[0] + ":00+00:00")
    last = datetime.fromisoformat(span[1] + ":00+00:00") + timedelta(minutes=15)
    start = max(per.since, first) if per.since else first
    end = min(per.until, last) if per.until else last
    if start >= end:
        return []
    return source.rollup_ranges(local_ranges(start, end, by, per.tz))


def _count_unpriced(
    source: Source, report: Report, rows: Sequence[Mapping[str, Any]], since: str | None, until: str | None
) -> None:
    """Name the models without a price; query again only when some call lacks one."""
    for column, attribute, by in (
        ("unpriced_calls", "unpriced_models", "model"),
        ("unbaselined_calls", "unpriced_baseline_models", "baseline_model"),
    ):
        if not getattr(report.totals, column):
            continue
        found: dict[str, int] = {}
        for row in rows if report.by == by else source.rollup(since, until, by):
            if row[column]:
                name = str(row["key"] or "(none)")
                found[name] = found.get(name, 0) + int(row[column])
        setattr(report, attribute, dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))))


def build(source: Source, per: Period, by: str = "model", *, daily: bool = False) -> Report:
    """The whole ``slmr spend`` report: totals and groups, unpriced models, latency, and the daily series."""
    since, until = per.utc_bounds()
    rows = _time_rows(source, per, by) if by in TIME_GROUPS else source.rollup(since, until, by)
    report = aggregate(rows, per, by)
    _count_unpriced(source, report, rows, since, until)
    timed: dict[str, int] = {}
    for row in rows:
        timed[row["backend"]] = timed.get(row["backend"], 0) + int(row["latency_n"] or 0)
    for backend, count in sorted(timed.items()):
        if count:
            p50, p95 = source.latency_quantiles(backend, count, (0.5, 0.95), since, until)
            report.latency[backend] = Latency(count, p50, p95)
    if daily:
        days = report if by == "day" else aggregate(_time_rows(source, per, "day"), per, "day")
        report.daily = [(day, t.cost_usd, t.baseline_cost_usd) for day, t in days.groups.items()]
    return report
