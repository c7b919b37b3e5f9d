"""Local-only mode and the policy's sources: config, env, flags, and .slmr.toml files that only tighten."""

from __future__ import annotations

from pathlib import Path

import pytest

from slmr import config, privacy


def _create(cli, *extra: str, tty: bool = False):
    return cli("create", *extra, "design a schema for an audit log", tty=tty)


def test_default_create_goes_to_the_cloud(cli, fake_ollama, fake_anthropic) -> None:
    result = _create(cli)
    assert result.exit_code == 0, result.stderr
    assert len(fake_anthropic.requests) == 1 and fake_ollama.requests == []


@pytest.mark.parametrize("how", ["flag", "env", "env-policy", "config"])
def test_local_only_runs_create_work_locally_with_one_notice(
    how, cli, fake_ollama, fake_anthropic, monkeypatch
) -> None:
    extra: tuple[str, ...] = ()
    if how == "flag":
        extra = ("--local-only",)
    elif how == "env":
        monkeypatch.setenv("SLMR_LOCAL_ONLY", "1")
    elif how == "env-policy":
        monkeypatch.setenv("SLMR_POLICY_PRIVACY", "local-only")
    else:
        config.set_value("policy.privacy", "local-only")
    fake_ollama.reply("local schema")
    result = _create(cli, *extra)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "local schema\n"
    assert fake_anthropic.requests == []
    assert len(fake_ollama.requests) == 1
    notices = [line for line in result.stderr.splitlines() if "local-only" in line]
    assert len(notices) == 1 and "running on the local model" in notices[0]


def test_local_only_call_is_recorded_as_decided_by_policy(cli, fake_ollama, ledger_rows) -> None:
    assert _create(cli, "--local-only").exit_code == 0
    (row,) = ledger_rows()
    assert (row["route"], row["decided_by"], row["backend"]) == ("create", "policy", "ollama")


def test_strict_refuses_create_work_with_exit_6(cli, fake_ollama, fake_anthropic, ledger_rows) -> None:
    result = _create(cli, "--local-only", "--strict")
    assert result.exit_code == 6
    assert "local-only" in result.stderr and "Traceback" not in result.stderr
    assert fake_anthropic.requests == [] and fake_ollama.requests == [] and ledger_rows() == []


def test_explicit_cloud_is_refused_in_local_only_mode(cli, fake_anthropic, monkeypatch) -> None:
    monkeypatch.setenv("SLMR_LOCAL_ONLY", "1")
    result = cli("ask", "--cloud", "hello there")
    assert result.exit_code == 6 and "--cloud is not allowed" in result.stderr
    assert fake_anthropic.requests == []


def test_reshape_work_is_unaffected(cli, fake_ollama) -> None:
    fake_ollama.reply("The text.\n")
    result = cli("rewrite", "--local-only", input="teh text\n")
    assert result.exit_code == 0 and "local-only" not in result.stderr


def test_escalation_question_and_doctor_mode(monkeypatch) -> None:
    settings = config.load()
    assert privacy.cloud_allowed(settings) is True
    assert privacy.effective_mode(settings) == ("allow", "default")
    monkeypatch.setenv("SLMR_LOCAL_ONLY", "1")
    assert privacy.cloud_allowed(settings) is False
    assert privacy.effective_mode(settings) == ("local-only", "environment SLMR_LOCAL_ONLY")
    flagged = config.load(flags={"policy.privacy": "local-only"})
    monkeypatch.delenv("SLMR_LOCAL_ONLY")
    assert privacy.effective_mode(flagged) == ("local-only", "--local-only")


def test_guard_refuses_a_cloud_backend_in_local_only_mode_whoever_calls_it(fake_anthropic, monkeypatch) -> None:
    """Defence in depth: a code path that forgot enforce_route (an escalation) is still stopped."""
    from slmr import backends
    from slmr.backends.base import ChatRequest, Message
    from slmr.console import Console
    from slmr.errors import PolicyBlocked

    monkeypatch.setenv("SLMR_LOCAL_ONLY", "1")
    settings = config.load()
    chat = ChatRequest([Message("user", "hi")], model="m")
    with pytest.raises(PolicyBlocked):
        privacy.guard(chat, backends.cloud_backend(settings), settings, Console())
    assert fake_anthropic.requests == []


