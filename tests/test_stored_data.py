"""What slmr stores: owner-only files, no API keys anywhere, prompt text only when asked for."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from slmr import config, ledger
from tests.secret_samples import samples


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_private(home: Path) -> None:
    assert _mode(home) == 0o700
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "ledger.db" for p in files)
    for p in files:
        assert _mode(p) == 0o600, p
    for d in (p for p in home.rglob("*") if p.is_dir()):
        assert _mode(d) == 0o700, d


def test_config_and_ledger_are_owner_only(cli, fake_ollama, isolated_home) -> None:
    assert cli("config", "set", "local.model", "llama3.2:3b").exit_code == 0
    fake_ollama.reply("Some text.\n")
    assert cli("rewrite", input="some text\n").exit_code == 0
    assert (isolated_home / "config.toml").exists()
    _assert_private(isolated_home)


def test_owner_only_even_under_a_permissive_umask_in_a_separate_process(slmr_env, fake_ollama, tmp_path) -> None:
    """As when git runs the hook: a fresh process, whatever umask the user's shell has."""
    home = tmp_path / "hook-home"
    env = dict(slmr_env, SLMR_HOME=str(home), OLLAMA_HOST=fake_ollama.url)
    fake_ollama.reply("Some text.\n")
    for args in (["config", "set", "hook.mode", "suggest"], ["rewrite"]):
        proc = subprocess.run(
            [sys.executable, "-m", "slmr", *args],
            input=b"some text\n",
            env=env,
            capture_output=True,
            umask=0,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
    _assert_private(home)


def test_write_private_for_fallback_files(tmp_path) -> None:
    from slmr.privacy import write_private

    old = os.umask(0)
    try:
        target = tmp_path / "state" / "fallback" / "COMMIT_MSG.slmr"
        write_private(target, "subject\n")
    finally:
        os.umask(old)
    assert target.read_text() == "subject\n" and _mode(target) == 0o600 and _mode(target.parent) == 0o700


def test_api_key_never_reaches_the_ledger(cli, fake_anthropic, isolated_home, monkeypatch) -> None:
    monkeypatch.setenv("SLMR_LEDGER_STORE_TEXT", "1")
    monkeypatch.setenv("SLMR_POLICY_SECRETS", "redact")
    _, pasted = samples()["openai-api-key"]
    assert cli("create", "explain", input=f"my key is {pasted}\n").exit_code == 0
    raw = b"".join(p.read_bytes() for p in isolated_home.glob("ledger.db*"))
    assert os.environ["ANTHROPIC_API_KEY"].encode() not in raw
    assert pasted.encode() not in raw
    assert b"[REDACTED:openai-api-key]" in raw  # the stored prompt is what was sent


def test_api_key_never_in_error_messages(cli, fake_anthropic) -> None:
    key = os.environ["ANTHROPIC_API_KEY"]
    body = {"type": "error", "error": {"type": "permission_error", "message": f"key {key} may not use this model"}}
    fake_anthropic.reply(status=403, error=json.dumps(body))
    result = cli("create", "write a haiku")
    assert result.exit_code == 4
    assert key not in result.stderr and "[REDACTED]" in result.stderr


def test_config_show_masks_keys_and_url_passwords(cli, monkeypatch) -> None:
    _, api_key = samples()["high-entropy-value"]
    _, url_password = samples()["url-credentials"]
    monkeypatch.setenv("SLMR_LOCAL_API_KEY", api_key)
    monkeypatch.setenv("SLMR_LOCAL_BASE_URL", f"http://me:{url_password}@127.0.0.1:8080/v1")
    for args in (("config", "show"), ("config", "show", "--json")):
        result = cli(*args)
        assert result.exit_code == 0
        assert api_key not in result.stdout and url_password not in result.stdout
        assert "****" in result.stdout


def test_text_is_stored_only_when_asked(cli, fake_ollama, ledger_rows, monkeypatch) -> None:
    fake_ollama.reply("Clean text.")
    assert cli("rewrite", input="dirty text\n").exit_code == 0
    monkeypatch.setenv("SLMR_LEDGER_STORE_TEXT", "true")
    fake_ollama.reply("Clean text.")
    assert cli("rewrite", input="dirty text\n").exit_code == 0
    off, on = ledger_rows()
    assert off["prompt_text"] is None and off["response_text"] is None
    assert "dirty text" in on["prompt_text"] and on["response_text"] == "Clean text."


def test_purge_text_keeps_the_figures(cli, fake_ollama, ledger_rows, isolated_home, monkeypatch) -> None:
    monkeypatch.setenv("SLMR_LEDGER_STORE_TEXT", "1")
    marker = "purple-elephant-marker"
    fake_ollama.reply(f"{marker} answer")
    assert cli("rewrite", input=f"{marker} question\n").exit_code == 0
    before = ledger_rows()[0]
    result = cli("privacy", "purge-text")
    assert result.exit_code == 0 and "removed stored text from 1 call" in result.stderr
    after = ledger_rows()[0]
    assert after["prompt_text"] is None and after["response_text"] is None
    for column in ("input_tokens", "output_tokens", "cost_usd", "model", "prompt_sha256", "ts_utc"):
        assert after[column] == before[column]
    raw = b"".join(p.read_bytes() for p in isolated_home.glob("ledger.db*"))
    assert marker.encode() not in raw  # gone from the file, not just from the table
    assert ledger.purge_text(config.ledger_path()) == 0


def test_migration_is_named_and_appended() -> None:
    names = [name for name, _ in ledger.MIGRATIONS]
    assert names[0] == "0001_calls" and names[-1] == "0004_stored_text"
    assert len(names) == len(set(names))


def test_log_purge_text_removes_stored_text_and_keeps_figures(cli, fake_ollama, isolated_home, ledger_rows):
    cli("config", "set", "ledger.store_text", "true")
    fake_ollama.reply("The deploy failed.")
    assert cli("rewrite", input="a private sentence about the deploy\n").exit_code == 0
    assert b"private sentence" in (isolated_home / "ledger.db").read_bytes()
    result = cli("log", "--purge-text")
    assert result.exit_code == 0
    assert "removed stored text from 1 call(s)" in result.stderr
    [row] = ledger_rows()
    assert row["input_tokens"] == 11 and row["status"] == "ok"
    assert b"private sentence" not in (isolated_home / "ledger.db").read_bytes()
