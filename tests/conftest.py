"""Fixtures every test gets: an isolated home, fake model servers, and an in-process CLI runner."""

from __future__ import annotations

import io
import os
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings
from pytest_httpserver import HTTPServer

from tests.fakes.servers import FakeAnthropic, FakeOllama, FakeOpenAI

# Property tests draw fresh examples on a developer's machine, where a new failure is a find; in CI
# they replay a fixed sequence, so a submission never fails on a draw nobody can reproduce.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: variables from the developer's shell that would leak real keys, hosts or settings into tests
LEAKY_ENV = (
    "OLLAMA_HOST",
    "OLLAMA_API_KEY",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_PROFILE",
    "ANTHROPIC_CONFIG_DIR",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "NO_COLOR",
    "SLMR_DEBUG",
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point SLMR_HOME (and HOME, XDG dirs) at a temporary directory; no test touches the real home.

    The working directory is a fresh temporary directory too, outside any git repository.
    """
    for name in LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("SLMR_"):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "slmr-home"
    user = tmp_path / "user-home"
    user.mkdir()
    monkeypatch.setenv("SLMR_HOME", str(home))
    monkeypatch.setenv("HOME", str(user))
    for xdg in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(xdg, str(user / xdg.lower()))
    # nothing listens on the discard port: a test that forgot its fake server fails fast
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return home


@pytest.fixture
def ledger_rows(isolated_home: Path):
    """A function returning all ledger rows as dicts, oldest first."""

    def rows() -> list[dict]:
        path = isolated_home / "ledger.db"
        if not path.exists():
            return []
        db = sqlite3.connect(path)
        db.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in db.execute("SELECT * FROM calls ORDER BY id")]
        finally:
            db.close()

    return rows


@pytest.fixture
def fake_ollama(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> FakeOllama:
    fake = FakeOllama(httpserver)
    monkeypatch.setenv("OLLAMA_HOST", fake.url)
    return fake


@pytest.fixture
def fake_anthropic(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropic:
    fake = FakeAnthropic(httpserver)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-not-a-real-key")
    return fake


@pytest.fixture
def fake_openai(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> FakeOpenAI:
    fake = FakeOpenAI(httpserver)
    monkeypatch.setenv("OPENAI_BASE_URL", fake.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    return fake


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


class _TTYStringIO(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):
    """Run slmr in-process: ``cli("rewrite", input="text")`` → Result(exit_code, stdout, stderr).

    ``input=None`` makes stdin an interactive terminal with nothing piped; ``tty=True`` makes
    stdout and stderr look like a terminal.
    """
    from slmr.cli import run_cli

    def invoke(*args: str, input: str | bytes | None = None, tty: bool = False) -> Result:
        if input is None:
            stdin = io.TextIOWrapper(io.BytesIO(b""))
            monkeypatch.setattr(stdin, "isatty", lambda: True, raising=False)
        else:
            data = input.encode() if isinstance(input, str) else input
            stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
        out, err = _TTYStringIO(tty), _TTYStringIO(tty)
        saved = sys.stdin, sys.stdout, sys.stderr
        sys.stdin, sys.stdout, sys.stderr = stdin, out, err
        try:
            code = run_cli(list(args))
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved
        return Result(code, out.getvalue(), err.getvalue())

    return invoke


@pytest.fixture
def slmr_env(isolated_home: Path) -> Iterator[dict[str, str]]:
    """The environment for running slmr as a real subprocess (``python -m slmr``)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1]) + os.pathsep + env.get("PYTHONPATH", "")
    yield env
