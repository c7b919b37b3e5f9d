"""Dropping the parts of a diff that touch secret-bearing files, before any model sees them.

``git diff | slmr summarize`` and the commit hook hand whole diffs to a model. The diff of a
``.env`` or a private key is the secret itself, and no summary needs it: those file sections are
cut out (the rest of the diff is left byte for byte) and the user is told which files were left out.
Works on git diffs (``diff --git``) and plain unified diffs (``diff -u``, ``--- a`` / ``+++ b``).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from slmr.errors import InputError

if TYPE_CHECKING:
    from slmr.console import Console

#: file names (matched case-insensitively against the last path component) whose diffs never reach a model
SENSITIVE_NAMES: tuple[str, ...] = (
    ".env",
    ".env.*",
    "*.env",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.kdbx",
    "*.gpg",
    "*.asc",
    "*.ovpn",
    "*.tfstate",
    "*.tfstate.backup",
    "*.tfvars",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    ".netrc",
    "_netrc",
    ".pgpass",
    ".npmrc",
    ".pypirc",
    ".htpasswd",
    ".git-credentials",
    "credentials",
    "credentials.json",
    "secrets.yml",
    "secrets.yaml",
    "secrets.json",
    "service-account*.json",
)
#: templates meant to be committed without values; the secret guard still scans them before the cloud
NOT_SENSITIVE: tuple[str, ...] = (".env.example", ".env.sample", ".env.template", ".env.dist", "*.env.example")

_GIT_HEADER = re.compile(r"^diff --git (?P<a>\S+|\"[^\"]*\") (?P<b>\S+|\"[^\"]*\")")
_OTHER_DIFF_HEADER = re.compile(r"^diff (?!--git )")
_OLD = re.compile(r"^--- (?P<path>[^\t\n]+)")
_NEW = re.compile(r"^\+\+\+ (?P<path>[^\t\n]+)")


@dataclass
class FilteredDiff:
    text: str
    #: paths whose hunks were removed, in order
    dropped: list[str] = field(default_factory=list)


def is_sensitive(path: str) -> bool:
    """True for a path whose content is a secret (.env, keys, credentials) by its name alone."""
    path = path.strip().strip('"')
    for prefix in ("a/", "b/", "i/", "w/", "c/", "o/"):
        if path.startswith(prefix):
            path = path[len(prefix) :]
            break
    if path in ("/dev/null", ""):
        return False
    name = PurePosixPath(path).name.lower()
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in NOT_SENSITIVE):
        return False
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in SENSITIVE_NAMES)


def looks_like_diff(text: str) -> bool:
    return (
        text.startswith("diff ")
        or "\ndiff --git " in text
        or ("\n+++ " in text and ("\n--- " in text or text.startswith("--- ")))
    )


def _sections(lines: list[str]) -> list[tuple[int, int, list[str]]]:
    """(start, end, paths) of each file's part of the diff; lines before the first file are not a section."""
    starts: list[int] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("diff ") and (_GIT_HEADER.match(line) or _OTHER_DIFF_HEADER.match(line)):
            starts.append(i)
        elif (
            _OLD.match(line)
            and i + 1 < len(lines)
            and _NEW.match(lines[i + 1])
            and not _belongs_to_header(lines, starts, i)
        ):
            starts.append(i)  # a plain unified diff: the ---/+++ pair opens the file's section
            i += 1
        i += 1
    sections = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        sections.append((start, end, _paths(lines[start:end])))
    return sections


def _belongs_to_header(lines: list[str], starts: list[int], i: int) -> bool:
    """A ---/+++ pair right after a ``diff`` line (and its index/mode lines) is part of that section."""
    if not starts:
        return False
    last = starts[-1]
    return lines[last].startswith("diff ") and all(not ln.startswith("@@") for ln in lines[last:i])


def _paths(section: list[str]) -> list[str]:
    paths = []
    head = section[0]
    git = _GIT_HEADER.match(head)
    if git:
        paths += [git["a"], git["b"]]
    elif head.startswith("diff "):
        paths += head.split()[-2:]
    for line in section[:8]:
        if line.startswith("@@"):
            break
        for regex in (_OLD, _NEW):
            m = regex.match(line)
            if m:
                paths.append(m["path"])
        for key in ("rename from ", "rename to ", "copy from ", "copy to "):
            if line.startswith(key):
                paths.append(line[len(key) :].rstrip("\n"))
    return paths


def filter_diff(text: str) -> FilteredDiff:
    """``text`` without the file sections of sensitive files; other text passes unchanged."""
    if not looks_like_diff(text):
        return FilteredDiff(text)
    lines = text.splitlines(keepends=True)
    keep = [True] * len(lines)
    dropped: list[str] = []
    for start, end, paths in _sections(lines):
        sensitive = [p for p in paths if is_sensitive(p)]
        if sensitive:
            for j in range(start, end):
                keep[j] = False
            name = _display(sensitive[-1])
            if name not in dropped:
                dropped.append(name)
    if not dropped:
        return FilteredDiff(text)
    return FilteredDiff("".join(line for line, k in zip(lines, keep, strict=True) if k), dropped)


def _display(path: str) -> str:
    path = path.strip().strip('"')
    for prefix in ("a/", "b/"):
        if path.startswith(prefix):
            return path[len(prefix) :]
    return path


def notice(dropped: list[str]) -> str:
    """The one line that tells the user what was left out."""
    from slmr.sanitize import visible

    shown = ", ".join(visible(p) for p in dropped[:5]) + (f" and {len(dropped) - 5} more" if len(dropped) > 5 else "")
    return f"left the diff of {shown} out (sensitive files never reach a model)"


def filter_for_models(text: str, console: Console) -> str:
    """The text a model may see: ``filter_diff`` plus the notice on stderr.

    For the pipeline and the commit hook. A diff that touched nothing but sensitive files leaves
    nothing to work on: that is a clear error rather than a model asked to summarise nothing.
    """
    result = filter_diff(text)
    if not result.dropped:
        return text
    console.warn(notice(result.dropped))
    if not result.text.strip():
        raise InputError(
            "nothing left to send: the diff only touches sensitive files", "those files never reach a model"
        )
    return result.text
