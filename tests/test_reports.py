"""Savings arithmetic and periods, through a real ledger and the report builder, checked by hand."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from slmr import reports
from slmr.ledger import CallRecord, Ledger
from tests.records import local_rewrite


def call(ts: str, **fields) -> CallRecord:
    return local_rewrite(**{"latency_ms": 1000.0, "ts_utc": ts, **fields})


@pytest.fixture
def ledger(tmp_path: Path):
    with Ledger(tmp_path / "ledger.db") as opened:
        yield opened


ALL = reports.period("all")


def test_savings_hand_computed(ledger: Ledger):
    ts = "2026-11-10T12:00:00.000000Z"
    ledger.record(call(ts))  # local: saves 0.014
    ledger.record(call(ts))  # local: saves 0.014
    cloud = dict(backend="anthropic", model="claude-opus-5-5", route="create", cost_usd=0.028, baseline_cost_usd=0.028)
    ledger.record(call(ts, input_tokens=2000, output_tokens=1000, **cloud))  # saves 0
    # escalation: the local attempt (free) failed its checks, the frontier answered at 0.014
    parent = ledger.record(call(ts, status="error", error_kind="check_failed"))
    ledger.record(call(ts, parent_id=parent, backend="anthropic", model="claude-opus-5-5", cost_usd=0.014))
    # a model with no price: counted apart, never $0 in the savings
    ledger.record(call(ts, backend="anthropic", model="claude-unknown-9", cost_usd=None, baseline_cost_usd=0.014))

    t = reports.build(ledger, ALL).totals
    assert t.calls == 6 and t.local_calls == 3 and t.cloud_calls == 3
    assert t.cost_usd == pytest.approx(0.028 + 0.014)
    # baseline: two local calls (0.028) + the cloud call (0.028) + the escalated pair's frontier call (0.014);
    # the escalated local attempt gives up its baseline, the unpriced call is left out
    assert t.baseline_cost_usd == pytest.approx(0.070)
    assert t.saved_usd == pytest.approx(0.028)
    assert t.saved_pct == pytest.approx(40.0)
    assert t.unpriced_calls == 1
    assert t.escalated_calls == 1 and t.escalation_rate == pytest.approx(1 / 3)
    assert t.local_share == pytest.approx(0.5)
    # tokens: 3 local calls x 1,500 of 1,500 + 1,500 + 3,000 + 1,500 + 1,500 + 1,500
    assert t.local_token_share == pytest.approx(4500 / 10500)


def test_escalation_with_a_priced_local_attempt_saves_less_than_nothing(ledger: Ledger):
    # with an energy cost, the local attempt costs 0.001 and the pair "saves" -0.001: both costs count
    ts = "2026-11-10T12:00:00.000000Z"
    parent = ledger.record(call(ts, cost_usd=0.001))
    ledger.record(call(ts, parent_id=parent, backend="anthropic", model="claude-opus-5-5", cost_usd=0.014))
    ledger.record(call(ts, parent_id=parent, backend="anthropic", model="claude-opus-5-5", cost_usd=0.014))
    t = reports.build(ledger, ALL).totals
    assert t.escalated_calls == 1  # a second child does not take the parent's baseline out twice
    assert t.cost_usd == pytest.approx(0.029)
    assert t.saved_usd == pytest.approx(-0.001)


def test_cache_tokens_count_in_tokens_and_groups(ledger: Ledger):
    ts = "2026-11-10T12:00:00.000000Z"
    ledger.record(call(ts, backend="anthropic", model="claude-opus-5-5", cache_read_tokens=9000, cache_write_tokens=1))
    report = reports.build(ledger, ALL, "route")
    assert report.totals.cache_read_tokens == 9000 and report.totals.tokens == 10_501
    assert list(report.groups) == ["reshape"]


def test_latency_percentiles_nearest_rank(ledger: Ledger):
    for i in range(1, 101):
        ledger.record(call("2026-11-10T12:00:00.000000Z", latency_ms=float(i)))
    ledger.record(call("2026-11-10T12:00:00.000000Z", latency_ms=None))
    lat = reports.build(ledger, ALL).latency["ollama"]
    assert (lat.calls, lat.p50_ms, lat.p95_ms) == (100, 50.0, 95.0)


def test_percentiles_respect_the_period(ledger: Ledger):
    ledger.record(call("2026-10-31T12:00:00.000000Z", latency_ms=9999.0))
    ledger.record(call("2026-11-02T12:00:00.000000Z", latency_ms=10.0))
    per = reports.period(since=date(2026, 11, 1), until=date(2026, 11, 30), tz=UTC)
    lat = reports.build(ledger, per).latency["ollama"]
    assert (lat.calls, lat.p50_ms, lat.p95_ms) == (1, 10.0, 10.0)


# --- periods -------------------------------------------------------------------------------------


def test_month_boundary_in_new_york(ledger: Ledger):
    ny = ZoneInfo("America/New_York")
    now = datetime(2026, 3, 31, 23, 30, tzinfo=ny)
    per = reports.period("month", now=now, tz=ny)
    assert per.utc_bounds()[0] == "2026-03-01T05:00:00.000000Z"  # midnight EST
    ledger.record(call("2026-03-01T04:59:59.999999Z"))  # Feb 28, 23:59 in New York
    ledger.record(call("2026-03-01T05:00:00.000000Z"))  # Mar 1, 00:00
    assert reports.build(ledger, per).totals.calls == 1


def test_days_follow_daylight_saving_time(ledger: Ledger):
    ny = ZoneInfo("America/New_York")
    # clocks spring forward on 2026-03-08: that local day starts at 05:00Z, the next at 04:00Z
    ledger.record(call("2026-03-09T03:59:00.000000Z"))  # Mar 8, 23:59 EDT
    ledger.record(call("2026-03-09T04:00:00.000000Z"))  # Mar 9, 00:00 EDT
    report = reports.build(ledger, reports.period("all", tz=ny), "day")
    assert {k: g.calls for k, g in report.groups.items()} == {"2026-03-08": 1, "2026-03-09": 1}
    per = reports.period(since=date(2026, 3, 9), until=date(2026, 3, 9), tz=ny)
    assert per.utc_bounds() == ("2026-03-09T04:00:00.000000Z", "2026-03-10T04:00:00.000000Z")
    assert reports.build(ledger, per).totals.calls == 1


def test_by_day_across_a_transition_inside_the_period(ledger: Ledger):
    ny = ZoneInfo("America/New_York")
    for ts in (
        "2026-03-07T12:00:00.000000Z",  # Mar 7
        "2026-03-08T04:59:00.000000Z",  # Mar 7, 23:59 EST
        "2026-03-08T05:00:00.000000Z",  # Mar 8, 00:00 EST
        "2026-03-09T03:59:00.000000Z",  # Mar 8, 23:59 EDT
        "2026-03-09T04:00:00.000000Z",  # Mar 9, 00:00 EDT
    ):
        ledger.record(call(ts))
    report = reports.build(ledger, reports.period("all", tz=ny), "day")
    assert {k: g.calls for k, g in report.groups.items()} == {"2026-03-07": 2, "2026-03-08": 2, "2026-03-09": 1}
    # Sydney falls back on 2026-04-05 at 03:00 AEDT (16:00Z on the 4th): that local day lasts 25 hours
    sydney = ZoneInfo("Australia/Sydney")
    ranges = reports.local_ranges(
        datetime(2026, 4, 3, 13, 0, tzinfo=UTC), datetime(2026, 4, 5, 14, 0, tzinfo=UTC), "day", sydney
    )
    assert ranges == [
        ("2026-04-04", "2026-04-03T13:00", "2026-04-04T13:00"),
        ("2026-04-05", "2026-04-04T13:00", "2026-04-05T14:00"),
    ]


def test_quarter_hour_zone_and_month_end(ledger: Ledger):
    # Nepal is UTC+5:45: December starts at 2026-11-30T18:15Z
    kathmandu = ZoneInfo("Asia/Kathmandu")
    ledger.record(call("2026-11-30T18:14:59.000000Z"))
    ledger.record(call("2026-11-30T18:15:00.000000Z"))
    per = reports.period("month", now=datetime(2026, 12, 1, 0, 1, tzinfo=kathmandu), tz=kathmandu)
    assert reports.build(ledger, per).totals.calls == 1
    months = reports.build(ledger, reports.period("all", tz=kathmandu), "month")
    assert {k: g.calls for k, g in months.groups.items()} == {"2026-11": 1, "2026-12": 1}


def test_system_time_zone_from_tz_env(ledger: Ledger, monkeypatch: pytest.MonkeyPatch):
    """Without an explicit zone, periods and day keys follow the process's TZ (what users have)."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+5:30
    time.tzset()
    try:
        ledger.record(call("2026-11-21T18:29:00.000000Z"))  # Nov 21, 23:59 IST
        ledger.record(call("2026-11-21T18:30:00.000000Z"))  # Nov 22, 00:00 IST
        per = reports.period("today", now=datetime(2026, 11, 21, 20, 0, tzinfo=UTC))
        assert per.utc_bounds()[0] == "2026-11-21T18:30:00.000000Z"
        assert reports.build(ledger, per).totals.calls == 1
        days = reports.build(ledger, reports.period("all"), "day")
        assert list(days.groups) == ["2026-11-21", "2026-11-22"]
    finally:
        monkeypatch.undo()
        time.tzset()


