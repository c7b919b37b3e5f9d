"""The console script. It stays tiny so a shell's <TAB> is answered without importing typer.

``_SLMR_COMPLETE=complete_<shell>`` requests go to :mod:`slmr.completion`, which answers from the
command-tree snapshot in a few milliseconds; everything else (including ``source_<shell>``, which
prints a completion script) goes to the typer app.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    if os.environ.get("_SLMR_COMPLETE"):
        from slmr.completion import answer

        status = answer()
        if status is not None:
            sys.exit(status)
    from slmr.cli import main as cli_main

    cli_main()
