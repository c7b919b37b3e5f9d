"""slmr route, slmr spend and slmr config, in-process."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from slmr.config import ledger_path
from slmr.ledger import Ledger
from tests.records import local_rewrite


def test_route_json_prints_the_decision_only(cli):
    result = cli("route", "--json", "rewrite this paragraph to be more formal")
    assert result.exit_code == 0
    decision = json.loads(result.stdout)
    assert decision["route"] == "reshape"
    assert 0.5 <= decision["confidence"] <= 1.0
    assert isinstance(decision["reasons"], list) and decision["reasons"]


def test_route_reads_stdin(cli):
    result = cli("route", "--json", input="design a distributed job scheduler and explain the trade-offs\n")
    assert json.loads(result.stdout)["route"] == "create"


def test_route_plain_output_is_one_line(cli):
    result = cli("route", "summarize this", input="Long meeting notes...\n")
    assert result.exit_code == 0
    assert result.stdout.startswith("reshape (confidence ")
    assert len(result.stdout.splitlines()) == 1


def _record(ledger: Ledger, when: datetime, **overrides) -> None:
    ledger.record(local_rewrite(ts_utc=when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), **overrides))


@pytest.fixture
def filled_ledger():
    now = datetime.now(UTC)
    with Ledger(ledger_path()) as ledger:
        _record(ledger, now)
        _record(ledger, now)
        _record(
            ledger,
            now,
            command="create",
            task="create",
            route="create",
            backend="anthropic",
            model="claude-opus-5-5",
            input_tokens=2000,
            output_tokens=1000,
            cost_usd=(2000 * 4 + 1000 * 20) / 1e6,
            baseline_cost_usd=(2000 * 4 + 1000 * 20) / 1e6,
        )
        _record(ledger, now, backend="anthropic", model="claude-unknown-9", cost_usd=None, baseline_cost_usd=0.014)
        _record(ledger, now - timedelta(days=400))  # outside this month


def test_spend_json_has_the_documented_keys_and_figures(cli, filled_ledger):
    result = cli("spend", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("calls", "local_calls", "cloud_calls", "input_tokens", "output_tokens"):
        assert isinstance(report[key], int)
    assert (report["calls"], report["local_calls"], report["cloud_calls"]) == (4, 2, 2)
    assert report["input_tokens"] == 1000 + 1000 + 2000 + 1000
    assert report["cost_usd"] == pytest.approx(0.028)
    # baseline counts only calls whose actual cost is known: 2 x 0.014 + 0.028
    assert report["baseline_cost_usd"] == pytest.approx(0.056)
    assert report["saved_usd"] == pytest.approx(0.028)
    assert report["unpriced_models"] == {"claude-unknown-9": 1}


def test_spend_all_includes_old_calls(cli, filled_ledger):
    assert json.loads(cli("spend", "--all", "--json").stdout)["calls"] == 5


def test_spend_since_until(cli, filled_ledger):
    old = (datetime.now() - timedelta(days=400)).date()
    result = cli("spend", "--since", old.isoformat(), "--until", old.isoformat(), "--json")
    assert json.loads(result.stdout)["calls"] == 1


def test_spend_table_names_models_and_unpriced_ones(cli, filled_ledger):
    result = cli("spend")
    assert result.exit_code == 0
    for text in ("llama3.2:3b", "claude-opus-5-5", "total", "local share: 50% of calls", "no price known"):
        assert text in result.stdout


def test_spend_with_no_ledger_yet(cli):
    result = cli("spend", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["calls"] == 0


@pytest.mark.parametrize("args", [["--today", "--week"], ["--since", "yesterday"], ["--all", "--since", "2026-01-01"]])
def test_spend_bad_periods_are_usage_errors(cli, args):
    result = cli("spend", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("slmr: error:")


def test_config_path_is_under_slmr_home(cli, isolated_home):
    assert cli("config", "path").stdout.strip() == str(isolated_home / "config.toml")


def test_config_set_writes_toml_and_show_reads_it(cli, isolated_home):
    assert cli("config", "set", "local.model", "qwen2.5:3b").exit_code == 0
    assert 'model = "qwen2.5:3b"' in (isolated_home / "config.toml").read_text()
    shown = json.loads(cli("config", "show", "--json").stdout)
    assert shown["local"]["model"] == "qwen2.5:3b"
    assert oct((isolated_home / "config.toml").stat().st_mode & 0o777) == "0o600"


def test_config_precedence_env_beats_file(cli, monkeypatch):
    cli("config", "set", "local.model", "from-file")
    monkeypatch.setenv("SLMR_LOCAL_MODEL", "from-env")
    assert json.loads(cli("config", "show", "--json").stdout)["local"]["model"] == "from-env"


def test_config_precedence_flag_beats_env(cli, fake_ollama, monkeypatch):
    monkeypatch.setenv("SLMR_LOCAL_MODEL", "from-env")
    fake_ollama.reply("ok")
    cli("rewrite", "--model", "from-flag", input="x\n")
    assert fake_ollama.requests[0]["model"] == "from-flag"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("local.nope", "x", "unknown config key"),
        ("cloud.provider", "mistral", "must be one of anthropic, openai"),
        ("cloud.max_retries", "many", "must be int"),
    ],
)
def test_config_set_rejects_bad_keys_and_values(cli, key, value, message):
    result = cli("config", "set", key, value)
    assert result.exit_code == 2
    assert message in result.stderr
