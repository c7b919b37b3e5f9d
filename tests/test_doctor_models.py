"""slmr doctor and slmr models against a reachable and an unreachable local server; the first-run notice."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from slmr import doctor
from slmr.ledger import SCHEMA_VERSION


def _checks(result) -> dict[str, dict]:
    data = json.loads(result.stdout)
    return {c["name"]: c for c in data["checks"]}


def test_doctor_all_good_with_a_reachable_server(cli, fake_ollama, fake_anthropic) -> None:
    result = cli("doctor", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["exit_code"] == 0
    checks = {c["name"]: c for c in data["checks"]}
    assert checks["local server"]["status"] == "ok" and "0.12.6" in checks["local server"]["detail"]
    assert checks["local model"]["status"] == "ok" and "131,072" in checks["local model"]["detail"]
    assert checks["cloud key"]["status"] == "ok"
    assert checks["ledger"]["status"] == "ok" and f"schema {SCHEMA_VERSION}" in checks["ledger"]["detail"]
    assert checks["config"]["status"] == "ok"
    assert checks["git hook"]["status"] == "skip"  # the test's working directory is not a repository
    assert checks["prices"]["status"] in ("ok", "warn")


def test_doctor_never_prints_the_key(cli, fake_ollama, fake_anthropic) -> None:
    for args in (("doctor",), ("doctor", "--json")):
        result = cli(*args)
        assert "sk-ant-test-not-a-real-key" not in result.stdout + result.stderr
        assert "not-a-real" not in result.stdout


def test_doctor_unreachable_server_fails_with_code_3_and_the_fix(cli, fake_anthropic) -> None:
    # conftest points OLLAMA_HOST at the discard port, where nothing listens
    result = cli("doctor")
    assert result.exit_code == 3
    lines = result.stdout.splitlines()
    server = next(i for i, line in enumerate(lines) if "local server" in line)
    assert lines[server].startswith("FAIL") and "127.0.0.1:9" in lines[server]
    assert "fix: ollama serve" in lines[server + 1]
    assert any(line.startswith("skip") and "local model" in line for line in lines)
    assert "1 check(s) failed" in result.stderr


def test_doctor_unreachable_json(cli, fake_anthropic) -> None:
    result = cli("doctor", "--json")
    assert result.exit_code == 3
    checks = _checks(result)
    assert checks["local server"]["status"] == "fail" and checks["local server"]["exit_code"] == 3
    assert checks["local server"]["fix"].startswith("ollama serve")


def test_doctor_missing_model_and_missing_key(cli, fake_ollama, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLMR_LOCAL_MODEL", "qwen2.5:7b")
    result = cli("doctor", "--json")
    checks = _checks(result)
    assert checks["local model"]["status"] == "fail"
    assert checks["local model"]["fix"].startswith("ollama pull qwen2.5:7b")
    assert checks["cloud key"]["status"] == "fail" and "ANTHROPIC_API_KEY" in checks["cloud key"]["fix"]
    assert result.exit_code == 3  # the first failure decides the code


def test_doctor_openai_key_for_openai_provider(cli, fake_ollama, fake_openai, monkeypatch) -> None:
    monkeypatch.setenv("SLMR_CLOUD_PROVIDER", "openai")
    checks = _checks(cli("doctor", "--json"))
    assert checks["cloud key"]["status"] == "ok" and "OPENAI_API_KEY is set" in checks["cloud key"]["detail"]
    monkeypatch.delenv("OPENAI_API_KEY")
    result = cli("doctor", "--json")
    assert _checks(result)["cloud key"]["status"] == "fail" and result.exit_code == 4


def test_doctor_reports_the_line_of_a_toml_error(cli, fake_ollama, fake_anthropic, isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('[local]\nmodel = "llama3.2:3b"\nhost = \n')
    result = cli("doctor", "--json")
    check = _checks(result)["config"]
    assert check["status"] == "fail" and "line 3" in check["detail"]
    assert result.exit_code == 2
    # the other checks still ran, on defaults
    assert _checks(result)["local server"]["status"] == "ok"


def test_doctor_ledger_schema_and_newer_ledger(cli, fake_ollama, fake_anthropic, isolated_home: Path) -> None:
    from slmr.ledger import Ledger

    with Ledger(isolated_home / "ledger.db"):
        pass
    assert f"writable, schema {SCHEMA_VERSION}" in _checks(cli("doctor", "--json"))["ledger"]["detail"]
    db = sqlite3.connect(isolated_home / "ledger.db")
    db.execute("INSERT INTO _migrations VALUES ('9999_future', '2030-01-01')")
    db.commit()
    db.close()
    result = cli("doctor", "--json")
    assert _checks(result)["ledger"]["status"] == "fail" and result.exit_code == 2


def test_doctor_hook_state_in_a_repository(cli, fake_ollama, fake_anthropic, tmp_path: Path, monkeypatch) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo)
    check = _checks(cli("doctor", "--json"))["git hook"]
    assert check["status"] == "info" and check["fix"] == "slmr hook install"
    assert cli("hook", "install").exit_code == 0
    check = _checks(cli("doctor", "--json"))["git hook"]
    assert check["status"] == "ok", check
    assert "prepare-commit-msg" in check["detail"] and "commit-msg" in check["detail"]
    # a hook whose recorded python has gone away is reported, with the reinstall command
    hook = repo / ".git" / "hooks" / "commit-msg"
    hook.write_text(hook.read_text().replace(sys.executable, "/nonexistent/python3"))
    check = _checks(cli("doctor", "--json"))["git hook"]
    assert check["status"] == "warn" and check["fix"] == "slmr hook install"
    assert cli("hook", "uninstall").exit_code == 0
    assert _checks(cli("doctor", "--json"))["git hook"]["status"] == "info"


def test_price_table_age_warning() -> None:
    assert doctor.check_prices(today=date(2026, 11, 30)).status == "ok"
    old = doctor.check_prices(today=date(2027, 6, 1))
    assert old.status == "warn" and "days old" in old.detail and old.fix
    assert doctor.exit_code([old]) == 0  # a warning is not a failure


def test_models_with_a_reachable_server(cli, fake_ollama) -> None:
    fake_ollama.models["qwen2.5:3b"] = 32768
    result = cli("models", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    names = [m["name"] for m in data["local"]["models"]]
    assert names == ["llama3.2:3b", "qwen2.5:3b"]
    assert data["local"]["models"][0]["configured"] is True
    cloud = {m["name"]: m for m in data["cloud"]}
    assert cloud["claude-opus-5-5"]["configured"] is True
    assert cloud["claude-opus-5-5"]["input_usd_per_mtok"] == 4.0
    text = cli("models").stdout
    assert "* llama3.2:3b" in text and "$4 / $20" in text


def test_models_unreachable_server_still_lists_cloud(cli, isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('[prices."my-model"]\ninput = 1.5\noutput = 3\n')
    result = cli("models")
    assert result.exit_code == 0
    assert "not reachable" in result.stdout and "$1.5 / $3  (from config)" in result.stdout
    assert "slmr doctor" in result.stderr
    data = json.loads(cli("models", "--json").stdout)
    assert data["local"]["reachable"] is False and data["local"]["error"]


def test_version(cli) -> None:
    from slmr import __version__

    result = cli("--version")
    assert result.exit_code == 0 and result.stdout == f"slmr {__version__}\n"


def test_first_run_notice_once_on_a_terminal(cli, isolated_home: Path) -> None:
    first = cli("route", "summarize these notes", tty=True)
    assert first.exit_code == 0
    assert str(isolated_home / "config.toml") in first.stderr
    assert "slmr config set cloud.model" in first.stderr and "ANTHROPIC_API_KEY" in first.stderr
    second = cli("route", "summarize these notes", tty=True)
    assert "no config file yet" not in second.stderr
    assert (isolated_home / ".first-run-notice").exists()


def test_no_first_run_notice_off_a_terminal_or_with_a_config(cli, isolated_home: Path) -> None:
    piped = cli("route", "summarize these notes")
    assert "no config file yet" not in piped.stderr
    assert not (isolated_home / ".first-run-notice").exists()
    assert cli("config", "set", "local.model", "qwen2.5:3b").exit_code == 0
    configured = cli("route", "summarize these notes", tty=True)
    assert "no config file yet" not in configured.stderr


def test_a_blank_key_fails_in_doctor_and_in_create_alike(cli, fake_ollama, fake_anthropic, monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "   ")
    assert _checks(cli("doctor", "--json"))["cloud key"]["status"] == "fail"
    assert cli("create", "write a haiku about queues").exit_code == 4
    assert fake_anthropic.requests == []


def test_a_missing_credentials_profile_is_one_line_and_exit_4(cli, fake_anthropic, monkeypatch, ledger_rows) -> None:
    # the SDK loads ANTHROPIC_PROFILE itself; a profile that does not exist must not surface as a crash
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.setenv("ANTHROPIC_PROFILE", "work")
    result = cli("create", "write a haiku about queues")
    assert result.exit_code == 4
    assert "credentials could not be loaded" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # the error line and its hint
    assert ledger_rows()[0]["error_kind"] == "missing_key"
