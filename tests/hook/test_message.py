"""Commit-message parsing and reassembly, `slmr hook run` by hand, and `slmr commit-msg`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slmr.hooks import message
from tests.hook.gitrepo import make_repo

GIT_PART = (
    "\n"
    "# Please enter the commit message for your changes. Lines starting\n"
    "# with '#' will be ignored, and an empty message aborts the commit.\n"
    "#\n"
    "# ------------------------ >8 ------------------------\n"
    "# Do not modify or remove the line above.\n"
    "diff --git a/x b/x\n"
    "+Signed-off-by: not a trailer, part of the diff\n"
)


def test_parse_splits_prose_trailers_and_the_rest():
    text = "fix teh bug\n\nbody line\n\nSigned-off-by: A <a@b>\nFixes #12\n" + GIT_PART
    msg = message.parse(text)
    assert msg.text == "fix teh bug\n\nbody line\n"
    assert msg.gap == "\n"
    assert msg.trailers == "Signed-off-by: A <a@b>\nFixes #12\n"
    assert msg.suffix == GIT_PART
    assert msg.original == text
    assert msg.with_text("Fix the bug\n\nBody line.") == (
        "Fix the bug\n\nBody line.\n\nSigned-off-by: A <a@b>\nFixes #12\n" + GIT_PART
    )


@pytest.mark.parametrize(
    ("text", "trailers"),
    [
        ("Subject\n\nSigned-off-by: A <a@b>\n", "Signed-off-by: A <a@b>\n"),
        # the subject's paragraph is never trailers
        ("Signed-off-by: A <a@b>\n", ""),
        # a last paragraph that is not all trailers and has no recognized one is prose
        ("Subject\n\nNote: this matters\nbecause of reasons\n", ""),
        # a recognized trailer makes a 25%-trailer paragraph a trailer block (git's rule)
        (
            "Subject\n\nSigned-off-by: A <a@b>\nsome text\nmore text\nthird text\n",
            "Signed-off-by: A <a@b>\nsome text\nmore text\nthird text\n",
        ),
        ("Subject\n\nSigned-off-by: A <a@b>\na\nb\nc\nd\n", ""),
        # continuation lines belong to their trailer
        ("Subject\n\nBody.\n\nCo-authored-by: A\n  <a@b>\n", "Co-authored-by: A\n  <a@b>\n"),
        ("Subject\n\nBody.\n\nFixes #12\nRefs: PROJ-7", "Fixes #12\nRefs: PROJ-7"),
    ],
)
def test_trailer_block_follows_git(text, trailers):
    assert message.parse(text).trailers == trailers


def test_only_comments_is_empty():
    msg = message.parse(GIT_PART)
    assert msg.is_empty
    assert msg.original == GIT_PART


def test_leading_template_comments_are_kept():
    text = "# Why is this change needed?\nfix it\n"
    msg = message.parse(text)
    assert msg.prefix == "# Why is this change needed?\n"
    assert msg.with_text("Fix it") == "# Why is this change needed?\nFix it\n"


def test_comments_inside_the_prose_are_not_rewritten():
    with pytest.raises(message.Unparseable):
        message.parse("subject\n# a note\nbody\n")


def test_crlf_files_stay_crlf():
    msg = message.parse("fix it\r\n\r\nSigned-off-by: A <a@b>\r\n")
    assert msg.with_text("Fix it") == "Fix it\r\n\r\nSigned-off-by: A <a@b>\r\n"


def test_only_newline_breaks_lines():
    text = "fix it\u2028# not a comment for git\n\nSigned-off-by: A <a@b>\n"
    msg = message.parse(text)
    assert msg.text == "fix it\u2028# not a comment for git\n"
    assert msg.trailers == "Signed-off-by: A <a@b>\n"


def test_scissors_with_another_comment_char():
    text = "fix\n; ------------------------ >8 ------------------------\n# not a comment here\n"
    msg = message.parse(text, ";")
    assert msg.text == "fix\n"
    assert msg.suffix == text[len("fix\n") :]


@pytest.mark.parametrize(
    ("configured", "content", "expected"),
    [
        (None, "x\n", "#"),
        (";", "x\n", ";"),
        ("auto", "x\n", "#"),
        ("auto", "x\n#1 is it\n; Please enter the commit message for your changes.\n", ";"),
        ("auto", "#1\n;2\n", "@"),
    ],
)
def test_comment_string(configured, content, expected):
    assert message.comment_string(configured, content) == expected


def test_normalize_puts_a_blank_line_after_the_subject():
    assert message.normalize("\n\nSubject  \nbody\n\n\n\nmore\n\n") == "Subject\n\nbody\n\nmore\n"


line = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), max_size=30)


@given(
    prose=st.lists(line, max_size=6),
    comments=st.lists(line.map(lambda s: "#" + s), max_size=4),
    trailers=st.lists(st.sampled_from(["Signed-off-by: A <a@b>", "Fixes #3", "Refs: X-1"]), max_size=3),
    cut=st.booleans(),
)
def test_parse_never_loses_a_byte(prose, comments, trailers, cut):
    text = "\n".join(prose) + "\n"
    if trailers:
        text += "\n" + "\n".join(trailers) + "\n"
    text += "".join(c + "\n" for c in comments)
    if cut:
        text += "# ------------------------ >8 ------------------------\nanything\n# at all\n"
    try:
        msg = message.parse(text)
    except message.Unparseable:
        return
    assert msg.original == text
    if not msg.is_empty:
        rebuilt = msg.with_text("New subject")
        assert rebuilt.endswith(msg.gap + msg.trailers + msg.suffix)
        assert rebuilt.startswith(msg.prefix)


# --- slmr hook run by hand ---------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    repo = make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo.path)
    return repo


def test_dry_run_prints_and_changes_nothing(repo, cli, fake_ollama, ledger_rows):
    path = repo.path / "MSG"
    original = "fix teh bug\n\nSigned-off-by: A <a@b>\n# comment\n"
    path.write_text(original)
    fake_ollama.reply("Fix the bug")
    done = cli("hook", "run", "--dry-run", str(path))
    assert done.exit_code == 0, done.stderr
    assert done.stdout == "Fix the bug\n\nSigned-off-by: A <a@b>\n# comment\n"
    assert path.read_text() == original
    assert ledger_rows()[0]["task"] == "commit-msg"


def test_dry_run_of_a_rejected_answer_prints_the_original(repo, cli, fake_ollama):
    path = repo.path / "MSG"
    path.write_text("fix teh bug\n")
    fake_ollama.reply("Here is the message:\n\nFix the bug")
    done = cli("hook", "run", "--dry-run", str(path))
    assert done.exit_code == 0
    assert done.stdout == "fix teh bug\n"
    assert "preamble" in done.stderr


def test_run_replaces_the_file_and_keeps_its_mode(repo, cli, fake_ollama):
    path = repo.path / "MSG"
    path.write_text("fix teh bug\n")
    path.chmod(0o640)
    fake_ollama.reply("Fix the bug")
    done = cli("hook", "run", str(path), "message")
    assert done.exit_code == 0
    assert path.read_text() == "Fix the bug\n"
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    assert not list(repo.path.glob(".MSG.*"))


@pytest.mark.parametrize("source", ["merge", "squash", "commit"])
def test_run_leaves_special_sources_alone(repo, cli, fake_ollama, source):
    path = repo.path / "MSG"
    path.write_text("fix teh bug\n")
    done = cli("hook", "run", str(path), source, "HEAD")
    assert done.exit_code == 0
    assert path.read_text() == "fix teh bug\n"
    assert fake_ollama.requests == []


def test_configured_to_clean_amends(repo, cli, fake_ollama, monkeypatch):
    monkeypatch.setenv("SLMR_HOOK_CLEAN_AMEND", "true")
    path = repo.path / "MSG"
    path.write_text("fix teh bug\n")
    fake_ollama.reply("Fix the bug")
    assert cli("hook", "run", str(path), "commit", "HEAD").exit_code == 0
    assert path.read_text() == "Fix the bug\n"


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"fix \xff bug\n", "not UTF-8"), (None, "cannot read")],
)
def test_unreadable_files_exit_0_with_one_line(repo, cli, content, reason):
    path = repo.path / "MSG"
    if content is not None:
        path.write_bytes(content)
    done = cli("hook", "run", str(path))
    assert done.exit_code == 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert reason in done.stderr
    if content is not None:
        assert path.read_bytes() == content


def test_a_broken_config_file_never_blocks(repo, cli, isolated_home):
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text("[hook\nmode = ")
    path = repo.path / "MSG"
    path.write_text("fix teh bug\n")
    done = cli("hook", "run", str(path))
    assert done.exit_code == 0
    assert "kept your commit message" in done.stderr
    assert path.read_text() == "fix teh bug\n"


# --- slmr commit-msg --------------------------------------------------------------------------------


def test_commit_msg_drafts_from_the_staged_diff(repo, cli, fake_ollama, ledger_rows):
    (repo.path / "parser.py").write_text("def parse(text):\n    return text.strip()\n")
    repo.git("add", "parser.py")
    fake_ollama.reply("Add a parser that strips its input")
    done = cli("commit-msg")
    assert done.exit_code == 0, done.stderr
    assert done.stdout == "Add a parser that strips its input\n"
    assert "+def parse(text):" in fake_ollama.requests[-1]["messages"][-1]["content"]
    row = ledger_rows()[-1]
    assert (row["command"], row["task"], row["backend"]) == ("commit-msg", "commit-draft", "ollama")


def test_commit_msg_with_nothing_staged(repo, cli):
    done = cli("commit-msg")
    assert done.exit_code == 2
    assert "nothing is staged" in done.stderr


def test_commit_msg_when_ollama_is_down(repo, cli):
    (repo.path / "a.txt").write_text("a\n")
    repo.git("add", "a.txt")
    done = cli("commit-msg")
    assert done.exit_code == 3
    assert done.stdout == ""


def test_the_two_stages_pass_the_source_along(repo, cli, fake_ollama):
    """For hook managers (husky, pre-commit) that call slmr from their own scripts."""
    path = repo.path / "MSG"
    path.write_text("merge teh branch\n")
    assert cli("hook", "run", "--stage", "prepare-commit-msg", str(path), "merge").exit_code == 0
    assert (repo.path / ".git" / "slmr-commit-source.json").exists()
    done = cli("hook", "run", "--stage", "commit-msg", str(path))
    assert done.exit_code == 0
    assert path.read_text() == "merge teh branch\n"
    assert fake_ollama.requests == []
    assert not (repo.path / ".git" / "slmr-commit-source.json").exists()


def test_hook_entry_point_without_arguments_exits_0(slmr_env):
    done = subprocess.run([sys.executable, "-I", "-m", "slmr.hooks"], capture_output=True, env=slmr_env, timeout=60)
    assert done.returncode == 0
    assert b"no commit-message file given" in done.stderr
