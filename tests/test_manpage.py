"""man/slmr.1: rendered by groff without a warning, and carrying what the issue asks of it.
(Its freshness against the CLI definition is checked with the completions, in test_completion.)"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from slmr import config
from slmr.devtools import clitree
from slmr.errors import EXIT_CODE_HELP

PAGE = Path(__file__).resolve().parents[1] / "man" / "slmr.1"


@pytest.fixture(scope="module")
def rendered() -> str:
    if shutil.which("groff") is None:
        pytest.fail("groff is not installed (apt-get install -y groff-base; .ci/run does this)")
    done = subprocess.run(
        ["groff", "-man", "-Tutf8", "-ww", str(PAGE)], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0
    assert done.stderr == "", f"groff warnings:\n{done.stderr}"
    return done.stdout


def _plain(text: str) -> str:
    # groff -Tutf8 marks bold and underline with backspaces; drop them to search the text
    out = []
    for ch in text:
        if ch == "\b":
            out.pop()
        else:
            out.append(ch)
    return "".join(out).replace("\u2010", "-").replace("\u2212", "-")


def test_sections(rendered: str) -> None:
    text = _plain(rendered)
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "FILES", "ENVIRONMENT", "EXIT STATUS", "EXAMPLES"):
        assert f"\n{section}\n" in text, section
    assert "Reshape work" in text and "Create work" in text


def test_every_command_and_exit_code(rendered: str) -> None:
    text = " ".join(_plain(rendered).split())
    for node in clitree.tree().walk():
        assert " ".join(node.path) in text
    for code, meaning in EXIT_CODE_HELP.items():
        assert f"{int(code)} {meaning[:1].upper()}{meaning[1:]}" in text


def test_environment_and_files(rendered: str) -> None:
    text = " ".join(_plain(rendered).split())
    for name in (
        "SLMR_HOME",
        "OLLAMA_HOST",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "NO_COLOR",
        "SLMR_DEBUG",
    ):
        assert name in text, name
    for key in config.all_keys():
        assert "SLMR_" + key.replace(".", "_").upper() in text
    assert "config.toml" in text and "ledger.db" in text and "hooks" in text
    assert "slmr hook install" in text and "slmr spend --week" in text and "| slmr summarize" in text


def test_any_help_text_renders_cleanly(tmp_path: Path) -> None:
    # help texts written later may hold non-ASCII, backslashes, or lines starting with a dot
    from slmr.devtools import manpage

    page = tmp_path / "t.1"
    body = "\n".join(
        manpage.paragraphs("Local \u21c4 frontier \u2014 caf\u00e9 \\n -x --y\n\n.dot first\n\n    'quote first")
    )
    page.write_text(f'.TH T 1 "" "t" "t"\n.SH NAME\nt\n{body}\n')
    done = subprocess.run(["groff", "-man", "-Tutf8", "-ww", str(page)], capture_output=True, text=True, check=False)
    assert done.stderr == ""
    text = _plain(done.stdout)
    assert "Local \u21c4 frontier \u2014 caf\u00e9 \\n -x --y" in " ".join(text.split())
    assert ".dot first" in text and "'quote first" in text
