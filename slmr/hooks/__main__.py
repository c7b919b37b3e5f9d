"""The entry point the installed hook scripts call: ``python -I -m slmr.hooks --stage NAME -- FILE [SOURCE [SHA]]``.

It does what ``slmr hook run`` does, without the command-line framework: typer (and the pydantic it
pulls in) costs a few hundred milliseconds at start-up, and the hook pays its start-up on every commit.
It always exits 0: a commit is never blocked by slmr.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    stage = None
    if len(argv) >= 2 and argv[0] == "--stage":
        stage, argv = argv[1], argv[2:]
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        sys.stderr.write("slmr: hook: no commit-message file given; nothing done\n")
        return 0
    try:
        from slmr import config
        from slmr.console import Console
        from slmr.errors import SlmrError
        from slmr.hooks import runner

        console = Console()
        try:
            settings = config.load()
        except SlmrError as exc:
            console.warn(f"hook: kept your commit message as written: {exc.one_line()}")
            return 0
        invocation = runner.Invocation(
            path=Path(argv[0]),
            source=argv[1] if len(argv) > 1 else None,
            sha=argv[2] if len(argv) > 2 else None,
            stage=stage,
        )
        runner.run(invocation, settings, console)
    except KeyboardInterrupt:
        sys.stderr.write("slmr: hook: interrupted; commit message left as written\n")
    except Exception as exc:  # the last line of the never-block promise
        sys.stderr.write(f"slmr: hook: kept your commit message as written: unexpected {type(exc).__name__}: {exc}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