# --- .slmr.toml ------------------------------------------------------------------------------------


def _project(tmp_path: Path, body: str) -> Path:
    repo = tmp_path / "client-repo"
    (repo / "src" / "deep").mkdir(parents=True)
    (repo / ".slmr.toml").write_text(body)
    return repo / "src" / "deep"


def test_project_file_up_the_tree_tightens_to_local_only(cli, fake_ollama, fake_anthropic, tmp_path, monkeypatch):
    monkeypatch.chdir(_project(tmp_path, '[policy]\nprivacy = "local-only"\n'))
    result = _create(cli)
    assert result.exit_code == 0, result.stderr
    assert fake_anthropic.requests == [] and len(fake_ollama.requests) == 1
    assert ".slmr.toml" in result.stderr
    mode, source = privacy.effective_mode(config.load())
    assert mode == "local-only" and source.endswith(str(tmp_path / "client-repo" / ".slmr.toml"))


def test_project_file_cannot_loosen_the_users_policy(cli, fake_ollama, fake_anthropic, tmp_path, monkeypatch):
    config.set_value("policy.privacy", "local-only")
    config.set_value("policy.secrets", "block")
    monkeypatch.chdir(_project(tmp_path, '[policy]\nprivacy = "allow"\nsecrets = "allow"\n'))
    policy = privacy.resolve(config.load())
    assert (policy.privacy, policy.secrets) == ("local-only", "block")
    assert policy.privacy_source.startswith("config")
    assert _create(cli).exit_code == 0
    assert fake_anthropic.requests == []


def test_project_file_can_tighten_the_secrets_policy(tmp_path, monkeypatch) -> None:
    config.set_value("policy.secrets", "allow")
    monkeypatch.chdir(_project(tmp_path, 'secrets = "redact"\n'))
    policy = privacy.resolve(config.load())
    assert policy.secrets == "redact" and policy.secrets_source.startswith("project ")


def test_project_file_local_only_shorthand(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(_project(tmp_path, "local_only = true\n"))
    assert privacy.effective_mode(config.load())[0] == "local-only"


def test_a_broken_project_file_fails_closed(cli, fake_anthropic, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(_project(tmp_path, '[policy]\nprivacy = "local-onyl"\n'))
    result = _create(cli)
    assert result.exit_code == 2 and ".slmr.toml" in result.stderr
    assert fake_anthropic.requests == []


def test_privacy_status_command(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(_project(tmp_path, 'privacy = "local-only"\n'))
    result = cli("privacy", "status")
    assert result.exit_code == 0
    assert result.stdout.startswith("privacy  local-only  (project ")


# --- ask ------------------------------------------------------------------------------------------


def test_ask_mode_confirmed_on_a_terminal_goes_to_the_cloud(cli, fake_ollama, fake_anthropic, monkeypatch) -> None:
    config.set_value("policy.privacy", "ask")
    questions: list[str] = []
    monkeypatch.setattr(privacy, "confirm", lambda q: questions.append(q) or True)
    assert _create(cli, tty=True).exit_code == 0
    assert len(questions) == 1 and "anthropic" in questions[0]
    assert len(fake_anthropic.requests) == 1


def test_ask_mode_without_a_terminal_stays_local(cli, fake_ollama, fake_anthropic, monkeypatch) -> None:
    config.set_value("policy.privacy", "ask")
    monkeypatch.setattr(privacy, "confirm", lambda q: pytest.fail("must not ask without a terminal"))
    result = _create(cli)
    assert result.exit_code == 0 and "no terminal" in result.stderr
    assert fake_anthropic.requests == [] and len(fake_ollama.requests) == 1


def test_doctor_shows_the_mode_and_its_source(cli, fake_ollama, tmp_path, monkeypatch) -> None:
    import json

    def privacy_check() -> dict:
        data = json.loads(cli("doctor", "--json").stdout)
        return {c["name"]: c for c in data["checks"]}["privacy"]

    assert privacy_check()["detail"].startswith("allow (default); secrets block (default)")
    monkeypatch.chdir(_project(tmp_path, 'privacy = "local-only"\n'))
    check = privacy_check()
    assert check["status"] == "ok" and check["detail"].startswith("local-only (project ")
    (tmp_path / "client-repo" / ".slmr.toml").write_text('privacy = "nope"\n')
    assert privacy_check()["status"] == "fail"
