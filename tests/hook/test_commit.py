"""Real `git commit` runs with slmr's hook installed, against the fake Ollama server.

The hook runs exactly as it would for a developer: git starts the installed shell script, which
starts the recorded Python with a clean environment. Nothing is mocked between git and the server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hook.gitrepo import Repo, editor_script, make_repo, write_hook


@pytest.fixture
def repo(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> Repo:
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo.path)
    done = cli("hook", "install")
    assert done.exit_code == 0, done.stderr
    return repo


def slmr_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("slmr")]


def sent_text(fake) -> str:
    """The user message the model received."""
    return fake.requests[-1]["messages"][-1]["content"]


# --- success ---------------------------------------------------------------------------------------


def test_message_from_m_is_cleaned_and_recorded(repo, fake_ollama, ledger_rows):
    fake_ollama.reply("Fix the parser bug", output_tokens=6)
    done = repo.commit("-m", "fixed teh parser bug")
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == "Fix the parser bug\n"
    assert "fixed teh parser bug" in sent_text(fake_ollama)
    assert slmr_lines(done.stderr) == ["slmr: hook: cleaned up the commit message on the local model"]
    [row] = ledger_rows()
    assert (row["command"], row["task"], row["route"], row["backend"], row["status"]) == (
        "hook",
        "commit-msg",
        "reshape",
        "ollama",
        "ok",
    )
    assert (row["input_tokens"], row["output_tokens"]) == (fake_ollama.prompt_count(fake_ollama.requests[-1]), 6)


def test_editor_message_keeps_comments_trailers_and_scissors_byte_for_byte(repo, fake_ollama, tmp_path):
    typed = (
        "fix teh bug in parser\n"
        "this change make the parser handle empty input without crashing.\n"
        "\n"
        "Signed-off-by: Ada Tester <ada@example.com>\n"
        "Co-authored-by: Bob <bob@example.com>\n"
    )
    fake_ollama.reply("Fix the bug in the parser\n\nThis change makes the parser handle empty input without\ncrashing.")
    editor = editor_script(tmp_path, typed)
    done = repo.commit("-v", env={"GIT_EDITOR": editor})
    assert done.returncode == 0, done.stderr
    seen = (tmp_path / "seen.txt").read_text()
    git_part = seen[len(typed) :]  # what git wrote: comment lines, the scissors line and the diff
    assert "# ------------------------ >8 ------------------------" in git_part
    assert "diff --git" in git_part
    expected = (
        "Fix the bug in the parser\n"
        "\n"
        "This change makes the parser handle empty input without\n"
        "crashing.\n"
        "\n"
        "Signed-off-by: Ada Tester <ada@example.com>\n"
        "Co-authored-by: Bob <bob@example.com>\n"
    ) + git_part
    assert repo.editmsg == expected.encode()
    # only the prose went to the model: no trailers, no comments, no diff
    sent = sent_text(fake_ollama)
    assert "Signed-off-by" not in sent and "# Please enter" not in sent and "diff --git" not in sent
    assert repo.last_message().endswith("Co-authored-by: Bob <bob@example.com>\n")


def test_configured_comment_char_is_respected(repo, fake_ollama, tmp_path):
    repo.git("config", "core.commentChar", ";")
    typed = "add retry to teh uploader\n"
    fake_ollama.reply("Add retry to the uploader")
    done = repo.commit(env={"GIT_EDITOR": editor_script(tmp_path, typed)})
    assert done.returncode == 0, done.stderr
    git_part = (tmp_path / "seen.txt").read_text()[len(typed) :]
    assert "\n; Please enter the commit message" in git_part
    assert repo.editmsg == ("Add retry to the uploader\n" + git_part).encode()
    assert "Please enter" not in sent_text(fake_ollama)


def test_auto_comment_char_is_resolved_like_git(repo, fake_ollama, tmp_path):
    """With `auto`, git picks a character no line of the -m message starts with ('#' is taken here: ';')."""
    repo.git("config", "core.commentChar", "auto")
    fake_ollama.reply("Tidy the #include lines\n\n#2 is the issue")
    done = repo.commit(
        "-e", "-m", "tidy teh #include lines\n\n#2 is the issue", env={"GIT_EDITOR": editor_script(tmp_path, "")}
    )
    assert done.returncode == 0, done.stderr
    seen = (tmp_path / "seen.txt").read_text()
    original = "tidy teh #include lines\n\n#2 is the issue\n"
    assert seen.startswith(original) and "\n; Please enter the commit message" in seen
    assert repo.editmsg == ("Tidy the #include lines\n\n#2 is the issue\n" + seen[len(original) :]).encode()
    assert "#2 is the issue" in sent_text(fake_ollama)
    assert repo.last_message() == "Tidy the #include lines\n\n#2 is the issue\n"


def test_a_model_line_that_git_would_drop_as_a_comment_is_rejected(repo, fake_ollama):
    fake_ollama.reply("Fix the thing\n\n# note: cleaned")
    done = repo.commit("-e", "-m", "fix teh thing", env={"GIT_EDITOR": "true"})
    assert_kept(repo, done, "fix teh thing\n", "comment lines")


def test_runs_without_the_shell_profile(repo, fake_ollama):
    """A GUI client has a bare PATH (no venv, no pyenv) and maybe a stray PYTHONPATH: the recorded path wins."""
    fake_ollama.reply("Update the README")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": "/nonexistent", "VIRTUAL_ENV": "/nonexistent"}
    done = repo.commit("-m", "update readme", env=env)
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == "Update the README\n"


def test_the_hook_does_not_inherit_the_callers_environment(repo, fake_ollama):
    """A proxy variable breaks a plain slmr call to the local server; the hook never sees it."""
    proxy = {"HTTP_PROXY": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9", "NO_PROXY": ""}
    plain = subprocess.run(
        [sys.executable, "-m", "slmr", "rewrite"],
        input=b"teh text\n",
        capture_output=True,
        env={**os.environ, **proxy},
        timeout=60,
    )
    assert plain.returncode == 3, plain.stderr  # the proxy is really in the way
    fake_ollama.reply("Update the README")
    done = repo.commit("-m", "update readme", env=proxy)
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == "Update the README\n"


# --- never blocks, never loses ----------------------------------------------------------------------


def assert_kept(repo: Repo, done, original: str, reason: str) -> None:
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == original
    lines = slmr_lines(done.stderr)
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("slmr: warning: hook: kept your commit message as written: ")
    assert reason in lines[0]


def test_ollama_down(repo):
    done = repo.commit("-m", "wip: teh thing")
    assert_kept(repo, done, "wip: teh thing\n", "cannot reach Ollama")


def test_model_missing(repo, fake_ollama, ledger_rows):
    fake_ollama.missing_model()
    done = repo.commit("-m", "wip: teh thing")
    assert_kept(repo, done, "wip: teh thing\n", "is not available")
    assert ledger_rows()[0]["error_kind"] == "model_missing"


def test_server_error(repo, fake_ollama):
    fake_ollama.reply(status=500)
    done = repo.commit("-m", "wip: teh thing")
    assert_kept(repo, done, "wip: teh thing\n", "answered with an error")


def test_slow_first_token_beyond_the_timeout(repo, fake_ollama, ledger_rows):
    delay = 3.0
    started = time.monotonic()
    fake_ollama.reply("Fix the thing", delay_s=delay)
    done = repo.commit("-m", "fix teh thing", env={"SLMR_HOOK_TIMEOUT_S": "1"})
    assert_kept(repo, done, "fix teh thing\n", "hook.timeout_s")
    [row] = ledger_rows()
    assert row["task"] == "commit-msg" and row["status"] == "error"
    # the fake server answers one request at a time: let it finish the slow one before the next test
    time.sleep(max(0.0, started + delay + 0.2 - time.monotonic()))


def test_slow_stream_beyond_the_timeout(repo, fake_ollama, ledger_rows):
    """Each chunk arrives within the HTTP timeout, the whole answer does not: the deadline still holds."""
    fake_ollama.reply("Fix the thing " * 30, chunk_delay_s=0.2)
    done = repo.commit("-m", "fix teh thing", env={"SLMR_HOOK_TIMEOUT_S": "2"})
    assert_kept(repo, done, "fix teh thing\n", "hook.timeout_s")
    [row] = ledger_rows()
    assert row["error_kind"] == "timeout"


def test_dropped_stream(repo, fake_ollama):
    fake_ollama.reply("Fix the thing properly now", drop_after=2)
    done = repo.commit("-m", "fix teh thing")
    assert_kept(repo, done, "fix teh thing\n", "dropped")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("Here is the cleaned-up commit message:\n\nFix the thing", "preamble"),
        ("Sure! Fix the thing", "preamble"),
        ("```\nFix the thing\n```", "code fence"),
        ("", "empty"),
        ("Fix the thing\n\n" + "This commit fixes the thing in a thorough and careful way. " * 6, "much longer"),
        ("Fix the thing\n\nSigned-off-by: Bot <bot@example.com>", "trailers"),
        ("Fix the thing that was broken in the parser module and also everything around it ok", "subject"),
    ],
)
def test_bad_answers_keep_the_original(repo, fake_ollama, answer, reason):
    fake_ollama.reply(answer, times=2)  # the pipeline retries an empty answer once
    done = repo.commit("-m", "fix teh thing\n\nIt was broken.")
    assert_kept(repo, done, "fix teh thing\n\nIt was broken.\n", reason)
    assert "--local" not in done.stderr


def test_a_dropped_trailer_can_not_happen_because_trailers_never_leave(repo, fake_ollama, tmp_path):
    typed = "fix teh thing\n\nSigned-off-by: Ada Tester <ada@example.com>\n"
    fake_ollama.reply("Fix the thing")
    done = repo.commit(env={"GIT_EDITOR": editor_script(tmp_path, typed)})
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == "Fix the thing\n\nSigned-off-by: Ada Tester <ada@example.com>\n"


# --- modes ---------------------------------------------------------------------------------------------


def test_suggest_mode_shows_and_keeps(repo, fake_ollama):
    fake_ollama.reply("Fix the thing\n\nIt was broken.")
    done = repo.commit("-m", "fix teh thing\n\nit was broke", env={"SLMR_HOOK_MODE": "suggest"})
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == "fix teh thing\n\nit was broke\n"
    assert "suggested commit message" in done.stderr
    assert "    Fix the thing\n\n    It was broken.\n" in done.stderr


def test_off_mode_calls_nothing(repo, fake_ollama):
    done = repo.commit("-m", "fix teh thing", env={"SLMR_HOOK_MODE": "off"})
    assert done.returncode == 0
    assert repo.last_message() == "fix teh thing\n"
    assert fake_ollama.requests == []
    assert slmr_lines(done.stderr) == []


# --- left alone ------------------------------------------------------------------------------------------


def test_merge_commit_left_alone(repo, fake_ollama):
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("--no-verify", "-m", "topic work", change="topic.txt")
    repo.git("checkout", "-q", "main")
    repo.commit("--no-verify", "-m", "main work", change="main.txt")
    done = repo.git("merge", "--no-ff", "-m", "merge teh topic branch", "topic", check=False)
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == "merge teh topic branch\n"
    assert repo.git("rev-list", "--parents", "-1", "HEAD").stdout.count(" ") == 2
    assert fake_ollama.requests == []


def test_amend_with_reused_message_left_alone(repo, fake_ollama):
    repo.commit("--no-verify", "-m", "first verison")
    done = repo.git("commit", "--amend", "-C", "HEAD", check=False)
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == "first verison\n"
    assert fake_ollama.requests == []


def test_fixup_subject_left_alone(repo, fake_ollama):
    done = repo.commit("-m", "fixup! Add teh parser")
    assert done.returncode == 0
    assert repo.last_message() == "fixup! Add teh parser\n"
    assert fake_ollama.requests == []


def test_messages_from_m_left_alone_when_opted_out(repo, fake_ollama, tmp_path):
    done = repo.commit("-m", "fix teh thing", env={"SLMR_HOOK_SKIP_MESSAGE_FLAG": "true"})
    assert done.returncode == 0
    assert repo.last_message() == "fix teh thing\n"
    assert fake_ollama.requests == []
    # the editor flow is still cleaned
    fake_ollama.reply("Fix the thing")
    env = {"SLMR_HOOK_SKIP_MESSAGE_FLAG": "true", "GIT_EDITOR": editor_script(tmp_path, "fix teh thing\n")}
    done = repo.commit(env=env)
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == "Fix the thing\n"


def test_cherry_pick_left_alone(repo, fake_ollama):
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("--no-verify", "-m", "topic wrk", change="topic.txt")
    repo.git("checkout", "-q", "main")
    done = repo.git("cherry-pick", "topic", check=False)
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == "topic wrk\n"
    assert fake_ollama.requests == []


def test_reword_during_rebase_left_alone(repo, fake_ollama, tmp_path):
    repo.commit("--no-verify", "-m", "one")
    repo.commit("--no-verify", "-m", "two")
    sequence = tmp_path / "seq.sh"
    sequence.write_text('#!/bin/sh\nsed -i "s/^pick \\(.*\\) two$/reword \\1 two/" "$1"\n')
    sequence.chmod(0o755)
    editor = tmp_path / "reword.sh"
    editor.write_text('#!/bin/sh\nprintf "twoo reworded\\n" > "$1"\n')
    editor.chmod(0o755)
    done = repo.git(
        "rebase", "-i", "HEAD~2", check=False, env={"GIT_SEQUENCE_EDITOR": str(sequence), "GIT_EDITOR": str(editor)}
    )
    assert done.returncode == 0, done.stderr
    assert repo.last_message() == "twoo reworded\n"
    assert fake_ollama.requests == []


def test_empty_message_is_left_to_git(repo, fake_ollama, tmp_path):
    done = repo.commit(env={"GIT_EDITOR": editor_script(tmp_path, "")})
    assert done.returncode != 0  # git aborts an empty message itself
    assert "empty commit message" in done.stderr.lower()
    assert fake_ollama.requests == []


# --- chaining --------------------------------------------------------------------------------------------


@pytest.fixture
def plain_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo.path)
    return repo


def test_existing_hook_runs_first_and_sees_the_original(plain_repo, cli, fake_ollama, tmp_path):
    log = tmp_path / "order.log"
    write_hook(plain_repo.hooks / "commit-msg", f'echo "theirs: $(head -1 "$1")" >> "{log}"\n')
    assert cli("hook", "install").exit_code == 0
    fake_ollama.reply("Fix the thing")
    done = plain_repo.commit("-m", "fix teh thing")
    assert done.returncode == 0, done.stderr
    assert log.read_text() == "theirs: fix teh thing\n"
    assert plain_repo.last_message() == "Fix the thing\n"


def test_existing_hook_failure_still_aborts(plain_repo, cli, fake_ollama):
    write_hook(plain_repo.hooks / "commit-msg", 'echo "message policy: rejected" >&2\nexit 1\n')
    assert cli("hook", "install").exit_code == 0
    head = plain_repo.git("rev-parse", "HEAD").stdout
    done = plain_repo.commit("-m", "fix teh thing")
    assert done.returncode != 0
    assert "message policy: rejected" in done.stderr
    assert plain_repo.git("rev-parse", "HEAD").stdout == head
    assert fake_ollama.requests == []


def test_existing_prepare_commit_msg_hook_keeps_working(plain_repo, cli, fake_ollama):
    write_hook(plain_repo.hooks / "prepare-commit-msg", 'printf "\\nRefs: PROJ-7\\n" >> "$1"\n')
    assert cli("hook", "install").exit_code == 0
    fake_ollama.reply("Fix the thing")
    done = plain_repo.commit("-m", "fix teh thing")
    assert done.returncode == 0, done.stderr
    assert plain_repo.last_message() == "Fix the thing\n\nRefs: PROJ-7\n"
    assert "Refs:" not in sent_text(fake_ollama)


def test_core_hooks_path_is_respected(plain_repo, cli, fake_ollama, tmp_path):
    shared = tmp_path / "shared-hooks"
    plain_repo.git("config", "core.hooksPath", str(shared))
    done = cli("hook", "install")
    assert done.exit_code == 0, done.stderr
    assert (shared / "commit-msg").exists() and not (plain_repo.hooks / "commit-msg").exists()
    fake_ollama.reply("Fix the thing")
    assert plain_repo.commit("-m", "fix teh thing").returncode == 0
    assert plain_repo.last_message() == "Fix the thing\n"


def test_worktree_commits_are_cleaned(plain_repo, cli, fake_ollama, tmp_path):
    assert cli("hook", "install").exit_code == 0
    other = tmp_path / "wt"
    plain_repo.git("worktree", "add", "-q", str(other), "-b", "side")
    wt = Repo(other)
    fake_ollama.reply("Fix the thing")
    done = wt.commit("-m", "fix teh thing")
    assert done.returncode == 0, done.stderr
    assert wt.last_message() == "Fix the thing\n"
    # the source record lives in the worktree's own git directory and is consumed
    assert not list((plain_repo.path / ".git" / "worktrees").glob("*/slmr-commit-source.json"))
