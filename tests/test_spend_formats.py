"""slmr spend in every format, slmr log and slmr prices, in-process through the CLI."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from slmr import reports
from slmr.config import ledger_path
from slmr.ledger import CallRecord, Ledger


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture
def calls():
    """A few calls this month (local, cloud, unpriced, estimated, an escalation), and one long ago."""
    now = datetime.now(UTC)
    base = dict(command="rewrite", task="rewrite", route="reshape", decided_by="task", status="ok")
    local = dict(base, backend="ollama", model="llama3.2:3b", cost_usd=0.0, baseline_model="claude-opus-5-5")
    with Ledger(ledger_path()) as ledger:
        ledger.record(
            CallRecord(
                **local,
                input_tokens=1000,
                output_tokens=500,
                baseline_cost_usd=0.014,
                latency_ms=800.0,
                ts_utc=_ts(now),
                project="web",
            )
        )
        ledger.record(
            CallRecord(
                **local,
                input_tokens=400,
                output_tokens=100,
                baseline_cost_usd=0.0036,
                tokens_estimated=True,
                latency_ms=400.0,
                ts_utc=_ts(now),
            )
        )
        ledger.record(
            CallRecord(
                **dict(base, task="create", route="create"),
                backend="anthropic",
                model="claude-opus-5-5",
                input_tokens=2000,
                output_tokens=1000,
                cost_usd=0.028,
                baseline_model="claude-opus-5-5",
                baseline_cost_usd=0.028,
                latency_ms=3000.0,
                ts_utc=_ts(now),
            )
        )
        ledger.record(
            CallRecord(
                **dict(base, task="ask"),
                backend="anthropic",
                model="claude-new-7",
                input_tokens=10,
                output_tokens=10,
                baseline_model="claude-opus-5-5",
                baseline_cost_usd=0.0002,
                ts_utc=_ts(now),
            )
        )
        parent = ledger.record(
            CallRecord(
                **dict(local, status="error", error_kind="check_failed"),
                input_tokens=100,
                output_tokens=100,
                baseline_cost_usd=0.0024,
                ts_utc=_ts(now),
            )
        )
        ledger.record(
            CallRecord(
                **dict(base, decided_by="policy"),
                backend="anthropic",
                model="claude-opus-5-5",
                input_tokens=100,
                output_tokens=100,
                cost_usd=0.0024,
                baseline_model="claude-opus-5-5",
                baseline_cost_usd=0.0024,
                parent_id=parent,
                ts_utc=_ts(now),
            )
        )
        ledger.record(
            CallRecord(
                **local, input_tokens=1, output_tokens=1, baseline_cost_usd=0.0, ts_utc=_ts(now - timedelta(days=400))
            )
        )


def test_spend_table_says_what_a_user_needs(cli, calls):
    result = cli("spend")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "slmr spend — " in out and "total" in out
    assert "no price known for: claude-new-7 (1 call); their cost is NOT in these totals" in out
    assert "no price" in out.split("claude-new-7", 1)[1].splitlines()[0]  # its row says so, not $0
    assert "local share: 50% of calls" in out
    assert "escalation rate: 33% (1 of 3 local calls" in out
    assert "latency (median / 95th percentile): anthropic 3.0 s / 3.0 s; ollama 400 ms / 800 ms" in out
    assert "estimated token counts: 1 of " in out
    assert "tokenizer" in out
    assert "daily spend" not in out  # no chart into a pipe
    assert result.stderr == ""


def test_spend_draws_a_chart_on_a_terminal(cli, calls):
    result = cli("spend", tty=True)
    assert result.exit_code == 0
    assert "daily spend █ vs baseline ░" in result.stdout


def test_spend_json_documented_keys(cli, calls):
    report = json.loads(cli("spend", "--json").stdout)
    assert (report["calls"], report["local_calls"], report["cloud_calls"]) == (6, 3, 3)
    assert report["cost_usd"] == pytest.approx(0.0304)
    assert report["baseline_cost_usd"] == pytest.approx(0.014 + 0.0036 + 0.028 + 0.0024)
    assert report["saved_usd"] == pytest.approx(0.0176)
    assert report["unpriced_models"] == {"claude-new-7": 1}
    assert report["escalated_calls"] == 1
    assert report["latency"]["ollama"] == {"calls": 2, "p50_ms": 400.0, "p95_ms": 800.0}
    assert report["by"] == "model"
    for group in report["groups"]:
        assert list(group) == list(reports.CSV_COLUMNS)
    assert report["notes"]


@pytest.mark.parametrize("by", ["day", "week", "month", "model", "task", "route", "project"])
def test_spend_csv_has_the_stable_columns_for_every_grouping(cli, calls, by):
    result = cli("spend", "--by", by, "--csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == reports.CSV_COLUMNS
    assert rows[-1]["by"] == "total" and rows[-1]["calls"] == "6"
    assert sum(int(r["calls"]) for r in rows[:-1]) == 6
    assert all(r["by"] == by for r in rows[:-1])


def test_spend_by_project_names_the_repository(cli, calls):
    groups = json.loads(cli("spend", "--by", "project", "--json").stdout)["groups"]
    assert {g["key"]: g["calls"] for g in groups} == {"(none)": 5, "web": 1}


def test_spend_all_and_since_until(cli, calls):
    assert json.loads(cli("spend", "--all", "--json").stdout)["calls"] == 7
    old = (datetime.now() - timedelta(days=400)).date().isoformat()
    assert json.loads(cli("spend", "--since", old, "--until", old, "--json").stdout)["calls"] == 1


@pytest.mark.parametrize(
    "args",
    [["--json", "--csv"], ["--by", "year"], ["--since", "2026-03-02", "--until", "2026-03-01"], ["--week", "--all"]],
)
def test_spend_usage_errors(cli, args):
    result = cli("spend", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("slmr: error:")


def test_log_lists_newest_first_with_filters(cli, calls):
    lines = cli("log").stdout.splitlines()
    assert len(lines) == 7
    assert "(escalated from 5)" in lines[1] and "anthropic/claude-opus-5-5" in lines[1]
    assert len(cli("log", "-n", "2").stdout.splitlines()) == 2
    errors = cli("log", "--status", "error").stdout.splitlines()
    assert len(errors) == 1 and "error:check_failed" in errors[0]
    assert "~500 tok" in cli("log", "--model", "llama").stdout
    assert "no price" in cli("log", "--task", "ask").stdout
    items = json.loads(cli("log", "--model", "claude", "--json").stdout)
    assert [i["model"] for i in items] == ["claude-opus-5-5", "claude-new-7", "claude-opus-5-5"]
    assert items[1]["cost_usd"] is None and items[0]["parent_id"] == 5
    assert cli("log", "--status", "fine").exit_code == 2


def test_log_with_no_ledger_prints_nothing(cli):
    result = cli("log")
    assert (result.exit_code, result.stdout) == (0, "")


def test_prices_lists_sources_and_as_of(cli, isolated_home):
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(
        '[local]\nenergy_usd_per_1k_tokens = 0.0001\n\n[prices."claude-opus-5-5"]\ninput = 1.0\noutput = 2.0\n'
    )
    doc = json.loads(cli("prices", "--json").stdout)
    models = {m["model"]: m for m in doc["models"]}
    assert models["claude-opus-5-5"]["source"] == "config" and models["claude-opus-5-5"]["as_of"] is None
    assert models["gpt-6.2-astra"]["source"] == "shipped" and models["gpt-6.2-astra"]["as_of"] == doc["as_of"]
    assert models["claude-haiku-5-5"]["long"]["input"] == 0.5
    assert doc["local_energy_usd_per_1k_tokens"] == 0.0001
    table = cli("prices").stdout
    assert "claude-sonnet-5-5" in table and "config" in table and doc["as_of"] in table
    assert "$0.0001 per 1k tokens of energy" in table


def test_spend_log_and_prices_do_not_import_the_sdks(slmr_env, calls):
    code = (
        "import sys; from slmr.cli import run_cli\n"
        "for argv in (['spend'], ['spend', '--by', 'day', '--csv'], ['log'], ['prices']):\n"
        "    assert run_cli(argv) == 0\n"
        "print(sorted(m for m in ('anthropic', 'openai', 'ollama') if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], env=slmr_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith("[]")
