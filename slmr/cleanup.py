"""Remove a small model's usual wrapping from an answer, while it streams.

Small models like to open with "Here is the rewritten text:" and to wrap the whole answer in a code
fence, then close with "Let me know if…". ``StreamCleaner`` holds back only what it must (the first
line, and a trailing fence with whatever follows it) so the rest streams as it arrives.
"""

from __future__ import annotations

import re

PREAMBLE = re.compile(
    r"^\s*(?:(?:sure|certainly|of course|okay|ok|absolutely)\b[!,.]?\s*)?"
    r"(?:(?:here(?:'s| is| are)|below is|this is)\b[^\n]{0,120}:|(?:sure|certainly|of course)[!.]?)\s*$",
    re.IGNORECASE,
)
FENCE_OPEN = re.compile(r"^\s*(```+|~~~+)[\w+-]*\s*$")
#: how much text may follow a closing fence and still count as chatter to drop
CHATTER_LIMIT = 300
#: how long the first line may grow before we stop waiting for its end
FIRST_LINE_LIMIT = 240


class StreamCleaner:
    def __init__(self, input_text: str = "") -> None:
        # a document that itself starts with a fence keeps its fences
        self._input_fenced = bool(FENCE_OPEN.match(input_text.lstrip().split("\n", 1)[0])) if input_text else False
        self._head = ""  # text before the start of the real answer is decided
        self._started = False
        self._fence: str | None = None  # the wrapping fence's marker, once one was removed
        self._tail = ""  # held back: a possible closing fence and what follows it

    def feed(self, chunk: str) -> str:
        if not self._started:
            self._head += chunk
            return self._decide_head(final=False)
        return self._body(chunk)

    def finish(self) -> str:
        out = ""
        if not self._started:
            out = self._decide_head(final=True)
        if self._fence is not None:
            tail = self._tail
            self._tail = ""
            closing = re.match(rf"^[ \t]*{re.escape(self._fence)}[ \t]*(\n|$)", tail)
            if closing and len(tail) - closing.end() <= CHATTER_LIMIT:
                return out.rstrip("\n") + ("\n" if out.strip() else "")
            return out + tail
        return out

    # --- internals ---------------------------------------------------------------------------
    def _decide_head(self, final: bool) -> str:
        head = self._head
        # skip leading blank lines and at most one preamble line, then at most one opening fence
        while True:
            stripped = head.lstrip("\n")
            line, nl, rest = stripped.partition("\n")
            if not nl and not final and len(stripped) < FIRST_LINE_LIMIT:
                self._head = head
                return ""  # wait for the end of this line
            if PREAMBLE.match(line) and (nl or final):
                head = rest
                continue
            fence = FENCE_OPEN.match(line)
            if fence and nl and not self._input_fenced and self._fence is None:
                self._fence = fence.group(1)
                head = rest
                continue
            break
        self._started = True
        self._head = ""
        return self._body(head.lstrip("\n") if self._fence is None else head)

    def _body(self, chunk: str) -> str:
        if self._fence is None:
            return chunk
        text = self._tail + chunk
        # hold back from the last line that is a bare closing fence, or a partial last line
        lines = text.split("\n")
        hold_from = len(text) - len(lines[-1])
        pos = 0
        for line in lines[:-1]:
            if line.strip() == self._fence:
                hold_from = min(hold_from, pos)
                break
            pos += len(line) + 1
        if len(text) - hold_from > CHATTER_LIMIT + 200:
            # far past any plausible closing fence: release what is held except the last line
            hold_from = len(text) - len(lines[-1])
        self._tail = text[hold_from:]
        return text[:hold_from]


def clean(text: str, input_text: str = "") -> str:
    cleaner = StreamCleaner(input_text)
    return cleaner.feed(text) + cleaner.finish()
