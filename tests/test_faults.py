"""Faults, injected through the fake servers: one clear line, a documented exit code, a ledger row,
never a traceback; cloud retries with backoff honoured without really sleeping."""

from __future__ import annotations

import time
import types

import pytest


def one_line_error(result) -> str:
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.startswith("slmr: error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- Ollama ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inject", "message", "kind"),
    [
        (lambda f: None, "cannot reach Ollama", "local_unavailable"),
        (lambda f: f.missing_model(), "ollama pull llama3.2:3b", "model_missing"),
        (lambda f: f.reply(status=500), "HTTP 500", "local_error"),
        (lambda f: f.reply("one two three four", drop_after=2), "dropped mid-answer", "local_error"),
        (lambda f: f.reply("one two three", malformed_after=1), "malformed stream line", "local_error"),
    ],
    ids=["not-running", "not-pulled", "http-500", "dropped", "malformed"],
)
def test_ollama_faults(cli, request, monkeypatch, ledger_rows, inject, message, kind):
    if kind != "local_unavailable":
        inject(request.getfixturevalue("fake_ollama"))
    result = cli("rewrite", input="some text\n")
    assert result.exit_code == 3
    assert message in one_line_error(result)
    assert result.stdout == ""
    [row] = ledger_rows()
    assert (row["status"], row["error_kind"], row["backend"], row["final"]) == ("error", kind, "ollama", 1)


def test_a_slow_model_load_shows_a_spinner_on_a_terminal_only(cli, fake_ollama):
    fake_ollama.reply("The deploy failed.", delay_s=0.4)
    on_tty = cli("rewrite", input="teh deploy failed\n", tty=True)
    assert on_tty.exit_code == 0 and on_tty.stdout == "The deploy failed.\n"
    assert "waiting for the first token" in on_tty.stderr
    fake_ollama.reply("The deploy failed.", delay_s=0.4)
    piped = cli("rewrite", input="teh deploy failed\n")
    assert piped.exit_code == 0 and piped.stderr == ""


# --- cloud retries -----------------------------------------------------------------------------


@pytest.fixture
def sdk_sleeps(monkeypatch):
    """Record the SDKs' retry sleeps instead of sleeping: the delays they chose stay visible."""
    import anthropic._base_client
    import openai._base_client

    slept: list[float] = []
    fake_time = types.SimpleNamespace(**{k: getattr(time, k) for k in dir(time) if not k.startswith("__")})
    fake_time.sleep = slept.append
    monkeypatch.setattr(anthropic._base_client, "time", fake_time)
    monkeypatch.setattr(openai._base_client, "time", fake_time)
    return slept


@pytest.mark.parametrize("status", [429, 500, 529])
def test_anthropic_retries_with_backoff_and_jitter(cli, fake_anthropic, sdk_sleeps, status, ledger_rows):
    fake_anthropic.reply(status=status, times=2)
    fake_anthropic.reply("A poem.")
    result = cli("create", "write a poem")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "A poem.\n"
    assert len(fake_anthropic.requests) == 3  # cloud.max_retries defaults to 2
    # exponential backoff from 0.5 s with up to 25% jitter subtracted: 0.5, then 1.0
    assert len(sdk_sleeps) == 2
    assert 0.375 <= sdk_sleeps[0] <= 0.5 and 0.75 <= sdk_sleeps[1] <= 1.0
    [row] = ledger_rows()  # the SDK's retries are one call to slmr
    assert row["status"] == "ok"


def test_retries_stop_at_the_configured_limit(cli, fake_anthropic, sdk_sleeps, monkeypatch, ledger_rows):
    monkeypatch.setenv("SLMR_CLOUD_MAX_RETRIES", "4")
    fake_anthropic.always(status=529)
    result = cli("create", "write a poem")
    assert result.exit_code == 4
    assert "HTTP 529 (overloaded) after retries" in one_line_error(result)
    assert len(fake_anthropic.requests) == 5 and len(sdk_sleeps) == 4
    assert sdk_sleeps == sorted(sdk_sleeps)  # the delays grow
    assert ledger_rows()[0]["error_kind"] == "cloud_error"


