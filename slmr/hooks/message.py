"""Commit-message files, taken apart and put back together byte for byte.

Git hands hooks the raw message file: what the developer wrote, git's own comment lines, perhaps a
scissors line with the diff below it (``commit -v``), and trailers such as ``Signed-off-by:``. Only
the subject and body are the developer's prose, so only they go to the model; everything else is
re-attached exactly as it was read. The rules follow git's own (``strbuf_stripspace``,
``wt_status_locate_end``, ``trailer.c``), so what slmr calls a comment or a trailer is what git does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: the characters git tries, in order, when ``core.commentChar = auto`` (builtin/commit.c)
AUTO_COMMENT_CANDIDATES = "#;@!$%^&|:"
SCISSORS_BODY = "------------------------ >8 ------------------------"
#: prefixes that make a mostly-trailer last paragraph count as trailers (git's "recognized" ones, and GitHub's)
RECOGNIZED_TRAILER_PREFIXES = ("Signed-off-by: ", "(cherry picked from commit ", "Co-authored-by: ")
#: ``Token: value`` as git parses it, and GitHub's ``Fixes #12`` form
_TRAILER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*[ \t]*(?::|[ \t]#)")
#: the subjects ``git rebase --autosquash`` matches; changing them breaks the rebase
AUTOSQUASH_PREFIXES = ("fixup! ", "squash! ", "amend! ")
ASCII_SPACE = " \t\n\v\f\r"


@dataclass(frozen=True)
class CommitMessage:
    """A message file as five consecutive pieces; ``"".join`` of them is the original text."""

    #: leading comment and blank lines (a template's instructions)
    prefix: str
    #: subject and body: the only part the model sees
    text: str
    #: the blank line(s) between the body and the trailers
    gap: str
    #: the trailer block, verbatim
    trailers: str
    #: what follows the message: blank lines, comment lines, the scissors line and everything below it
    suffix: str
    comment: str
    newline: str = "\n"

    @property
    def original(self) -> str:
        return self.prefix + self.text + self.gap + self.trailers + self.suffix

    @property
    def subject(self) -> str:
        return self.text.split("\n", 1)[0].strip()

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()

    def with_text(self, text: str) -> str:
        """The whole file with ``text`` as the new subject and body; every other byte unchanged."""
        body = normalize(text)
        if self.newline != "\n":
            body = body.replace("\n", self.newline)
        return self.prefix + body + self.gap + self.trailers + self.suffix


class Unparseable(ValueError):
    """The message has a shape slmr will not rewrite (e.g. comment lines inside the prose)."""


def _blank(line: str) -> bool:
    """Blank as git sees it: ASCII whitespace only."""
    return not line.strip(ASCII_SPACE)


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split at "\n" only: git knows no other line break (str.splitlines
    would also split at U+2028, form feeds and the like)."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def normalize(text: str) -> str:
    """Subject, one blank line, body; no trailing blank lines; ends with one newline."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").strip("\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    if len(lines) > 1 and lines[1]:
        lines.insert(1, "")
    # collapse runs of blank lines, which git would collapse anyway
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).rstrip("\n") + "\n"


def comment_string(configured: str | None, content: str) -> str:
    """The comment prefix in effect: ``core.commentChar``, with ``auto`` resolved as git resolves it."""
    if configured is None or configured == "":
        return "#"
    if configured != "auto":
        return configured
    # git picked the character before it wrote its own comment lines; find one of those first
    for line in content.split("\n"):
        line = line.removesuffix("\r")
        for c in AUTO_COMMENT_CANDIDATES:
            if line == f"{c} {SCISSORS_BODY}" or line.startswith(f"{c} Please enter the commit message"):
                return c
    # otherwise replay git's choice on the text: '#' unless present, then the first unused line start
    if "#" not in content:
        return "#"
    used = {line[:1] for line in content.split("\n") if line}
    for c in AUTO_COMMENT_CANDIDATES:
        if c not in used:
            return c
    return "#"


def parse(content: str, comment: str = "#") -> CommitMessage:
    newline = "\r\n" if "\r\n" in content else "\n"
    lines = split_lines(content)
    scissors = f"{comment} {SCISSORS_BODY}"
    cut = next((i for i, line in enumerate(lines) if line.rstrip("\r\n") == scissors), len(lines))
    head, tail = lines[:cut], lines[cut:]

    def is_comment(line: str) -> bool:
        return line.startswith(comment)

    is_blank = _blank

    content_at = [i for i, line in enumerate(head) if not is_comment(line) and not is_blank(line)]
    if not content_at:
        return CommitMessage("".join(head), "", "", "", "".join(tail), comment, newline)
    first, last = content_at[0], content_at[-1]
    core = head[first : last + 1]
    if any(is_comment(line) for line in core):
        raise Unparseable("comment lines sit between lines of the message")
    # the core's last line may lack a newline (a file written without one); keep that byte-exact
    start = trailer_block_start(core)
    text_lines = core[:start]
    gap_start = len(text_lines)
    while gap_start > 0 and is_blank(text_lines[gap_start - 1]):
        gap_start -= 1
    return CommitMessage(
        prefix="".join(head[:first]),
        text="".join(text_lines[:gap_start]),
        gap="".join(text_lines[gap_start:]),
        trailers="".join(core[start:]),
        suffix="".join(head[last + 1 :]) + "".join(tail),
        comment=comment,
        newline=newline,
    )


def trailer_block_start(lines: list[str]) -> int:
    """Index of the first line of the trailer block in ``lines`` (``len(lines)`` when there is none).

    Git's rule (trailer.c): the last paragraph, never the subject's, is a trailer block when all of
    its lines are trailers (or continuations), or when it holds a recognized trailer and at least
    a quarter of its lines are trailers.
    """
    end_of_title = next((i for i, line in enumerate(lines) if _blank(line)), len(lines))
    trailer_lines = non_trailer_lines = possible_continuations = 0
    recognized = False
    start = len(lines)
    for i in range(len(lines) - 1, end_of_title - 1, -1):
        line = lines[i].rstrip("\r\n")
        if _blank(line):
            if trailer_lines or non_trailer_lines or possible_continuations:
                break
            continue
        start = i
        if line[0] in " \t":
            possible_continuations += 1
            continue
        if _TRAILER.match(line):
            trailer_lines += 1
            recognized = recognized or line.startswith(RECOGNIZED_TRAILER_PREFIXES)
            possible_continuations = 0
        else:
            non_trailer_lines += 1 + possible_continuations
            possible_continuations = 0
    non_trailer_lines += possible_continuations
    if trailer_lines and (not non_trailer_lines or (recognized and trailer_lines * 3 >= non_trailer_lines)):
        return start
    return len(lines)


def trailer_lines(text: str) -> list[str]:
    """The trailer lines of a whole message (``subject\\n\\nbody\\n\\ntrailers``), for comparison."""
    lines = split_lines(text)
    return [line.rstrip("\r\n") for line in lines[trailer_block_start(lines) :] if not _blank(line)]


def is_autosquash(subject: str) -> bool:
    return subject.startswith(AUTOSQUASH_PREFIXES)
