"""Every expected failure: one line on stderr that says what to do, a documented exit code, a ledger row."""

from __future__ import annotations

import gc
import subprocess
import sys
import types

import pytest


def _one_line_error(result) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("slmr: error: ")
    return lines[0]


def test_ollama_not_reachable_says_how_to_start_it(cli, ledger_rows):
    # the autouse fixture points OLLAMA_HOST at a port where nothing listens
    result = cli("rewrite", input="some text\n")
    assert result.exit_code == 3
    line = _one_line_error(result)
    assert "cannot reach Ollama at http://127.0.0.1:9" in line and "ollama serve" in line
    assert result.stdout == ""
    [row] = ledger_rows()
    assert (row["status"], row["error_kind"], row["backend"]) == ("error", "local_unavailable", "ollama")
    assert row["input_tokens"] is None and row["cost_usd"] is None


def test_model_not_pulled_says_ollama_pull(cli, fake_ollama, ledger_rows):
    fake_ollama.missing_model()
    result = cli("summarize", input="some text\n")
    assert result.exit_code == 3
    assert "ollama pull llama3.2:3b" in _one_line_error(result)
    assert ledger_rows()[0]["error_kind"] == "model_missing"


def test_ollama_server_error_is_one_line(cli, fake_ollama):
    fake_ollama.reply(status=500)
    result = cli("rewrite", input="x\n")
    assert result.exit_code == 3
    assert "HTTP 500" in _one_line_error(result)


def test_missing_anthropic_key(cli, fake_anthropic, monkeypatch, ledger_rows):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    result = cli("create", "write a poem")
    assert result.exit_code == 4
    assert "ANTHROPIC_API_KEY is not set" in _one_line_error(result)
    assert fake_anthropic.requests == []
    assert ledger_rows()[0]["error_kind"] == "missing_key"


def test_missing_openai_key(cli, fake_openai, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("SLMR_CLOUD_PROVIDER", "openai")
    result = cli("create", "write a poem")
    assert result.exit_code == 4
    assert "OPENAI_API_KEY is not set" in _one_line_error(result)


def test_rejected_key_names_the_variable(cli, fake_anthropic):
    fake_anthropic.reply(status=401)
    result = cli("create", "write a poem")
    assert result.exit_code == 4
    assert "check ANTHROPIC_API_KEY" in _one_line_error(result)


@pytest.mark.parametrize("data", ["", "   \n\n", b""])
def test_empty_input(cli, data):
    result = cli("rewrite", input=data)
    assert result.exit_code == 2
    assert "no text to work on" in _one_line_error(result)


def test_no_input_at_all_on_a_terminal(cli):
    result = cli("summarize")
    assert result.exit_code == 2
    assert "pipe it in" in _one_line_error(result)


@pytest.mark.parametrize(
    ("data", "what"),
    [(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL bytes"), (b"caf\xe9 au lait\n", "not valid UTF-8")],
)
def test_input_that_is_not_text(cli, data, what, ledger_rows):
    result = cli("rewrite", input=data)
    assert result.exit_code == 2
    assert what in _one_line_error(result)
    assert ledger_rows() == []  # nothing was sent, so there is no call to record


def test_missing_file(cli, tmp_path):
    result = cli("summarize", str(tmp_path / "nope.md"))
    assert result.exit_code == 2
    assert "no such file" in _one_line_error(result)


def test_ask_without_a_prompt(cli):
    result = cli("ask")
    assert result.exit_code == 2
    assert "no prompt" in _one_line_error(result)


def test_unknown_option_is_a_usage_error(cli):
    result = cli("rewrite", "--frobnicate")
    assert result.exit_code == 2
    assert "--frobnicate" in result.stderr and "Traceback" not in result.stderr


def test_stream_dropped_midway(cli, fake_anthropic, ledger_rows):
    fake_anthropic.reply("one two three four five six", drop_after=2)
    result = cli("create", "write something")
    assert result.exit_code == 4
    _one_line_error(result)
    [row] = ledger_rows()
    assert row["status"] == "error"


def test_broken_config_file_is_reported_with_a_fix(cli, isolated_home):
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text("[local\nmodel = 3\n")
    result = cli("rewrite", input="x\n")
    assert result.exit_code == 2
    assert "not valid TOML" in _one_line_error(result)


def test_ollama_stream_dropped_midway(cli, fake_ollama, ledger_rows):
    fake_ollama.reply("one\ntwo\nthree\nfour\n", drop_after=3)
    result = cli("rewrite", input="x\n", tty=True)
    assert result.exit_code == 3
    # on a terminal the partial answer was already streamed; the error follows on stderr
    assert result.stdout == "one\ntwo\nthree\n"
    assert "dropped mid-answer" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr
    [row] = ledger_rows()
    assert row["status"] == "error" and row["tokens_estimated"] == 1 and row["output_tokens"] > 0


def test_openai_stream_dropped_midway(cli, fake_openai, monkeypatch):
    monkeypatch.setenv("SLMR_CLOUD_PROVIDER", "openai")
    fake_openai.reply("one two three four", drop_after=1)
    result = cli("create", "x")
    assert result.exit_code == 4
    assert "ended before the answer was complete" in _one_line_error(result)


def test_malformed_ollama_stream_line(cli, fake_ollama):
    fake_ollama.reply("one two three", malformed_after=1)
    result = cli("rewrite", input="x\n")
    assert result.exit_code == 3
    assert "malformed" in _one_line_error(result)


def test_ctrl_c_finalises_the_sdk_stream_before_exit(cli, fake_openai, monkeypatch):
    # openai's Stream holds its own generator in a reference cycle; left to interpreter shutdown, its
    # cleanup ran against half-torn-down modules and printed "Exception ignored in ..." and a traceback
    from slmr import pipeline

    def ctrl_c(self, text):
        raise KeyboardInterrupt  # the user presses Ctrl-C as the first words arrive

    gc.disable()  # no automatic collection may stand in for the one slmr must make itself
    try:
        monkeypatch.setattr(pipeline.Console, "write", ctrl_c)
        monkeypatch.setenv("SLMR_CLOUD_PROVIDER", "openai")
        fake_openai.reply("one two three four five six")
        result = cli("create", "write a long essay")
        suspended = [
            g
            for g in gc.get_objects()
            if isinstance(g, types.GeneratorType) and g.__qualname__ == "Stream._iter_events" and g.gi_frame
        ]
    finally:
        gc.enable()
    assert result.exit_code == 130
    assert result.stderr.strip() == "slmr: interrupted"
    assert suspended == []


def test_the_except_clauses_a_ctrl_c_passes_through_import_nothing(slmr_env):
    # evaluated while KeyboardInterrupt unwinds the stream; an import there gave the garbage collector a
    # half-imported httpx to finalise the SDK's generators against
    probe = (
        "import sys, anthropic\n"
        "from slmr.backends._sdk_errors import transport_errors\n"
        "before = set(sys.modules)\n"
        "errors = transport_errors()\n"
        "print(sorted(set(sys.modules) - before), [e.__module__ for e in errors])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, env=slmr_env, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] ['httpx2']"
