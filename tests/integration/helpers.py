"""Running slmr as a real subprocess against the real server, and reading its ledger."""

from __future__ import annotations

import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def slmr(*args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 120) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "slmr", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def slmr_cut_mid_stream(
    *args: str, stdin: str, env: dict[str, str], cut: Callable[[subprocess.Popen[bytes]], None]
) -> Run:
    """Run slmr with stdout on a terminal (so it streams); call ``cut`` once the first answer bytes arrive."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "slmr", *args],
        stdin=subprocess.PIPE,
        stdout=follower,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
        preexec_fn=sigint_default,
    )
    os.close(follower)
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write(stdin.encode())
    process.stdin.close()
    seen = b""
    deadline = time.monotonic() + 60
    try:
        while not seen.strip() and time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if ready:
                seen += os.read(leader, 4096)
        assert seen.strip(), f"no answer bytes before the cut; stderr: {process.stderr.read().decode()}"
        cut(process)
        code = process.wait(60)
        stderr = process.stderr.read().decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    return Run(code, seen.decode(errors="replace"), stderr)


def sigint_default() -> None:
    """Give the child the default SIGINT disposition, so Python installs its KeyboardInterrupt handler.

    A process started in the background of a non-interactive shell (``cmd &``, as some CI runners and nohup
    wrappers do) inherits SIGINT as *ignored*, and Python then leaves it ignored: Ctrl-C tests would see exit 0.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)


def ledger_rows(home: Path) -> list[sqlite3.Row]:
    db = sqlite3.connect(home / "ledger.db")
    db.row_factory = sqlite3.Row
    try:
        return db.execute("SELECT * FROM calls ORDER BY id").fetchall()
    finally:
        db.close()
