"""Diffs lose the hunks of secret-bearing files before any model sees them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from slmr import diffs
from tests.secret_samples import samples


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo_diff(tmp_path: Path) -> tuple[str, str]:
    """A real `git diff --cached` touching code, a .env, a key, an id_rsa and a .env.example."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "app.py").write_text("print('hello')\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "init")
    secret = samples()["high-entropy-value"][1]
    (repo / "app.py").write_text("print('hello, world')\n")
    (repo / ".env").write_text(f"SESSION_SIGNING_SECRET={secret}\n")
    (repo / "config").mkdir()
    (repo / "config" / "server.key").write_text(samples()["private-key"][0] + "\n")
    (repo / "id_rsa").write_text("not really a key " + secret + "\n")
    (repo / ".env.example").write_text("SESSION_SIGNING_SECRET=\n")
    _git(repo, "add", ".")
    return _git(repo, "diff", "--cached"), secret


def test_git_diff_drops_sensitive_files_and_keeps_the_rest(repo_diff) -> None:
    text, secret = repo_diff
    result = diffs.filter_diff(text)
    assert sorted(result.dropped) == [".env", "config/server.key", "id_rsa"]
    assert secret not in result.text and "PRIVATE KEY" not in result.text
    assert "diff --git a/app.py b/app.py" in result.text and "+print('hello, world')" in result.text
    assert "diff --git a/.env.example b/.env.example" in result.text


def test_plain_unified_diff_and_renames() -> None:
    plain = (
        "--- a/settings.py\t2026-01-01\n+++ b/settings.py\t2026-01-02\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"
        "--- a/deploy/prod.pem\n+++ b/deploy/prod.pem\n@@ -1 +1 @@\n-old\n+new\n"
    )
    result = diffs.filter_diff(plain)
    assert result.dropped == ["deploy/prod.pem"]
    assert result.text.startswith("--- a/settings.py") and "prod.pem" not in result.text
    rename = "diff --git a/notes.txt b/.env\nsimilarity index 90%\nrename from notes.txt\nrename to .env\n"
    assert diffs.filter_diff(rename).dropped == [".env"]


def test_text_that_is_not_a_diff_passes_unchanged() -> None:
    text = "--- a heading\nsome prose about .env files and id_rsa\n"
    assert diffs.filter_diff(text).text == text


@pytest.mark.parametrize(
    ("path", "sensitive"),
    [
        (".env", True),
        ("b/.env.production", True),
        ("a/certs/site.pem", True),
        ("id_ed25519.pub", True),
        ("home/.netrc", True),
        ("infra/terraform.tfstate", True),
        (".env.example", False),
        ("src/environment.py", False),
        ("docs/keys.md", False),
        ("/dev/null", False),
    ],
)
def test_sensitive_names(path: str, sensitive: bool) -> None:
    assert diffs.is_sensitive(path) is sensitive


def test_piped_diff_reaches_the_model_without_the_env_hunk(cli, fake_ollama, repo_diff) -> None:
    text, secret = repo_diff
    fake_ollama.reply("Greets the world.")
    result = cli("summarize", input=text)
    assert result.exit_code == 0, result.stderr
    sent = json.dumps(fake_ollama.requests)
    assert secret not in sent and "PRIVATE KEY" not in sent and "hello, world" in sent
    (notice,) = [line for line in result.stderr.splitlines() if "left the diff of" in line]
    assert ".env" in notice and "config/server.key" in notice and "id_rsa" in notice


def test_a_diff_of_only_sensitive_files_is_a_clear_error(cli, fake_ollama) -> None:
    text = "diff --git a/.env b/.env\n--- a/.env\n+++ b/.env\n@@ -1 +1 @@\n-A=1\n+A=2\n"
    result = cli("summarize", input=text)
    assert result.exit_code == 2 and "only touches sensitive files" in result.stderr
    assert fake_ollama.requests == []


def test_hook_helper_function_notifies_on_stderr() -> None:
    import io

    from slmr.console import Console

    err = io.StringIO()
    text = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n" + (
        "diff --git a/k.pem b/k.pem\n--- a/k.pem\n+++ b/k.pem\n@@ -1 +1 @@\n-a\n+b\n"
    )
    out = diffs.filter_for_models(text, Console(stdout=io.StringIO(), stderr=err))
    assert "k.pem" not in out and "x.py" in out and "k.pem" in err.getvalue()


def test_commit_message_draft_never_sends_the_env_hunk(cli, fake_ollama, repo_diff, tmp_path, monkeypatch) -> None:
    """The hook's path: `slmr commit-msg` (and `slmr hook run`) hand the staged diff to pipeline.run."""
    _, secret = repo_diff
    monkeypatch.chdir(tmp_path / "repo")
    fake_ollama.reply("Greet the world\n")
    result = cli("commit-msg")
    assert fake_ollama.requests, result.stderr
    sent = json.dumps(fake_ollama.requests)
    assert secret not in sent and "PRIVATE KEY" not in sent and "hello, world" in sent
    assert "left the diff of" in result.stderr
