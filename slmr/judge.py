"""The unsure band's "judge" policy: ask the local model one constrained question, reshape or create.

Only the question and the reading of its answer live here; the pipeline runs the call through
the backend interface and records it in the ledger like any other call.
"""

from __future__ import annotations

import re

from slmr.backends.base import ChatRequest, Message
from slmr.router import CREATE, RESHAPE

#: the request is cut to this many characters: the judge needs the ask and a glimpse of the content
MAX_CHARS = 4000

SYSTEM = (
    "You are the router of a developer tool. Classify the request below by the work it needs.\n"
    "reshape: the answer is mostly in the request itself: rewrite, fix grammar, change tone, summarize, "
    "extract, reformat, convert, translate, answer from the given text.\n"
    "create: the answer needs new knowledge or careful reasoning: new code, design, debugging, explaining why, "
    "plans, open questions.\n"
    "Answer with exactly one word: reshape or create."
)

_WORD = re.compile(r"[a-z]+")


def request(prompt: str, content: str, model: str) -> ChatRequest:
    text = prompt if not content else f"{prompt}\n\n{content}"
    if len(text) > MAX_CHARS:
        text = text[: MAX_CHARS // 2] + "\n[…]\n" + text[-MAX_CHARS // 2 :]
    user = f"Request:\n<<<\n{text}\n>>>\n\nOne word, reshape or create:"
    return ChatRequest(
        messages=[Message("system", SYSTEM), Message("user", user)], model=model, max_tokens=4, temperature=0.0
    )


def verdict(answer: str) -> str | None:
    """The route the answer names, or None when it names neither (or both)."""
    words = set(_WORD.findall(answer.lower()))
    found = {RESHAPE, CREATE} & words
    return found.pop() if len(found) == 1 else None