def test_no_retries_when_the_limit_is_zero(cli, fake_anthropic, sdk_sleeps, monkeypatch):
    monkeypatch.setenv("SLMR_CLOUD_MAX_RETRIES", "0")
    fake_anthropic.always(status=429)
    result = cli("create", "write a poem")
    assert result.exit_code == 4
    assert "rate-limiting" in one_line_error(result) and "cloud.max_retries" in result.stderr
    assert len(fake_anthropic.requests) == 1 and sdk_sleeps == []


def test_a_server_retry_after_header_is_honoured(cli, fake_anthropic, sdk_sleeps):
    fake_anthropic.reply(status=429, headers={"retry-after": "3"})
    fake_anthropic.reply("A poem.")
    assert cli("create", "write a poem").exit_code == 0
    assert sdk_sleeps == [3.0]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_openai_retries_too(cli, fake_openai, sdk_sleeps, monkeypatch, status):
    monkeypatch.setenv("SLMR_CLOUD_PROVIDER", "openai")
    fake_openai.reply(status=status, times=2)
    fake_openai.reply("Plan.")
    result = cli("create", "plan it")
    assert result.exit_code == 0, result.stderr
    assert len(fake_openai.requests) == 3 and len(sdk_sleeps) == 2


def test_cloud_timeout_is_configurable(cli, fake_anthropic, sdk_sleeps, monkeypatch):
    monkeypatch.setenv("SLMR_CLOUD_TIMEOUT_S", "0.2")
    monkeypatch.setenv("SLMR_CLOUD_MAX_RETRIES", "0")
    fake_anthropic.reply("late", delay_s=0.6)
    result = cli("create", "write a poem")
    assert result.exit_code == 4
    assert "did not answer in time" in one_line_error(result)


@pytest.mark.parametrize(
    ("provider", "fixture", "var"),
    [("anthropic", "fake_anthropic", "ANTHROPIC_API_KEY"), ("openai", "fake_openai", "OPENAI_API_KEY")],
)
def test_authentication_errors_name_the_variable(cli, request, monkeypatch, provider, fixture, var):
    monkeypatch.setenv("SLMR_CLOUD_PROVIDER", provider)
    request.getfixturevalue(fixture).always(status=401)
    result = cli("create", "write a poem")
    assert result.exit_code == 4
    assert f"check {var}" in one_line_error(result)


@pytest.mark.parametrize(("provider", "fixture"), [("anthropic", "fake_anthropic"), ("openai", "fake_openai")])
def test_a_cloud_answer_cut_at_the_token_cap_says_so_and_how_to_allow_more(
    cli, request, monkeypatch, ledger_rows, provider, fixture
):
    monkeypatch.setenv("SLMR_CLOUD_PROVIDER", provider)
    # stop_reason "max_tokens" (Anthropic) / finish_reason "length" (OpenAI): the stream ends cleanly, cut
    request.getfixturevalue(fixture).reply("1. Freeze writes.\n2. Copy the", hit_limit=True)
    result = cli("create", "write the migration plan")
    assert result.exit_code == 5
    # free-form answers stream as they come, so the part is shown; stderr and the exit code flag it
    assert result.stdout == "1. Freeze writes.\n2. Copy the\n"
    assert "the answer above did not pass its checks: do not rely on it" in result.stderr
    error = one_line_error(result)
    assert "stopped at its output token limit: the answer is cut off" in error
    assert "slmr config set cloud.max_tokens 16384 (now 8192)" in result.stderr
    [row] = ledger_rows()  # the call was paid for: it is in the ledger
    assert (row["backend"], row["status"], row["checks"]) == (provider, "error", "cut_off")


def test_an_escalation_that_hits_a_cloud_fault_reports_it(
    cli, fake_ollama, fake_anthropic, sdk_sleeps, monkeypatch, ledger_rows
):
    monkeypatch.setenv("SLMR_LOCAL_ESCALATE", "auto")
    fake_ollama.always("")  # empty answers: checked, retried, escalated
    fake_anthropic.always(status=529)
    result = cli("summarize", input="A long enough text about the deploy. " * 20)
    assert result.exit_code == 4
    assert "overloaded" in one_line_error(result)
    rows = ledger_rows()
    assert [r["attempt"] for r in rows] == ["first", "retry", "escalation"]
    assert [r["final"] for r in rows] == [0, 0, 1]
    assert rows[-1]["error_kind"] == "cloud_error"
