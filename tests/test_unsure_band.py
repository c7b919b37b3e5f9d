"""The unsure band: cloud, local and judge policies, end to end against fake model servers."""

from __future__ import annotations

import pytest

from slmr import judge

#: the router is sure this is reshape, so only a band as wide as the whole range makes it unsure
PROMPT = ("ask", "fix the typos in this sentence")
CONTENT = "teh quick brwon fox\n"


@pytest.fixture
def everything_unsure(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SLMR_ROUTER_UNSURE_MARGIN", "1.0")


def test_outside_the_band_the_router_decides(cli, fake_ollama, ledger_rows):
    fake_ollama.reply("The quick brown fox.")
    result = cli(*PROMPT, input=CONTENT)
    assert result.exit_code == 0, result.stderr
    [row] = ledger_rows()
    assert row["decided_by"] == "router" and row["backend"] == "ollama"


def test_cloud_policy_escalates(cli, fake_ollama, fake_anthropic, ledger_rows, everything_unsure):
    fake_anthropic.reply("The quick brown fox.")
    result = cli(*PROMPT, input=CONTENT)
    assert result.exit_code == 0, result.stderr
    assert fake_ollama.requests == []
    [row] = ledger_rows()
    assert (row["route"], row["decided_by"], row["backend"]) == ("create", "policy", "anthropic")
    assert "(policy)" in result.stderr


def test_local_policy_stays_local(cli, fake_ollama, fake_anthropic, ledger_rows, everything_unsure, monkeypatch):
    monkeypatch.setenv("SLMR_ROUTER_UNSURE_POLICY", "local")
    fake_ollama.reply("The quick brown fox.")
    assert cli(*PROMPT, input=CONTENT).exit_code == 0
    assert fake_anthropic.requests == []
    [row] = ledger_rows()
    assert (row["route"], row["decided_by"], row["backend"]) == ("reshape", "policy", "ollama")


@pytest.fixture
def judge_policy(everything_unsure, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SLMR_ROUTER_UNSURE_POLICY", "judge")


def test_judge_says_reshape_and_the_local_model_answers(cli, fake_ollama, fake_anthropic, ledger_rows, judge_policy):
    fake_ollama.reply("reshape", input_tokens=120, output_tokens=1)
    fake_ollama.reply("The quick brown fox.")
    result = cli(*PROMPT, input=CONTENT)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "The quick brown fox.\n"
    assert fake_anthropic.requests == []
    asked = fake_ollama.requests[0]
    assert asked["messages"][0]["content"] == judge.SYSTEM
    assert "fix the typos" in asked["messages"][1]["content"] and "teh quick" in asked["messages"][1]["content"]
    assert asked["options"]["num_predict"] == 4 and asked["options"]["temperature"] == 0.0
    judged, answered = ledger_rows()
    assert (judged["command"], judged["task"], judged["backend"], judged["status"]) == ("ask", "judge", "ollama", "ok")
    assert (judged["input_tokens"], judged["output_tokens"]) == (120, 1)
    assert (judged["attempt"], judged["final"]) == ("judge", 0)  # an aid to routing, not a piece of work
    assert judged["cost_usd"] == 0.0  # local: free, and what the frontier model would have cost is kept
    assert judged["baseline_cost_usd"] > 0
    assert (answered["task"], answered["decided_by"], answered["route"]) == ("ask", "judge", "reshape")


def test_judge_says_create_and_the_frontier_model_answers(cli, fake_ollama, fake_anthropic, ledger_rows, judge_policy):
    fake_ollama.reply("Create.")
    fake_anthropic.reply("The quick brown fox.")
    result = cli(*PROMPT, input=CONTENT)
    assert result.exit_code == 0, result.stderr
    assert len(fake_ollama.requests) == 1 and len(fake_anthropic.requests) == 1
    judged, answered = ledger_rows()
    assert judged["task"] == "judge"
    assert (answered["decided_by"], answered["route"], answered["backend"]) == ("judge", "create", "anthropic")


def test_an_unclear_judge_answer_escalates(cli, fake_ollama, fake_anthropic, ledger_rows, judge_policy):
    fake_ollama.reply("It depends on the context.")
    fake_anthropic.reply("The quick brown fox.")
    assert cli(*PROMPT, input=CONTENT).exit_code == 0
    judged, answered = ledger_rows()
    assert judged["status"] == "ok"
    assert (answered["decided_by"], answered["backend"]) == ("policy", "anthropic")


def test_an_unreachable_judge_warns_records_and_escalates(cli, fake_anthropic, ledger_rows, judge_policy):
    # no fake Ollama: OLLAMA_HOST points at a port nobody listens on
    fake_anthropic.reply("The quick brown fox.")
    result = cli(*PROMPT, input=CONTENT)
    assert result.exit_code == 0, result.stderr
    assert "the local judge could not answer" in result.stderr
    assert "Traceback" not in result.stderr
    judged, answered = ledger_rows()
    assert (judged["task"], judged["status"], judged["error_kind"]) == ("judge", "error", "local_unavailable")
    assert answered["backend"] == "anthropic"


@pytest.mark.parametrize(
    ("answer", "route"),
    [("reshape", "reshape"), ("Create", "create"), (" create.\n", "create"), ("**reshape**", "reshape")],
)
def test_verdict_reads_one_word(answer, route):
    assert judge.verdict(answer) == route


@pytest.mark.parametrize("answer", ["", "maybe", "reshape or create", "creative"])
def test_verdict_refuses_anything_else(answer):
    assert judge.verdict(answer) is None


def test_the_judge_request_is_bounded():
    chat = judge.request("summarize", "x" * 50_000, "llama3.2:3b")
    assert len(chat.messages[1].content) < judge.MAX_CHARS + 200
    assert chat.max_tokens == 4 and chat.temperature == 0.0
