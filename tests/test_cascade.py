"""The cascade end to end: checks, one local retry, escalation by policy, and the ledger chain."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from slmr.ledger import Ledger
from tests.fakes.servers import text_to_work_on

NOTES = "teh deploy failed becuase the cache was stale.\n"
CHATTY = "Sure, I fixed the typos.\nThe deploy failed because the cache was stale.\n"
GOOD = "The deploy failed because the cache was stale.\n"


@pytest.fixture
def escalate(monkeypatch):
    def set_policy(policy: str) -> None:
        monkeypatch.setenv("SLMR_LOCAL_ESCALATE", policy)

    return set_policy


def user_message(body: dict) -> str:
    return body["messages"][-1]["content"]


def test_a_failed_check_is_retried_once_locally_with_the_failure_stated(cli, fake_ollama, ledger_rows):
    fake_ollama.reply(CHATTY)
    fake_ollama.reply(GOOD)
    result = cli("rewrite", input=NOTES)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == GOOD  # off a terminal only the accepted answer is written
    assert "failed a check: the answer opens with chatter" in result.stderr
    retry_prompt = user_message(fake_ollama.requests[1])
    assert "rejected by an automatic check: the answer opens with chatter" in retry_prompt
    first, retry = ledger_rows()
    assert (first["status"], first["checks"], first["final"], first["attempt"]) == ("error", "chatter", 0, "first")
    assert (retry["status"], retry["final"], retry["attempt"], retry["parent_id"]) == ("ok", 1, "retry", first["id"])


def test_on_a_terminal_the_answer_streams_and_a_failed_check_is_announced(cli, fake_ollama):
    fake_ollama.reply(CHATTY)
    fake_ollama.reply(GOOD)
    result = cli("rewrite", input=NOTES, tty=True)
    assert result.exit_code == 0
    assert result.stdout == CHATTY + GOOD
    assert "the answer above failed a check" in result.stderr


def test_schema_failure_is_retried_then_escalated_and_the_ledger_links_the_chain(
    cli, fake_ollama, fake_anthropic, ledger_rows, escalate, tmp_path: Path, isolated_home
):
    escalate("auto")
    schema = tmp_path / "people.schema.json"
    schema.write_text(
        json.dumps(
            {
                "type": "array",
                "items": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
            }
        )
    )
    fake_ollama.reply('[{"person": "Sam"}]', input_tokens=90, output_tokens=8)
    fake_ollama.reply('{"name": "Sam"}', input_tokens=95, output_tokens=6)
    fake_anthropic.reply('[{"name": "Sam"}, {"name": "Ana"}]', input_tokens=80, output_tokens=12)

    result = cli("extract", "--schema", str(schema), "-i", "people", input="Sam and Ana met on Monday.\n")

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [{"name": "Sam"}, {"name": "Ana"}]
    assert "escalating to anthropic claude-opus-5-5" in result.stderr
    # Ollama was asked for output constrained to the schema, and the schema is in the prompt
    assert fake_ollama.requests[0]["format"]["type"] == "array"
    assert '"required":["name"]' in fake_ollama.requests[0]["messages"][0]["content"]
    assert "does not match the schema" in user_message(fake_ollama.requests[1])

    first, retry, cloud = ledger_rows()
    assert [r["backend"] for r in (first, retry, cloud)] == ["ollama", "ollama", "anthropic"]
    assert [r["attempt"] for r in (first, retry, cloud)] == ["first", "retry", "escalation"]
    assert [r["parent_id"] for r in (first, retry, cloud)] == [None, first["id"], retry["id"]]
    assert [r["final"] for r in (first, retry, cloud)] == [0, 0, 1]
    assert [r["status"] for r in (first, retry, cloud)] == ["error", "error", "ok"]
    assert first["checks"] == retry["checks"] == "schema"
    assert cloud["cost_usd"] > 0  # the escalation is paid for, and recorded
    with Ledger(isolated_home / "ledger.db") as ledger:
        assert [r["id"] for r in ledger.chain(cloud["id"])] == [first["id"], retry["id"], cloud["id"]]


def test_escalation_never_exits_5_and_writes_nothing(cli, fake_ollama, fake_anthropic, escalate, ledger_rows):
    escalate("never")
    fake_ollama.always(CHATTY)
    result = cli("rewrite", input=NOTES)
    assert result.exit_code == 5
    assert result.stdout == ""
    assert "local.escalate = never" in result.stderr and "--cloud" in result.stderr
    assert fake_anthropic.requests == []
    assert [r["final"] for r in ledger_rows()] == [0, 1]


def test_escalation_ask_without_a_terminal_is_never(cli, fake_ollama, fake_anthropic):
    fake_ollama.always(CHATTY)  # local.escalate defaults to ask
    result = cli("rewrite", input=NOTES)
    assert result.exit_code == 5
    assert "no terminal to ask on" in result.stderr
    assert fake_anthropic.requests == []


@pytest.mark.parametrize(("reply", "escalated"), [("y\n", True), ("\n", False)])
def test_escalation_ask_on_a_terminal(cli, fake_ollama, fake_anthropic, monkeypatch, reply, escalated):
    from slmr import pipeline

    monkeypatch.setattr(pipeline, "open_tty", lambda: io.StringIO(reply))
    fake_ollama.always(CHATTY)
    fake_anthropic.reply(GOOD)
    result = cli("rewrite", input=NOTES, tty=True)
    assert "Ask claude-opus-5-5? [y/N]" in result.stderr
    assert (result.exit_code == 0) is escalated
    assert len(fake_anthropic.requests) == (1 if escalated else 0)
    if not escalated:
        assert "declined" in result.stderr and "do not rely on it" in result.stderr


def test_forced_local_is_never_escalated(cli, fake_ollama, fake_anthropic, escalate):
    escalate("auto")
    fake_ollama.always(CHATTY)
    result = cli("rewrite", "--local", input=NOTES)
    assert result.exit_code == 5
    assert "it ran with --local" in result.stderr
    assert fake_anthropic.requests == []


def test_rewrite_retry_restores_a_mangled_code_block(cli, fake_ollama):
    doc = "Intro: teh setup.\n\n```sh\npip install slmr\n```\n\nSee `slmr --help` and https://example.com/slmr.\n"
    fake_ollama.reply(doc.replace("teh", "the").replace("pip install slmr", "pip3 install slmr"))
    fake_ollama.reply(doc.replace("teh", "the"))
    result = cli("rewrite", input=doc)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == doc.replace("teh", "the")
    assert "fenced code blocks were changed or dropped" in user_message(fake_ollama.requests[1])


def test_the_frontier_answer_is_given_with_a_warning_for_soft_checks(cli, fake_anthropic):
    fake_anthropic.reply("The deploy failed.")
    result = cli("rewrite", "--cloud", input="# Notes\n\nteh deploy failed\n")
    assert result.exit_code == 0
    assert result.stdout == "The deploy failed.\n"
    assert "check the answer from anthropic" in result.stderr and "headings" in result.stderr


def test_local_unavailable_fails_by_default_and_falls_back_when_configured(
    cli, fake_anthropic, monkeypatch, ledger_rows
):
    # nothing listens on OLLAMA_HOST (the autouse fixture)
    assert cli("rewrite", input=NOTES).exit_code == 3
    assert fake_anthropic.requests == []
    monkeypatch.setenv("SLMR_LOCAL_UNAVAILABLE", "cloud")
    fake_anthropic.reply(GOOD)
    result = cli("rewrite", input=NOTES)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == GOOD
    assert "cannot reach Ollama" in result.stderr and "local.unavailable = cloud" in result.stderr
    _, local, cloud = ledger_rows()
    assert (local["error_kind"], local["final"]) == ("local_unavailable", 0)
    assert (cloud["attempt"], cloud["parent_id"], cloud["final"], cloud["status"]) == ("fallback", local["id"], 1, "ok")


def test_forced_local_does_not_fall_back(cli, fake_anthropic, monkeypatch):
    monkeypatch.setenv("SLMR_LOCAL_UNAVAILABLE", "cloud")
    assert cli("rewrite", "--local", input=NOTES).exit_code == 3
    assert fake_anthropic.requests == []


# --- context windows ---------------------------------------------------------------------------


def test_num_ctx_is_sized_for_each_request(cli, fake_ollama):
    fake_ollama.always(respond=text_to_work_on, real_prompt=True)
    assert cli("rewrite", input=NOTES).exit_code == 0
    big = "A sentence about the deploy pipeline and its cache. " * 800  # ~42,000 characters
    assert cli("rewrite", input=big).exit_code == 0
    small_ctx, big_ctx = (r["options"]["num_ctx"] for r in fake_ollama.requests)
    assert small_ctx == 4096
    assert big_ctx == 32768  # prompt and a rewrite of the same length, rounded up to a power of two


def test_a_truncated_prompt_is_not_trusted_retried_with_a_bigger_window(cli, fake_ollama, ledger_rows):
    text = "The cache is stale after each deploy. " * 300  # ~11,400 characters, ~2,900 tokens
    fake_ollama.reply(text, input_tokens=1000)  # the server says it read far fewer tokens than were sent
    fake_ollama.reply(text, real_prompt=True)
    result = cli("rewrite", input=text)
    assert result.exit_code == 0, result.stderr
    assert "its context window cut the input" in result.stderr
    first_ctx, retry_ctx = (r["options"]["num_ctx"] for r in fake_ollama.requests)
    assert retry_ctx == 2 * first_ctx
    first, retry = ledger_rows()
    assert (first["checks"], first["final"], retry["final"], retry["status"]) == ("truncated", 0, 1, "ok")
    # the retry repeats the prompt as it was: the cut was the window's fault, not the model's
    assert fake_ollama.requests[0]["messages"] == fake_ollama.requests[1]["messages"]


def test_a_truncation_at_the_ceiling_is_escalated_never_printed(
    cli, fake_ollama, fake_anthropic, escalate, monkeypatch
):
    monkeypatch.setenv("SLMR_LOCAL_NUM_CTX_MAX", "8192")
    text = "The cache is stale after each deploy. " * 450  # ~17,000 characters: fits 8192 with its summary
    fake_ollama.always("The cache goes stale.", input_tokens=4098)  # 8192 // 2 + 2: Ollama's own truncation
    fake_anthropic.reply("Every deploy leaves a stale cache.")
    escalate("never")
    result = cli("summarize", input=text)
    assert result.exit_code == 5
    assert result.stdout == ""
    assert "context window cut the input" in result.stderr
    assert [r["options"]["num_ctx"] for r in fake_ollama.requests] == [8192]  # no bigger window to retry with
    escalate("auto")
    result = cli("summarize", input=text)
    assert result.exit_code == 0 and result.stdout == "Every deploy leaves a stale cache.\n"
    assert len(fake_anthropic.requests) == 1


def test_an_answer_cut_at_the_token_limit_is_retried_then_escalated_never_printed(
    cli, fake_ollama, fake_anthropic, escalate, ledger_rows
):
    escalate("auto")
    fake_ollama.always("The deploy failed because", hit_limit=True)  # done_reason "length": a clean end, cut
    fake_anthropic.reply(GOOD)
    result = cli("rewrite", input=NOTES)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == GOOD
    assert "stopped at its output token limit: the answer is cut off" in result.stderr
    first, retry, cloud = ledger_rows()
    assert [r["checks"] for r in (first, retry)] == ["cut_off", "cut_off"]
    assert [r["status"] for r in (first, retry, cloud)] == ["error", "error", "ok"]
    assert cloud["attempt"] == "escalation"


def test_a_realistic_server_count_raises_no_false_alarm(cli, fake_ollama):
    text = "Ünïcödé and ascii words about the deploy. " * 500
    fake_ollama.always(respond=text_to_work_on, real_prompt=True)
    result = cli("rewrite", input=text)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert len(fake_ollama.requests) == 1


def test_spend_reports_the_escalation_rate(cli, fake_ollama, fake_anthropic, escalate):
    escalate("auto")
    fake_ollama.reply(CHATTY, times=2)
    fake_anthropic.reply(GOOD)
    assert cli("rewrite", input=NOTES).exit_code == 0  # escalated
    fake_ollama.reply(GOOD)
    assert cli("rewrite", input=NOTES).exit_code == 0  # accepted locally
    report = json.loads(cli("spend", "--json").stdout)
    # three local calls (a first try and its retry, then one accepted answer), one escalation
    assert (report["calls"], report["escalated_calls"]) == (4, 1)
    assert report["escalation_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert "escalation rate: 33% (1 of 3 local calls" in cli("spend").stdout
