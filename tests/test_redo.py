"""slmr redo: the last request on the other route, recorded as a routing correction."""

from __future__ import annotations

import os

from slmr import lastrun
from slmr.ledger import Ledger

NOTES = "teh deploy failed becuase the cache was stale.\n"


def corrections(home):
    with Ledger(home / "ledger.db") as ledger:
        return [dict(r) for r in ledger.corrections()]


def test_redo_runs_the_last_local_request_on_the_frontier_model(
    cli, fake_ollama, fake_anthropic, ledger_rows, isolated_home
):
    fake_ollama.reply("The deploy failed.")
    fake_anthropic.reply("The deploy failed because the cache was stale.")
    assert cli("rewrite", "-i", "fix typos", input=NOTES).exit_code == 0
    assert oct(os.stat(lastrun.path(isolated_home)).st_mode & 0o777) == "0o600"

    result = cli("redo")

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "The deploy failed because the cache was stale.\n"
    sent = fake_anthropic.requests[0]["messages"][-1]["content"]
    assert "fix typos" in sent and "teh deploy failed" in sent
    local, cloud = ledger_rows()
    assert (cloud["command"], cloud["attempt"], cloud["parent_id"]) == ("redo", "redo", local["id"])
    assert (cloud["decided_by"], cloud["backend"]) == ("flag", "anthropic")
    [c] = corrections(isolated_home)
    assert (c["call_id"], c["redo_id"], c["task"]) == (local["id"], cloud["id"], "rewrite")
    assert (c["decided_by"], c["from_route"], c["label"]) == ("task", "reshape", "create")
    # text is stored only when the user turned that on
    assert c["instruction"] is None and c["content"] is None and len(c["prompt_sha256"]) == 64


def test_redo_flips_back_and_stores_text_when_allowed(cli, fake_ollama, fake_anthropic, isolated_home):
    assert cli("config", "set", "ledger.store_text", "true").exit_code == 0
    fake_anthropic.reply("A plan.")
    fake_ollama.reply("A small plan.")
    assert cli("ask", "design a caching layer for the API and explain the trade-offs step by step").exit_code == 0
    result = cli("redo")  # the last answer came from the frontier model: redo runs it locally
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "A small plan.\n"
    [c] = corrections(isolated_home)
    assert (c["decided_by"], c["from_route"], c["label"]) == ("router", "create", "reshape")
    assert c["instruction"].startswith("design a caching layer")


def test_redo_on_the_same_route_is_a_rerun_not_a_correction(cli, fake_ollama, isolated_home):
    fake_ollama.always("The deploy failed.")
    cli("summarize", input=NOTES)
    result = cli("redo", "--local")
    assert result.exit_code == 0
    assert "already ran on the local route" in result.stderr
    assert corrections(isolated_home) == []


def test_redo_after_a_failed_local_answer(cli, fake_ollama, fake_anthropic):
    fake_ollama.always("Sure, I fixed it.\nThe deploy failed.")
    assert cli("rewrite", input=NOTES).exit_code == 5
    fake_anthropic.reply("The deploy failed because the cache was stale.")
    result = cli("redo", "--cloud")
    assert result.exit_code == 0
    assert result.stdout == "The deploy failed because the cache was stale.\n"


def test_redo_without_a_previous_request(cli):
    result = cli("redo")
    assert result.exit_code == 2
    assert "no previous request to redo" in result.stderr


def test_keep_last_request_off_removes_the_file(cli, fake_ollama, isolated_home):
    fake_ollama.always("The deploy failed.")
    cli("rewrite", input=NOTES)
    assert lastrun.path(isolated_home).exists()
    cli("config", "set", "ledger.keep_last_request", "false")
    cli("rewrite", input=NOTES)
    assert not lastrun.path(isolated_home).exists()
    assert "no previous request" in cli("redo").stderr


def test_nothing_sent_nothing_to_redo(cli, isolated_home):
    assert cli("rewrite", input="").exit_code == 2
    assert not lastrun.path(isolated_home).exists()
