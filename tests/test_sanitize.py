"""Model output cannot drive the terminal; pipes and files get it byte for byte."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slmr.sanitize import TerminalSanitizer, visible

ESC, BEL, ST = "\x1b", "\x07", "\x1b\\"
HOSTILE = (
    f"Result{ESC}[2J{ESC}[H{ESC}]0;pwned{BEL}"  # clear screen, home, window title
    f"{ESC}]8;;https://evil.example/{ST}click{ESC}]8;;{ST}"  # OSC 8 hyperlink
    f"{ESC}]52;c;cm0gLXJmIH4={BEL}"  # OSC 52: write to the clipboard
    "\x9b31m\x9d0;t\x9c"  # C1 CSI / OSC / ST
    "safe\rrm -rf\x08\x08 done\n"
)


def _controls(text: str) -> set[str]:
    return {c for c in text if (ord(c) < 0x20 and c not in "\n\t\r") or 0x7F <= ord(c) < 0xA0}


def test_every_control_character_is_made_visible() -> None:
    out = visible(HOSTILE)
    assert _controls(out) == set() and "\r" not in out
    assert "␛[2J" in out and "␇" in out and "https://evil.example/" in out


@given(st.text(alphabet=st.characters(codec="utf-8")), st.lists(st.integers(0, 200), max_size=8))
@settings(max_examples=200, deadline=None)
def test_streamed_in_any_split_nothing_escapes(text: str, cuts: list[int]) -> None:
    """Sequences split across chunks (ESC in one, '[2J' in the next) are neutralised the same."""
    points = sorted({min(c, len(text)) for c in cuts})
    chunks = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]
    sanitizer = TerminalSanitizer()
    out = "".join(sanitizer.feed(c) for c in chunks) + sanitizer.finish()
    assert _controls(out) == set()
    assert "\r" not in out.replace("\r\n", "")
    whole = TerminalSanitizer()
    assert out == whole.feed(text) + whole.finish()


def test_crlf_split_across_chunks_is_kept_as_a_line_end() -> None:
    s = TerminalSanitizer()
    assert s.feed("one\r") + s.feed("\ntwo\r") + s.feed("x") + s.finish() == "one\r\ntwo␍x"


@pytest.fixture
def hostile_model(fake_ollama):
    fake_ollama.reply(HOSTILE)
    return fake_ollama


def test_on_a_terminal_the_answer_is_neutralised(cli, hostile_model) -> None:
    result = cli("ask", "--local", "say something", tty=True)
    assert result.exit_code == 0, result.stderr
    assert _controls(result.stdout) == set()
    assert "\x1b" not in result.stdout and "\x9b" not in result.stdout
    assert "https://evil.example/" in result.stdout  # visible, but no longer a hidden link


def test_to_a_pipe_the_answer_passes_unchanged(cli, hostile_model) -> None:
    result = cli("ask", "--local", "say something")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == HOSTILE
