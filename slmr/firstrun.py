"""The one-time notice for a first run without a config file.

slmr works on its defaults, so a missing config file is not an error; but a person trying slmr
should learn once where the file would live and how to pick the frontier model and key. Only a
person sees it: when stderr is not a terminal (pipes into files, git hooks, scripts, tests) nothing
is printed and nothing is remembered, so the notice waits for the first interactive run.
"""

from __future__ import annotations

from pathlib import Path

from slmr import config
from slmr.console import Console

MARKER = ".first-run-notice"


def marker_path() -> Path:
    return config.data_dir() / MARKER


def maybe_notice(console: Console) -> bool:
    """Print the notice if it is due; returns whether it was printed."""
    if not console.stderr_is_tty:
        return False
    marker = marker_path()
    path = config.config_path()
    if marker.exists() or path.exists():
        return False
    console.info(f"no config file yet: running on defaults. It would live at {path}")
    console.info(
        "choose the frontier model with `slmr config set cloud.provider anthropic|openai` and "
        "`slmr config set cloud.model NAME`, and export ANTHROPIC_API_KEY (or OPENAI_API_KEY); "
        "`slmr doctor` checks the set-up. This notice is shown once"
    )
    try:
        config.ensure_private_dir(marker.parent)
        marker.touch()
    except OSError:
        pass  # a read-only home: the notice comes back next time, which is harmless
    return True
