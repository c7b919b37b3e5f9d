"""Long inputs in pieces: split a document on headings, then paragraphs, never inside a code block.

Pure functions only; the pipeline runs the pieces. ``split`` slices losslessly (the chunks joined
give the input back), so a rewrite done chunk by chunk keeps the document's structure and the
blank lines between its sections.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]")


class TooBig(Exception):
    """A piece that cannot be split further (a code block, one huge paragraph) does not fit."""

    def __init__(self, what: str, tokens: int, budget: int) -> None:
        super().__init__(f"{what} of about {tokens:,} tokens does not fit in a chunk of {budget:,}")
        self.what = what
        self.tokens = tokens
        self.budget = budget


def units(text: str) -> list[tuple[str, bool]]:
    """The document as atomic slices: (text, starts_a_section). A paragraph with its trailing blank
    lines, a heading line, or a whole fenced code block; joined they give ``text`` back."""
    out: list[tuple[str, bool]] = []
    current: list[str] = []
    heading = False
    fence: str | None = None
    seen_blank = False

    def flush() -> None:
        nonlocal current, heading
        if current:
            out.append(("".join(current), heading))
        current, heading = [], False

    for line in text.splitlines(keepends=True):
        if fence is not None:
            current.append(line)
            stripped = line.strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                fence = None
            continue
        blank = not line.strip()
        starts_heading = bool(_HEADING.match(line))
        if (starts_heading or (seen_blank and not blank)) and current:
            flush()
        if starts_heading:
            heading = True
        m = _FENCE.match(line)
        if m:
            if current and not seen_blank and not starts_heading:
                flush()  # a code block is its own unit, so it never splits a paragraph's count
            fence = m.group(1)
        current.append(line)
        seen_blank = blank
    flush()
    return out


def split(text: str, budget: int, count: Callable[[str], int], *, hard: bool) -> list[str]:
    """Chunks of at most ``budget`` tokens (by ``count``), cut at section starts where possible,
    else between paragraphs. A unit larger than the budget is cut at lines, then characters, when
    ``hard`` (a summary does not mind); otherwise ``TooBig`` is raised (a rewrite would)."""
    if count(text) <= budget:
        return [text]
    sections: list[list[str]] = []
    for piece, starts in units(text):
        if starts or not sections:
            sections.append([])
        sections[-1].append(piece)

    chunks: list[str] = []
    cur, cur_tokens = "", 0

    def close() -> None:
        nonlocal cur, cur_tokens
        if cur:
            chunks.append(cur)
        cur, cur_tokens = "", 0

    def add(piece: str, tokens: int) -> bool:
        nonlocal cur, cur_tokens
        if cur_tokens + tokens <= budget:
            cur, cur_tokens = cur + piece, cur_tokens + tokens
            return True
        return False

    for section in sections:
        whole = "".join(section)
        tokens = count(whole)
        if add(whole, tokens):
            continue
        close()
        if add(whole, tokens):
            continue
        for piece in section:
            t = count(piece)
            if add(piece, t):
                continue
            close()
            if add(piece, t):
                continue
            if not hard:
                what = "a fenced code block" if _FENCE.match(piece.lstrip("\n")) else "a paragraph"
                raise TooBig(what, t, budget)
            for part in _hard_split(piece, budget, count):
                if not add(part, count(part)):
                    close()
                    if not add(part, count(part)):  # never drop text, even if the estimate misjudged it
                        chunks.append(part)
    close()
    return chunks


def _hard_split(piece: str, budget: int, count: Callable[[str], int]) -> list[str]:
    parts: list[str] = []
    cur = ""
    for line in piece.splitlines(keepends=True):
        if count(cur + line) <= budget:
            cur += line
            continue
        if cur:
            parts.append(cur)
            cur = ""
        while count(line) > budget:
            # one enormous line: the longest prefix within the budget, cut at a space when one is near
            lo, hi = 1, len(line)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if count(line[:mid]) <= budget:
                    lo = mid
                else:
                    hi = mid - 1
            space = line.rfind(" ", 0, lo)
            cut = space + 1 if space > lo // 2 else lo
            parts.append(line[:cut])
            line = line[cut:]
        cur = line
    if cur:
        parts.append(cur)
    return parts


def reassemble(originals: list[str], rewritten: list[str]) -> str:
    """Join rewritten chunks, keeping the whitespace that separated the original chunks."""
    out = []
    for original, new in zip(originals, rewritten, strict=True):
        trailing = original[len(original.rstrip()) :]
        out.append(new.rstrip() + trailing)
    return "".join(out)


def batches(parts: list[str], budget: int, count: Callable[[str], int], sep: str = "\n\n") -> list[list[str]]:
    """Group partial answers for a reduce step so that each group fits ``budget``."""
    groups: list[list[str]] = [[]]
    used = 0
    for part in parts:
        t = count(part) + count(sep)
        if groups[-1] and used + t > budget:
            groups.append([])
            used = 0
        groups[-1].append(part)
        used += t
    return groups


# --- prompts for parts -------------------------------------------------------------------------


def map_instruction(task: str, instruction: str, index: int, total: int) -> str:
    where = f"This text is part {index} of {total} of a longer document."
    if task == "summarize":
        return f"{where} Summarize this part, keeping every fact that matters for the whole. {instruction}"
    if task == "extract":
        return f"{where} From this part only: {instruction}"
    return f"{where} Rewrite only this part, keeping its headings and code blocks as they are. {instruction}"


def reduce_instruction(task: str, instruction: str) -> str:
    if task == "summarize":
        return (
            "The text below is the summaries of consecutive parts of one document, in order. "
            f"Combine them into one summary of the whole document. {instruction}"
        )
    return (
        "The text below is what was extracted from consecutive parts of one document, in order. "
        f"Merge it into one result without duplicates, keeping the order. {instruction}"
    )


def label_parts(parts: list[str]) -> str:
    return "\n\n".join(f"[part {i}]\n{p.strip()}" for i, p in enumerate(parts, 1))


# --- JSON from parts ---------------------------------------------------------------------------


def merge_json(values: list[Any]) -> Any:
    """Merge the JSON extracted from each chunk without a model: arrays are concatenated (exact
    duplicates dropped), objects merged key by key, and the first non-null scalar kept."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    if all(isinstance(v, list) for v in values):
        seen: set[str] = set()
        merged: list[Any] = []
        for v in values:
            for item in v:
                key = json.dumps(item, sort_keys=True)
                if key not in seen:
                    seen.add(key)
                    merged.append(item)
        return merged
    if all(isinstance(v, dict) for v in values):
        out: dict[str, Any] = {}
        for v in values:
            for k, item in v.items():
                out[k] = merge_json([out[k], item]) if k in out else item
        return out
    if all(not isinstance(v, list | dict) for v in values):
        return values[0]
    # mixed shapes: keep everything as a list rather than drop a part
    return merge_json([v if isinstance(v, list) else [v] for v in values])
