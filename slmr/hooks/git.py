"""The few git queries the hook needs, through the git command line (its rules, not a re-implementation)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from slmr.errors import UsageError


def executable() -> str:
    return shutil.which("git") or "git"


def run(args: list[str], cwd: Path | None = None, check: bool = True) -> str | None:
    """stdout of ``git ARGS`` without its final newline; None when git fails and ``check`` is False."""
    try:
        done = subprocess.run(
            [executable(), *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        if check:
            raise UsageError(f"cannot run git: {exc}", "install git, or put it on PATH") from None
        return None
    if done.returncode != 0:
        if check:
            message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"git {args[0]} failed"
            raise UsageError(message.removeprefix("fatal: "), "run this inside a git repository")
        return None
    return done.stdout.rstrip("\n")


def config_get(key: str, scope: str | None = None, cwd: Path | None = None) -> str | None:
    args = ["config", *([f"--{scope}"] if scope else []), "--get", key]
    value = run(args, cwd=cwd, check=False)
    return value if value else None


def git_path(name: str, cwd: Path | None = None) -> Path:
    """``git rev-parse --git-path NAME``, absolute: respects core.hooksPath, worktrees and GIT_DIR."""
    out = run(["rev-parse", "--path-format=absolute", "--git-path", name], cwd=cwd)
    return Path(out or name)


def git_dir(cwd: Path | None = None) -> Path | None:
    """This worktree's own git directory (rebase and cherry-pick state live here), or None outside a repo."""
    out = run(["rev-parse", "--absolute-git-dir"], cwd=cwd, check=False)
    return Path(out) if out else None


def in_repository(cwd: Path | None = None) -> bool:
    return git_dir(cwd) is not None


def same_path(a: str | os.PathLike[str] | None, b: str | os.PathLike[str] | None) -> bool:
    if not a or not b:
        return False
    try:
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
    except OSError:
        return False
