"""slmr hook install / uninstall / status, in real repositories and with a real global git config."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from slmr.hooks import install as hooks
from tests.hook.gitrepo import Repo, make_repo, write_hook


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo.path)
    return repo


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in a directory with its bytes and mode, to compare before and after."""
    if not directory.is_dir():
        return {}
    return {p.name: (p.read_bytes(), stat.S_IMODE(p.lstat().st_mode)) for p in sorted(directory.iterdir())}


def test_install_then_uninstall_leaves_the_hooks_directory_as_it_was(repo, cli):
    write_hook(repo.hooks / "commit-msg", "exit 0\n")
    (repo.hooks / "commit-msg").chmod(0o750)
    before = snapshot(repo.hooks)
    done = cli("hook", "install")
    assert done.exit_code == 0, done.stderr
    assert hooks.is_ours(repo.hooks / "commit-msg") and hooks.is_ours(repo.hooks / "prepare-commit-msg")
    assert (repo.hooks / "commit-msg.pre-slmr").read_text() == "#!/bin/sh\nexit 0\n"
    assert "runs first" in done.stderr
    assert done.stdout == ""
    done = cli("hook", "uninstall")
    assert done.exit_code == 0, done.stderr
    assert "restored your previous commit-msg hook" in done.stderr
    assert snapshot(repo.hooks) == before


def test_install_is_idempotent_and_never_chains_to_itself(repo, cli):
    assert cli("hook", "install").exit_code == 0
    assert cli("hook", "install").exit_code == 0
    assert not (repo.hooks / "commit-msg.pre-slmr").exists()
    assert cli("hook", "uninstall").exit_code == 0
    assert not (repo.hooks / "commit-msg").exists()


def test_a_symlinked_hook_is_kept_as_a_symlink(repo, cli, tmp_path):
    target = write_hook(tmp_path / "team-hooks" / "commit-msg", "exit 0\n")
    (repo.hooks / "commit-msg").symlink_to(target)
    assert cli("hook", "install").exit_code == 0
    assert os.readlink(repo.hooks / "commit-msg.pre-slmr") == str(target)
    assert cli("hook", "uninstall").exit_code == 0
    assert os.readlink(repo.hooks / "commit-msg") == str(target)


def test_uninstall_leaves_a_hook_that_replaced_slmrs(repo, cli):
    write_hook(repo.hooks / "commit-msg", "exit 0\n")
    assert cli("hook", "install").exit_code == 0
    write_hook(repo.hooks / "commit-msg", "echo mine\n")  # the user replaced slmr's script
    done = cli("hook", "uninstall")
    assert done.exit_code == 0
    assert (repo.hooks / "commit-msg").read_text() == "#!/bin/sh\necho mine\n"
    assert (repo.hooks / "commit-msg.pre-slmr").exists()
    assert "not slmr's any more" in done.stderr


