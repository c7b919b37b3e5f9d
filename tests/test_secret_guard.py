"""The secret guard before the cloud: block (default), redact, allow; local calls are not scanned."""

from __future__ import annotations

import json

import pytest

from slmr import config
from tests.secret_samples import samples


def _prompt_with_secrets() -> tuple[str, list[str]]:
    _, aws = samples()["aws-access-key"]
    _, ghp = samples()["github-token"]
    content = f"deploy notes\nkey id {aws}\nnothing here\nGH token {ghp}\n"
    return content, [aws, ghp]


def _sent_text(fake) -> str:
    return json.dumps(fake.requests)


def test_cloud_call_is_blocked_by_a_secret(cli, fake_anthropic, ledger_rows) -> None:
    content, values = _prompt_with_secrets()
    result = cli("create", "write a runbook from these notes", input=content)
    assert result.exit_code == 6
    assert fake_anthropic.requests == []
    lines = [line for line in result.stderr.splitlines() if "possible secret:" in line]
    assert lines == [
        "slmr: possible secret: input line 2: aws-access-key",
        "slmr: possible secret: input line 4: github-token",
    ]
    assert "--local" in result.stderr and "Traceback" not in result.stderr
    assert not any(v in result.stderr + result.stdout for v in values)
    (row,) = ledger_rows()  # the refused attempt is recorded, with no tokens and no text
    assert (row["status"], row["error_kind"], row["input_tokens"]) == ("error", "policy", None)
    assert not any(v in json.dumps(row) for v in values)


def test_the_same_prompt_succeeds_under_redact_with_the_placeholder_sent(cli, fake_anthropic, ledger_rows) -> None:
    config.set_value("policy.secrets", "redact")
    content, values = _prompt_with_secrets()
    fake_anthropic.reply("Runbook.")
    result = cli("create", "write a runbook from these notes", input=content)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Runbook.\n"
    sent = _sent_text(fake_anthropic)
    assert "[REDACTED:aws-access-key]" in sent and "[REDACTED:github-token]" in sent
    assert not any(v in sent for v in values)
    assert "redacted 2 possible secrets" in result.stderr
    assert len(ledger_rows()) == 1


def test_secret_in_the_prompt_itself_is_reported_on_the_prompt_line(cli, fake_anthropic) -> None:
    _, key = samples()["anthropic-api-key"]
    result = cli("ask", "--cloud", f"why does {key} fail?")
    assert result.exit_code == 6
    assert "prompt line 1: anthropic-api-key" in result.stderr
    assert key not in result.stderr


def test_openai_calls_are_guarded_too(cli, fake_openai, monkeypatch) -> None:
    monkeypatch.setenv("SLMR_CLOUD_PROVIDER", "openai")
    line, _ = samples()["private-key"]
    result = cli("create", "explain this", input=line)
    assert result.exit_code == 6 and "private-key" in result.stderr
    assert fake_openai.requests == []


def test_secrets_allow_sends_the_text_as_is(cli, fake_anthropic, monkeypatch) -> None:
    monkeypatch.setenv("SLMR_POLICY_SECRETS", "allow")
    content, values = _prompt_with_secrets()
    assert cli("create", "runbook", input=content).exit_code == 0
    assert all(v in _sent_text(fake_anthropic) for v in values)


def test_local_calls_are_not_scanned(cli, fake_ollama) -> None:
    content, values = _prompt_with_secrets()
    fake_ollama.reply(content)
    result = cli("rewrite", input=content)
    assert result.exit_code == 0, result.stderr
    assert all(v in _sent_text(fake_ollama) for v in values)
    assert "secret" not in result.stderr


@pytest.mark.parametrize("kind", sorted(samples()))
def test_every_format_is_stopped_before_the_cloud(kind, cli, fake_anthropic) -> None:
    line, secret = samples()[kind]
    result = cli("create", "use this", input=f"context\n{line}\n")
    assert result.exit_code == 6, (kind, result.stderr)
    assert fake_anthropic.requests == []
    assert secret not in result.stderr