def test_week_starts_monday_and_until_includes_its_day():
    per = reports.period("week", now=datetime(2026, 11, 22, 9, 0, tzinfo=UTC), tz=UTC)  # a Sunday
    assert per.since == datetime(2026, 11, 16, tzinfo=UTC)
    per = reports.period(since=date(2026, 2, 27), until=date(2026, 2, 28), tz=UTC)
    assert per.until == datetime(2026, 3, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        reports.period(since=date(2026, 3, 2), until=date(2026, 3, 1))


def test_group_by_week_and_month_keys(ledger: Ledger):
    ledger.record(call("2026-11-29T12:00:00.000000Z"))  # Sunday
    ledger.record(call("2026-11-30T12:00:00.000000Z"))  # Monday: a new week
    ledger.record(call("2026-12-01T12:00:00.000000Z"))
    weeks = reports.build(ledger, reports.period("all", tz=UTC), "week")
    assert {k: g.calls for k, g in weeks.groups.items()} == {"2026-11-23": 1, "2026-11-30": 2}
    months = reports.build(ledger, reports.period("all", tz=UTC), "month", daily=True)
    assert {k: g.calls for k, g in months.groups.items()} == {"2026-11": 2, "2026-12": 1}
    assert [d for d, _, _ in months.daily] == ["2026-11-29", "2026-11-30", "2026-12-01"]


def test_both_percentile_strategies_agree(ledger: Ledger, monkeypatch: pytest.MonkeyPatch):
    from slmr import ledger as ledger_module

    for i in range(1, 41):
        ledger.record(call(f"2026-11-{1 + i % 20:02d}T12:00:00.000000Z", latency_ms=float(i * 7 % 41)))
    per = reports.period(since=date(2026, 11, 5), until=date(2026, 11, 15), tz=UTC)
    fetched = reports.build(ledger, per).latency["ollama"]
    monkeypatch.setattr(ledger_module, "LATENCY_FETCH_MAX", 0)  # walk the latency index instead
    walked = reports.build(ledger, per).latency["ollama"]
    assert fetched == walked and fetched.calls == 22
