"""End to end, in-process: the commands that run a model, against fake servers speaking each API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTES = "# Notes\n\nteh deploy failed becuase the cache was stale.\nWe shoud fix it tomorow.\n"


def test_rewrite_reads_stdin_streams_the_local_answer_and_records_the_call(cli, fake_ollama, ledger_rows):
    fake_ollama.reply("# Notes\n\nThe deploy failed because the cache was stale.\n", input_tokens=42, output_tokens=12)

    result = cli("rewrite", input=NOTES)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "# Notes\n\nThe deploy failed because the cache was stale.\n"
    assert result.stderr == ""
    sent = fake_ollama.requests[0]
    assert sent["model"] == "llama3.2:3b"
    assert sent["stream"] is True
    assert "teh deploy failed" in sent["messages"][-1]["content"]
    [row] = ledger_rows()
    assert row["command"] == "rewrite" and row["task"] == "rewrite"
    assert (row["route"], row["decided_by"], row["confidence"]) == ("reshape", "task", None)
    assert (row["backend"], row["model"]) == ("ollama", "llama3.2:3b")
    assert (row["input_tokens"], row["output_tokens"], row["tokens_estimated"]) == (42, 12, 0)
    assert row["cost_usd"] == 0.0
    # baseline: the same tokens on the default frontier model, claude-opus-5-5 at $4 / $20 per MTok
    assert row["baseline_model"] == "claude-opus-5-5"
    assert row["baseline_cost_usd"] == pytest.approx((42 * 4 + 12 * 20) / 1e6)
    assert row["status"] == "ok" and row["error_kind"] is None
    assert row["latency_ms"] > 0 and row["ttft_ms"] > 0
    assert len(row["prompt_sha256"]) == 64
    assert row["ts_utc"].endswith("Z")


def test_no_prompt_text_is_stored_by_default(cli, fake_ollama, isolated_home):
    fake_ollama.reply("The deploy failed.")
    assert cli("rewrite", input="a very private sentence about the deploy\n").exit_code == 0
    raw = (isolated_home / "ledger.db").read_bytes()
    assert b"very private sentence" not in raw


@pytest.mark.parametrize(
    "wrapped",
    [
        "Here is the rewritten text:\n\nThe deploy failed.\n",
        "Sure! Here's the revised version:\n```markdown\nThe deploy failed.\n```\nLet me know if you want changes.",
        "```\nThe deploy failed.\n```",
    ],
)
def test_small_model_wrapping_is_removed(cli, fake_ollama, wrapped):
    fake_ollama.reply(wrapped)
    result = cli("rewrite", input="teh deploy failed\n")
    assert result.stdout == "The deploy failed.\n"


def test_wrapping_is_removed_while_streaming_to_a_terminal(cli, fake_ollama):
    fake_ollama.reply("Here is the summary:\n\n- The deploy failed.\n- Fix tomorrow.\n")
    result = cli("summarize", input=NOTES, tty=True)
    assert result.exit_code == 0
    assert result.stdout == "- The deploy failed.\n- Fix tomorrow.\n"


def test_summarize_takes_several_files(cli, fake_ollama, tmp_path: Path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("Alpha release notes.\n")
    b.write_text("Beta release notes.\n")
    fake_ollama.reply("Two releases.")
    result = cli("summarize", str(a), str(b))
    assert result.exit_code == 0
    assert result.stdout == "Two releases.\n"
    user = fake_ollama.requests[0]["messages"][-1]["content"]
    assert "Alpha release notes." in user and "Beta release notes." in user


def test_instruction_reaches_the_model(cli, fake_ollama):
    fake_ollama.reply("# Notes\n\nDear team, the deployment failed because the cache was stale.")
    assert cli("rewrite", "-i", "more formal", input=NOTES).exit_code == 0
    assert "more formal" in fake_ollama.requests[0]["messages"][-1]["content"]


def test_extract_json_checks_and_prints_parsed_json(cli, fake_ollama):
    fake_ollama.reply('```json\n[{"action": "fix the cache", "owner": "sam"}]\n```')
    result = cli("extract", "--json", "-i", "action items", input=NOTES)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [{"action": "fix the cache", "owner": "sam"}]
    assert fake_ollama.requests[0]["format"] == "json"


def test_extract_json_that_does_not_parse_fails_with_exit_5(cli, fake_ollama, ledger_rows):
    fake_ollama.reply('{"action": "fix the cache",')
    result = cli("extract", "--json", input=NOTES)
    assert result.exit_code == 5
    assert result.stdout == ""
    assert "not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    # one retry on the local model, then no escalation: nobody is there to ask (local.escalate = ask)
    first, retry = ledger_rows()
    assert (first["attempt"], retry["attempt"], retry["parent_id"]) == ("first", "retry", first["id"])
    assert (first["final"], retry["final"]) == (0, 1)
    assert all(r["status"] == "error" and r["error_kind"] == "check_failed" for r in (first, retry))


def test_ask_routes_reshape_to_local_and_prints_the_decision_on_stderr(cli, fake_ollama, fake_anthropic):
    fake_ollama.reply("The quick brown fox.")
    result = cli("ask", "fix the typos in this sentence", input="teh quick brwon fox\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "The quick brown fox.\n"
    assert result.stderr.startswith("slmr: reshape ")
    assert "ollama llama3.2:3b" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert fake_anthropic.requests == []


def test_ask_routes_create_to_the_frontier_model(cli, fake_ollama, fake_anthropic, ledger_rows):
    fake_anthropic.reply("Use a token bucket per tenant.", input_tokens=20, output_tokens=9)
    result = cli(
        "ask", "design a rate limiter architecture for a multi-tenant API and explain the trade-offs step by step"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Use a token bucket per tenant.\n"
    assert "create" in result.stderr and "anthropic claude-opus-5-5" in result.stderr
    assert fake_ollama.requests == []
    [row] = ledger_rows()
    assert row["decided_by"] == "router" and 0.5 <= row["confidence"] <= 1.0
    assert row["cost_usd"] == pytest.approx((20 * 4 + 9 * 20) / 1e6)


def test_ask_takes_prompt_from_args_and_content_from_stdin(cli, fake_ollama):
    fake_ollama.reply("Fix cache invalidation.")
    result = cli("ask", "--local", "write a commit message for this", input="diff --git a/x b/x\n+fix\n")
    assert result.exit_code == 0
    user = fake_ollama.requests[0]["messages"][-1]["content"]
    assert user.startswith("write a commit message for this")
    assert "diff --git a/x b/x" in user


def test_ask_takes_the_whole_prompt_from_stdin(cli, fake_ollama):
    fake_ollama.reply("Hi.")
    result = cli("ask", "--local", input="say hi\n")
    assert result.exit_code == 0
    assert fake_ollama.requests[0]["messages"][-1]["content"].strip() == "say hi"


def test_create_forces_the_frontier_model_and_local_overrides_it(cli, fake_ollama, fake_anthropic, ledger_rows):
    fake_anthropic.reply("A poem.")
    fake_ollama.reply("A small poem.")
    assert cli("create", "summarize: hello").stdout == "A poem.\n"
    assert cli("create", "--local", "write a poem").stdout == "A small poem.\n"
    rows = ledger_rows()
    assert [(r["backend"], r["decided_by"]) for r in rows] == [("anthropic", "task"), ("ollama", "flag")]


def test_cloud_flag_sends_a_reshape_task_to_the_frontier_model(cli, fake_ollama, fake_anthropic):
    fake_anthropic.reply("The deploy failed.")
    result = cli("rewrite", "--cloud", input=NOTES)
    assert result.exit_code == 0
    assert fake_ollama.requests == [] and len(fake_anthropic.requests) == 1
    # this SDK version sends the key as a bearer token
    assert "sk-ant-test-not-a-real-key" in fake_anthropic.headers[0]["authorization"]


def test_openai_provider_from_config_streams_with_usage(cli, fake_openai, ledger_rows):
    assert cli("config", "set", "cloud.provider", "openai").exit_code == 0
    fake_openai.reply("Plan: three steps.", input_tokens=15, output_tokens=5)
    result = cli("create", "plan the migration")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Plan: three steps.\n"
    sent = fake_openai.requests[0]
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    [row] = ledger_rows()
    assert (row["backend"], row["input_tokens"], row["output_tokens"]) == ("openai", 15, 5)


def test_base_urls_and_hosts_come_from_config(cli, fake_ollama, fake_anthropic, monkeypatch):
    # environment beats config, so clear the fixtures' variables and use config only
    monkeypatch.delenv("ANTHROPIC_BASE_URL")
    monkeypatch.delenv("OLLAMA_HOST")
    cli("config", "set", "cloud.anthropic_base_url", fake_anthropic.url)
    cli("config", "set", "local.host", fake_ollama.url)
    fake_anthropic.reply("cloud")
    fake_ollama.reply("local")
    assert cli("create", "x").stdout == "cloud\n"
    assert cli("rewrite", input="x\n").stdout == "local\n"


def test_model_flag_and_config_choose_the_local_model(cli, fake_ollama):
    fake_ollama.reply("ok", times=2)
    cli("config", "set", "local.model", "qwen2.5:3b")
    cli("rewrite", input="x\n")
    cli("rewrite", "-m", "phi4-mini", input="x\n")
    assert [r["model"] for r in fake_ollama.requests] == ["qwen2.5:3b", "phi4-mini"]


def test_local_and_cloud_together_is_a_usage_error(cli):
    result = cli("rewrite", "--local", "--cloud", input="x\n")
    assert result.exit_code == 2
    assert "--local and --cloud" in result.stderr
