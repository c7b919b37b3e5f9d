"""Report arithmetic over ledger rows: periods, totals, savings. No SQL, no printing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

LOCAL_BACKENDS = frozenset({"ollama", "openai-compatible"})
#: ledger ``attempt`` values that start a piece of work (None: rows from before attempts were recorded)
STARTS = frozenset({None, "first", "redo", "map", "reduce", "section"})


@dataclass(frozen=True)
class Period:
    label: str
    since: datetime | None  # aware, inclusive
    until: datetime | None  # aware, exclusive

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


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min).astimezone()


def period(
    name: str = "month",
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
) -> Period:
    """A reporting period in the user's local time zone. ``until`` is inclusive of that whole day."""
    now = (now or datetime.now().astimezone()).astimezone()
    today = now.date()
    if since or until:
        start = _local_midnight(since) if since else None
        end = _local_midnight(until + timedelta(days=1)) if until else None
        label = f"{since.isoformat() if since else '…'} to {until.isoformat() if until else 'now'}"
        return Period(label, start, end)
    if name == "today":
        return Period("today", _local_midnight(today), None)
    if name == "week":
        monday = today - timedelta(days=today.weekday())
        return Period(f"week of {monday.isoformat()}", _local_midnight(monday), None)
    if name == "month":
        first = today.replace(day=1)
        return Period(first.strftime("%B %Y"), _local_midnight(first), None)
    if name == "all":
        return Period("all time", None, None)
    raise ValueError(f"unknown period {name!r}")


@dataclass
class Totals:
    calls: int = 0
    local_calls: int = 0
    cloud_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    baseline_cost_usd: float = 0.0
    unpriced_calls: int = 0
    estimated_calls: int = 0
    errors: int = 0
    #: pieces of work that started on the local model, and those of them escalated to the frontier model
    local_starts: int = 0
    escalations: int = 0

    @property
    def saved_usd(self) -> float:
        return self.baseline_cost_usd - self.cost_usd

    @property
    def saved_pct(self) -> float | None:
        return None if self.baseline_cost_usd <= 0 else 100.0 * self.saved_usd / self.baseline_cost_usd

    @property
    def local_share(self) -> float | None:
        return None if not self.calls else self.local_calls / self.calls

    @property
    def escalation_rate(self) -> float | None:
        return None if not self.local_starts else self.escalations / self.local_starts

    def add(self, row: Mapping[str, Any]) -> None:
        self.calls += 1
        if row["backend"] in LOCAL_BACKENDS:
            self.local_calls += 1
        else:
            self.cloud_calls += 1
        self.input_tokens += row["input_tokens"] or 0
        self.output_tokens += row["output_tokens"] or 0
        has_tokens = row["input_tokens"] is not None or row["output_tokens"] is not None
        if row["cost_usd"] is None:
            if has_tokens:
                self.unpriced_calls += 1
        else:
            self.cost_usd += row["cost_usd"]
            # savings only count where both figures are known
            if row["baseline_cost_usd"] is not None:
                self.baseline_cost_usd += row["baseline_cost_usd"]
        if row["tokens_estimated"]:
            self.estimated_calls += 1
        if row["status"] != "ok":
            self.errors += 1
        # sqlite3.Row: `in` tests values, so ask keys(); rows from other callers may lack the column
        attempt = row["attempt"] if "attempt" in row.keys() else None  # noqa: SIM118
        if row["backend"] in LOCAL_BACKENDS and attempt in STARTS:
            self.local_starts += 1
        if attempt == "escalation":
            self.escalations += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "local_calls": self.local_calls,
            "cloud_calls": self.cloud_calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "baseline_cost_usd": round(self.baseline_cost_usd, 6),
            "saved_usd": round(self.saved_usd, 6),
            "saved_pct": None if self.saved_pct is None else round(self.saved_pct, 2),
            "local_share": None if self.local_share is None else round(self.local_share, 4),
            "unpriced_calls": self.unpriced_calls,
            "estimated_calls": self.estimated_calls,
            "errors": self.errors,
            "escalations": self.escalations,
            "escalation_rate": None if self.escalation_rate is None else round(self.escalation_rate, 4),
        }


@dataclass
class Report:
    period: Period
    totals: Totals = field(default_factory=Totals)
    groups: dict[str, Totals] = field(default_factory=dict)
    unpriced_models: dict[str, int] = field(default_factory=dict)

    def as_dict(self, by: str = "model") -> dict[str, Any]:
        return {
            "period": self.period.as_dict(),
            **self.totals.as_dict(),
            "by": by,
            "groups": [{by: key, **totals.as_dict()} for key, totals in self.groups.items()],
            "unpriced_models": self.unpriced_models,
        }


def aggregate(rows: Iterable[Mapping[str, Any]], per: Period, by: str = "model") -> Report:
    report = Report(per)
    for row in rows:
        report.totals.add(row)
        key = str(row[by]) if row[by] is not None else "(none)"
        report.groups.setdefault(key, Totals()).add(row)
        if row["cost_usd"] is None and (row["input_tokens"] is not None or row["output_tokens"] is not None):
            report.unpriced_models[row["model"]] = report.unpriced_models.get(row["model"], 0) + 1
    report.groups = dict(sorted(report.groups.items(), key=lambda kv: (-kv[1].calls, kv[0])))
    return report