def test_install_outside_a_repository_is_a_usage_error(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = cli("hook", "install")
    assert done.exit_code == 2
    assert done.stderr.startswith("slmr: error: not inside a git repository")


def test_hooks_path_inside_the_working_tree_is_refused(repo, cli):
    """A tracked hooks directory (husky's .husky) would get untracked files and a renamed hook."""
    write_hook(repo.path / ".husky" / "commit-msg", "exit 0\n")
    repo.git("config", "core.hooksPath", ".husky")
    done = cli("hook", "install")
    assert done.exit_code == 2
    assert "inside the working tree" in done.stderr
    assert "hook run --stage NAME" in done.stderr
    assert sorted(p.name for p in (repo.path / ".husky").iterdir()) == ["commit-msg"]


def test_status_reports_the_repository(repo, cli):
    done = cli("hook", "status", "--json")
    assert done.exit_code == 0
    report = json.loads(done.stdout)
    assert report["global"]["installed"] is False
    assert [h["state"] for h in report["repository"]["hooks"]] == ["none", "none"]
    cli("hook", "install")
    report = json.loads(cli("hook", "status", "--json").stdout)
    states = report["repository"]["hooks"]
    assert [h["state"] for h in states] == ["slmr", "slmr"]
    assert all(h["python_ok"] for h in states)
    text = cli("hook", "status").stdout
    assert "active here: yes" in text
    assert str(repo.hooks) in text


def test_status_outside_a_repository(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = cli("hook", "status")
    assert done.exit_code == 0
    assert "not inside a git repository" in done.stdout


def test_the_script_names_the_interpreter_and_cleans_the_environment(repo, cli):
    cli("hook", "install")
    script = (repo.hooks / "commit-msg").read_text()
    assert hooks.recorded_python(repo.hooks / "commit-msg") == sys.executable
    assert "env -i" in script
    assert '"$slmr_python" -I -m slmr.hooks --stage "$slmr_hook" -- "$@"' in script


def test_a_vanished_interpreter_never_blocks(repo, cli, tmp_path):
    cli("hook", "install")
    for name in hooks.OWNED_HOOKS:
        path = repo.hooks / name
        path.write_text(hooks.hook_script(name, "repo", str(tmp_path / "gone" / "python")))
    done = repo.commit("-m", "fix teh thing")
    assert done.returncode == 0
    assert repo.last_message() == "fix teh thing\n"
    assert "is gone; commit message left as written" in done.stderr


# --- global ----------------------------------------------------------------------------------------------


def global_hooks_path(repo: Repo) -> str | None:
    done = repo.git("config", "--global", "--get", "core.hooksPath", check=False)
    return done.stdout.strip() or None


def test_global_install_cleans_every_repository_and_keeps_their_own_hooks(repo, cli, fake_ollama, tmp_path):
    log = tmp_path / "ran.log"
    write_hook(repo.hooks / "pre-commit", f'echo pre-commit >> "{log}"\n')
    write_hook(repo.hooks / "commit-msg", f'echo commit-msg >> "{log}"\n')
    done = cli("hook", "install", "--global")
    assert done.exit_code == 0, done.stderr
    assert global_hooks_path(repo) == str(hooks.global_dir())
    fake_ollama.reply("Fix the thing")
    done = repo.commit("-m", "fix teh thing")
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == "Fix the thing\n"
    assert log.read_text() == "pre-commit\ncommit-msg\n"  # the repository's hooks still ran
    # a repository install now defers to the global one
    assert "already installed for every repository" in cli("hook", "install").stderr
    report = json.loads(cli("hook", "status", "--json").stdout)
    assert report["global"]["installed"] and report["repository"]["uses_global"]

    done = cli("hook", "uninstall", "--global")
    assert done.exit_code == 0, done.stderr
    assert global_hooks_path(repo) is None
    assert not hooks.global_dir().exists()


def test_global_install_chains_to_the_previous_global_hooks_path(repo, cli, fake_ollama, tmp_path):
    previous = tmp_path / "company-hooks"
    log = tmp_path / "ran.log"
    write_hook(previous / "commit-msg", f'echo "company: $(cat "$1")" >> "{log}"\n')
    write_hook(previous / "pre-push", "exit 0\n")
    write_hook(previous / "custom-thing", "exit 0\n")
    repo.git("config", "--global", "core.hooksPath", str(previous))
    assert cli("hook", "install", "--global").exit_code == 0
    assert (hooks.global_dir() / "custom-thing").exists()
    fake_ollama.reply("Fix the thing")
    assert repo.commit("-m", "fix teh thing").returncode == 0
    assert log.read_text() == "company: fix teh thing\n"
    assert repo.last_message() == "Fix the thing\n"

    write_hook(previous / "commit-msg", "echo 'company policy says no' >&2\nexit 1\n")
    done = repo.commit("-m", "fix teh other thing")
    assert done.returncode != 0 and "company policy says no" in done.stderr

    assert cli("hook", "uninstall", "--global").exit_code == 0
    assert global_hooks_path(repo) == str(previous)
    assert sorted(p.name for p in previous.iterdir()) == ["commit-msg", "custom-thing", "pre-push"]


def test_global_uninstall_leaves_a_hooks_path_the_user_changed(repo, cli, tmp_path):
    assert cli("hook", "install", "--global").exit_code == 0
    repo.git("config", "--global", "core.hooksPath", str(tmp_path / "elsewhere"))
    done = cli("hook", "uninstall", "--global")
    assert done.exit_code == 0
    assert "left the global core.hooksPath alone" in done.stderr
    assert global_hooks_path(repo) == str(tmp_path / "elsewhere")


def test_repo_and_global_install_together_run_slmr_once(repo, cli, fake_ollama):
    assert cli("hook", "install").exit_code == 0
    assert cli("hook", "install", "--global").exit_code == 0
    fake_ollama.reply("Fix the thing")
    done = repo.commit("-m", "fix teh thing")
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == "Fix the thing\n"
    assert len(fake_ollama.requests) == 1
