"""The two output streams: stdout carries the answer only, stderr carries everything else.

A ``Console`` is created once per command and passed down, so tests can swap the streams.
Rich styling is used only when stderr is a terminal and ``NO_COLOR`` is unset; rich itself
honours ``NO_COLOR`` and drops styles on non-terminals, and we never let user or model text be
parsed as markup.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from rich.console import Console as RichConsole

from slmr.sanitize import TerminalSanitizer, visible


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Console:
    """stdout for the answer, stderr (through rich) for status, notices and errors."""

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        self.no_color = bool(os.environ.get("NO_COLOR"))
        self.err = RichConsole(
            file=self.stderr,
            highlight=False,
            soft_wrap=True,
            no_color=self.no_color,
            force_terminal=None,
        )
        # tables and charts for reports that go to stdout when stdout is a terminal
        self.out = RichConsole(file=self.stdout, highlight=False, no_color=self.no_color)
        self._sanitizer = TerminalSanitizer()

    @property
    def stdout_is_tty(self) -> bool:
        return _isatty(self.stdout)

    @property
    def stderr_is_tty(self) -> bool:
        return _isatty(self.stderr)

    # the answer -------------------------------------------------------------
    def write(self, text: str) -> None:
        """Write part of the answer to stdout and flush, so pipes see it as it streams.

        On a terminal, control characters are made visible so a model's answer cannot drive it
        (slmr.sanitize); pipes and files get the text unchanged.
        """
        if text and self.stdout_is_tty:
            text = self._sanitizer.feed(text)
        if text:
            self.stdout.write(text)
            self.stdout.flush()

    # everything else --------------------------------------------------------
    def _line(self, prefix: str, message: str, style: str) -> None:
        # messages can carry text from outside (file names, a server's error): never let it drive a terminal
        self.err.print(f"{prefix}{visible(message)}", style=style if self.stderr_is_tty else None, markup=False)

    def info(self, message: str) -> None:
        self._line("slmr: ", message, "dim")

    def warn(self, message: str) -> None:
        self._line("slmr: warning: ", message, "yellow")

    def error(self, message: str) -> None:
        self._line("slmr: error: ", message, "bold red")

    def spinner(self, message: str) -> Spinner:
        """A spinner on stderr that the caller stops (at the first token); inert off a terminal."""
        spinner = Spinner(self.err if self.stderr_is_tty else None, message)
        spinner.start()
        return spinner

    @contextlib.contextmanager
    def status(self, message: str) -> Iterator[None]:
        """A spinner on stderr while something slow runs; nothing when stderr is not a terminal."""
        if not self.stderr_is_tty:
            yield
            return
        with self.err.status(message, spinner="dots"):
            yield


class Spinner:
    def __init__(self, console: RichConsole | None, message: str) -> None:
        self._status = console.status(message, spinner="dots") if console is not None else None
        self._running = False

    def start(self) -> None:
        if self._status is not None and not self._running:
            self._status.start()
            self._running = True

    def stop(self) -> None:
        if self._status is not None and self._running:
            self._status.stop()
            self._running = False
