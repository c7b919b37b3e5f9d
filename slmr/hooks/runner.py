"""What ``slmr hook run`` does on ``git commit``: clean the message, or keep it exactly as written.

The promise is one-sided: slmr may improve a message, it may never block or lose one. So every path
that is not "a checked answer arrived in time" ends in "the file is untouched, one line on stderr
says why, exit 0"; and the file is only ever replaced whole (write, fsync, rename).

Two git hooks cooperate. ``prepare-commit-msg`` runs before the editor, when the developer has not
written anything yet, but it is the only hook git tells where the message comes from (``message``,
``template``, ``merge``, ``squash``, ``commit``); it records that in the worktree's git directory.
``commit-msg`` runs after the editor, on the message as written, reads the record, and cleans.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from slmr import cleanup
from slmr.config import Settings
from slmr.console import Console
from slmr.errors import CheckFailed, SlmrError
from slmr.hooks import SOURCE_RECORD, git, message

#: a record older than this is from a commit that never reached commit-msg (--no-verify, an abort)
STATE_MAX_AGE_S = 24 * 3600
#: extra seconds the watchdog allows past hook.timeout_s, so the pipeline can record the call itself
WATCHDOG_GRACE_S = 2.0
#: how much longer than the input an answer may be before it looks invented
GROWTH_FACTOR = 1.5
GROWTH_SLACK = 40
MAX_SUBJECT = 72

_FENCE = re.compile(r"^\s*(```|~~~)", re.MULTILINE)
_PREAMBLE = re.compile(
    r"^\s*(?:sure|certainly|of course|okay|ok|absolutely|here(?:'s| is| are)|below is|the (?:cleaned|corrected|"
    r"revised|rewritten|fixed|improved)\b)",
    re.IGNORECASE,
)


@dataclass
class Outcome:
    #: "applied", "suggested", "dry-run", "unchanged", "kept", "skipped", "recorded"
    action: str
    reason: str = ""
    #: the whole message file as slmr would leave it (None: the original)
    text: str | None = None
    #: the cleaned message without git's comments and the scissors part, for showing a suggestion
    shown: str | None = None


@dataclass
class Invocation:
    path: Path
    source: str | None = None
    sha: str | None = None
    #: the git hook that called us ("prepare-commit-msg", "commit-msg"), or None when run by hand
    stage: str | None = None
    dry_run: bool = False


def run(inv: Invocation, settings: Settings, console: Console) -> Outcome:
    """Never raises (except for KeyboardInterrupt in a terminal): the caller exits 0 whatever happens."""
    try:
        outcome = _run(inv, settings, console)
    except SlmrError as exc:
        outcome = Outcome("kept", exc.message.rstrip(". "))
    except Exception as exc:  # the promise covers bugs too: the commit goes on with the message as written
        if os.environ.get("SLMR_DEBUG"):
            raise
        outcome = Outcome("kept", f"unexpected {type(exc).__name__}: {exc}")
    _report(outcome, inv, console)
    return outcome


def _run(inv: Invocation, settings: Settings, console: Console) -> Outcome:
    if inv.stage == "prepare-commit-msg":
        record_source(inv.source, inv.sha)
        return Outcome("recorded")
    if inv.stage == "commit-msg":
        inv.source, inv.sha = take_source()
    if settings.hook.mode == "off" and not inv.dry_run:
        return Outcome("skipped", "hook.mode is off")
    reason = skip_reason(inv.source, git.git_dir(), settings)
    if reason:
        return Outcome("skipped", reason)

    try:
        raw = inv.path.read_bytes()
    except OSError as exc:
        return Outcome("kept", f"cannot read {inv.path}: {exc.strerror or exc}")
    try:
        original = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Outcome("kept", "the message is not UTF-8")
    comment = message.comment_string(git.config_get("core.commentChar"), original)
    try:
        msg = message.parse(original, comment)
    except message.Unparseable as exc:
        return Outcome("kept", str(exc))
    if msg.is_empty:
        return Outcome("skipped", "the message is empty")
    if message.is_autosquash(msg.subject):
        return Outcome("skipped", "a fixup!/squash!/amend! subject must stay as it is for --autosquash")
    if inv.source == "template" and _template_untouched(msg, comment):
        return Outcome("skipped", "the template was not edited (git aborts such commits itself)")

    answer = clean_text(msg.text, settings)
    problem = check_answer(msg.text, answer, comment)
    if problem:
        return Outcome("kept", problem)
    cleaned = msg.with_text(answer)
    problem = check_reassembled(msg, cleaned, comment)
    if problem:
        return Outcome("kept", problem)
    if cleaned == original:
        return Outcome("unchanged", text=cleaned)
    if inv.dry_run:
        return Outcome("dry-run", text=cleaned)
    if settings.hook.mode == "suggest":
        return Outcome("suggested", text=cleaned, shown=message.normalize(answer) + msg.gap + msg.trailers)
    replace_file(inv.path, raw, cleaned.encode("utf-8"))
    return Outcome("applied", text=cleaned)


def _report(outcome: Outcome, inv: Invocation, console: Console) -> None:
    """One line on stderr, except the suggestion itself, which is the point of suggest mode."""
    if inv.dry_run:
        if outcome.action in ("kept", "skipped") and outcome.reason:
            console.info(f"hook: would keep the message as written: {outcome.reason}")
        console.write(outcome.text if outcome.text is not None else _read_or_empty(inv.path))
        return
    if outcome.action == "kept":
        console.warn(f"hook: kept your commit message as written: {outcome.reason}")
    elif outcome.action == "applied":
        console.info("hook: cleaned up the commit message on the local model")
    elif outcome.action == "suggested" and outcome.shown is not None:
        console.info("hook: suggested commit message (hook.mode = suggest; yours was kept):")
        indented = "".join(f"    {line}".rstrip() + "\n" for line in outcome.shown.splitlines())
        console.stderr.write(indented)
        console.stderr.flush()


def _read_or_empty(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


# --- when to leave a message alone ---------------------------------------------------------------


def skip_reason(source: str | None, gitdir: Path | None, settings: Settings) -> str | None:
    hook = settings.hook
    if gitdir is not None and not hook.clean_rebase:
        if (gitdir / "rebase-merge").is_dir() or (gitdir / "rebase-apply").is_dir():
            return "a rebase is in progress"
        if (gitdir / "CHERRY_PICK_HEAD").exists() or (gitdir / "sequencer").is_dir():
            return "a cherry-pick is in progress"
        if (gitdir / "REVERT_HEAD").exists():
            return "a revert is in progress"
    if gitdir is not None and not hook.clean_merge and (gitdir / "MERGE_HEAD").exists():
        return "this is a merge commit"
    if source == "merge" and not hook.clean_merge:
        return "this is a merge commit"
    if source == "squash" and not hook.clean_merge:
        return "this is a squash commit"
    if source == "commit" and not hook.clean_amend:
        return "the message is reused from a commit (-c/-C/--amend; set hook.clean_amend to clean it)"
    if source == "message" and hook.skip_message_flag:
        return "the message came from -m/-F and hook.skip_message_flag is on"
    return None


def _template_untouched(msg: message.CommitMessage, comment: str) -> bool:
    path = git.config_get("commit.template")
    if not path:
        return False
    try:
        template = Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        return message.parse(template, comment).text.strip() == msg.text.strip()
    except message.Unparseable:
        return False


# --- the source record shared by the two hooks ----------------------------------------------------


def _state_path() -> Path | None:
    gitdir = git.git_dir()
    return gitdir / SOURCE_RECORD if gitdir is not None else None


def record_source(source: str | None, sha: str | None) -> None:
    path = _state_path()
    if path is None:
        return
    data = {"source": source or None, "sha": sha or None, "at": time.time()}
    # without a record, commit-msg falls back to what the git directory shows
    with contextlib.suppress(OSError):
        path.write_text(json.dumps(data) + "\n", encoding="utf-8")


def take_source() -> tuple[str | None, str | None]:
    """The record prepare-commit-msg left for this commit; it is read once and removed."""
    path = _state_path()
    if path is None:
        return None, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
    except (OSError, ValueError):
        return None, None
    if not isinstance(data, dict) or time.time() - float(data.get("at") or 0) > STATE_MAX_AGE_S:
        return None, None
    return data.get("source") or None, data.get("sha") or None


# --- the model call ------------------------------------------------------------------------------


def clean_text(text: str, settings: Settings) -> str:
    """The model's answer for ``text``, within hook.timeout_s from start to finish, or an SlmrError.

    The deadline is enforced twice: the backend gets it as its HTTP timeout and the pipeline checks
    it between chunks (so the call is recorded in the ledger either way), and a watchdog thread
    stops waiting for anything the two miss (a hung DNS lookup, a stuck import).
    """
    from slmr import pipeline  # here, so hooks that skip the message never load the pipeline

    timeout = settings.hook.timeout_s
    request = pipeline.Request(
        command="hook", task="commit-msg", content=text, force="local", timeout_s=timeout, remember=False
    )
    quiet = Console(stdout=io.StringIO(), stderr=io.StringIO())
    box: dict[str, object] = {}

    def call() -> None:
        try:
            box["outcome"] = pipeline.run(request, settings, quiet)
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=call, name="slmr-hook-call", daemon=True)
    worker.start()
    worker.join(timeout + WATCHDOG_GRACE_S)
    if worker.is_alive():
        raise SlmrError(f"the local model took longer than hook.timeout_s = {timeout:g} s")
    error = box.get("error")
    if isinstance(error, SlmrError):
        raise SlmrError(_plain(error))
    if isinstance(error, BaseException):
        raise error
    warnings = quiet.stderr.getvalue().strip()  # a ledger problem, say: worth passing on
    if warnings:
        sys.stderr.write(warnings + "\n")
    return box["outcome"].text  # type: ignore[union-attr]


def _plain(error: SlmrError) -> str:
    if error.kind == "timeout" or "did not answer in time" in error.message:
        return f"the local model did not finish within hook.timeout_s ({error.message.rstrip('. ')})"
    if isinstance(error, CheckFailed):
        return error.message.rstrip(". ")  # its hint is about --local/--cloud flags the hook does not have
    return error.one_line().rstrip(".")


# --- checks --------------------------------------------------------------------------------------


def check_answer(original: str, answer: str, comment: str = "#") -> str | None:
    """Why the model's answer must not replace the message, or None when it may."""
    stripped = answer.strip()
    if not stripped:
        return "the model returned an empty answer"
    if any(line.startswith(comment) for line in stripped.split("\n")):
        return f"the model's answer contains comment lines (starting with {comment!r}), which git would drop"
    first = stripped.split("\n", 1)[0]
    if _PREAMBLE.match(first) or cleanup.PREAMBLE.match(first):
        return f"the model's answer starts with a preamble ({_clip(first)!r})"
    if _FENCE.search(stripped) and not _FENCE.search(original):
        return "the model wrapped its answer in a code fence"
    if len(stripped) > GROWTH_FACTOR * len(original.strip()) + GROWTH_SLACK:
        return f"the model's answer is much longer than the message ({len(stripped)} vs {len(original.strip())} chars)"
    subject = message.normalize(stripped).split("\n", 1)[0]
    old_subject = original.strip().split("\n", 1)[0]
    if len(subject) > MAX_SUBJECT and len(subject) >= len(old_subject):
        return f"the model's subject is {len(subject)} characters long (at most {MAX_SUBJECT})"
    if message.trailer_lines(message.normalize(stripped)) != message.trailer_lines(message.normalize(original)):
        return "the model added or changed trailers"
    return None


def check_reassembled(msg: message.CommitMessage, cleaned: str, comment: str) -> str | None:
    """The rewritten file must keep every byte outside the subject and body, and parse the same way."""
    try:
        again = message.parse(cleaned, comment)
    except message.Unparseable:
        return "the model's answer contains comment lines"
    if (again.prefix, again.gap, again.trailers, again.suffix) != (msg.prefix, msg.gap, msg.trailers, msg.suffix):
        return "the model's answer would change the trailers, comments or the text below the scissors line"
    return None


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- writing -------------------------------------------------------------------------------------


def replace_file(path: Path, expected: bytes, data: bytes) -> None:
    """Replace the file whole, keeping its mode; refuse when it changed since it was read."""
    if path.read_bytes() != expected:
        raise SlmrError("the message file changed while the model was working")
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".slmr-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
