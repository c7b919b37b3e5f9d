"""budget.monthly_usd and budget.hard, through the CLI against a fake Anthropic server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slmr.config import ledger_path
from slmr.ledger import CallRecord, Ledger

PROMPT = "design a rate limiter architecture for a multi-tenant API and explain the trade-offs"


@pytest.fixture
def spent_this_month():
    """$2.00 spent on the frontier model this month, and $50 last year (which must not count)."""
    now = datetime.now(UTC)
    with Ledger(ledger_path()) as ledger:
        for when, cost in ((now, 2.0), (now - timedelta(days=400), 50.0)):
            ledger.record(
                CallRecord(
                    command="create",
                    task="create",
                    route="create",
                    decided_by="task",
                    backend="anthropic",
                    model="claude-opus-5-5",
                    status="ok",
                    input_tokens=1,
                    output_tokens=1,
                    cost_usd=cost,
                    ts_utc=when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                )
            )


def _budget(isolated_home, monthly: float, hard: bool) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(f"[budget]\nmonthly_usd = {monthly}\nhard = {str(hard).lower()}\n")


def test_over_budget_warns_and_runs(cli, fake_anthropic, isolated_home, spent_this_month, ledger_rows):
    _budget(isolated_home, 2.0, hard=False)
    fake_anthropic.reply("Use a token bucket.")
    result = cli("create", PROMPT)
    assert result.exit_code == 0
    assert result.stdout == "Use a token bucket.\n"
    [line] = [line for line in result.stderr.splitlines() if "budget" in line]
    assert line.startswith("slmr: warning: this claude-opus-5-5 call (about $")
    assert "from $2.00 to $2.0" in line and "over the budget of $2.00" in line
    assert len(ledger_rows()) == 3


def test_hard_budget_refuses_the_cloud_call_with_exit_6(
    cli, fake_anthropic, isolated_home, spent_this_month, ledger_rows
):
    _budget(isolated_home, 2.0, hard=True)
    result = cli("create", PROMPT)
    assert result.exit_code == 6
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("slmr: error: this claude-opus-5-5 call")
    assert "--local" in line and "slmr config set budget.monthly_usd" in line
    assert fake_anthropic.requests == []  # refused before anything was sent
    # the refusal is recorded too, with no tokens and no cost
    *_, refused = ledger_rows()
    assert (refused["status"], refused["error_kind"], refused["cost_usd"]) == ("error", "policy", None)


def test_hard_budget_leaves_local_calls_alone(cli, fake_ollama, fake_anthropic, isolated_home, spent_this_month):
    _budget(isolated_home, 1.0, hard=True)
    fake_ollama.reply("A small poem.")
    result = cli("create", "--local", "write a poem")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "A small poem.\n", "")


def test_under_budget_is_silent(cli, fake_anthropic, isolated_home, spent_this_month):
    _budget(isolated_home, 10.0, hard=True)  # last year's $50 does not count against this month
    fake_anthropic.reply("Fine.")
    result = cli("create", PROMPT)
    assert (result.exit_code, result.stderr) == (0, "")
    assert len(fake_anthropic.requests) == 1


def test_no_budget_no_check(cli, fake_anthropic, spent_this_month):
    fake_anthropic.reply("Fine.")
    assert cli("create", PROMPT).stderr == ""


def test_budget_estimate_is_priced_on_the_model_used(isolated_home):
    from slmr import budget, config

    settings = config.load()
    # 400 characters ≈ 100 tokens in; an answer of at least 1,024 tokens: 100 x 4 + 1024 x 20 per MTok
    assert budget.estimate(settings, "anthropic", "claude-opus-5-5", "x" * 400) == pytest.approx(0.02088)
    assert budget.estimate(settings, "anthropic", "claude-unknown-9", "x") is None
