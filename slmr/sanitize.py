"""Making model output harmless on a terminal.

A model's answer is untrusted text. On a terminal, escape sequences in it could move the cursor,
rewrite what is on screen, set the window title, plant an OSC 8 hyperlink that shows one URL and
opens another, or write to the clipboard (OSC 52). We do not try to parse those sequences (a
parser must handle every terminal's dialect and sequences split across streamed chunks); we make
each control character itself visible instead: ESC becomes ``␛``, BEL ``␇``, C1 controls
(U+0080-U+009F, including the one-byte CSI and OSC) ``�``. Whatever followed the control character is then plain
text, so a sequence split across chunks is neutralised just the same.

Kept as is: newline and tab, and carriage return when it ends a line (``\\r\\n``). A lone ``\\r``
(which would let later text overwrite what came before on the same line) is shown as ``␍``; since
the ``\\n`` may arrive in the next chunk, a trailing ``\\r`` is held back until then.

Pipes and files get the answer byte for byte: this is applied only when stdout is a terminal.
"""

from __future__ import annotations

import re

_CONTROL_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_CONTROL_PICTURES[0x7F] = "\u2421"  # ␡
_TABLE: dict[int, str] = {code: pic for code, pic in _CONTROL_PICTURES.items() if code not in (0x09, 0x0A, 0x0D)}
_TABLE.update({code: "\ufffd" for code in range(0x80, 0xA0)})
_LONE_CR = "\u240d"  # ␍
# searching in C first: most answers have no control character at all, and str.translate is slow on non-ASCII
_NEEDS_WORK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with every control character but newline and tab made visible (stateless)."""
    if not _NEEDS_WORK.search(text):
        return text
    return text.replace("\r\n", "\n").translate(_TABLE).replace("\r", _LONE_CR)


class TerminalSanitizer:
    """Streaming form of ``visible``: feed chunks as they arrive, ``finish`` at the end."""

    def __init__(self) -> None:
        self._held_cr = False

    def feed(self, chunk: str) -> str:
        if self._held_cr:
            chunk = "\r" + chunk
            self._held_cr = False
        if chunk.endswith("\r"):
            chunk = chunk[:-1]
            self._held_cr = True
        if not _NEEDS_WORK.search(chunk):
            return chunk
        out = chunk.translate(_TABLE)
        # "\r\n" stays as it is (a line end); any other "\r" is shown, not obeyed
        return out.replace("\r\n", "\n\x00").replace("\r", _LONE_CR).replace("\n\x00", "\r\n")

    def finish(self) -> str:
        if self._held_cr:
            self._held_cr = False
            return _LONE_CR
        return ""
