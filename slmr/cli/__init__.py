"""The command line: one module per command group, composed here, and the one top-level handler
that turns every failure into a one-line message and a documented exit code."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from slmr import __version__
from slmr.errors import ExitCode, SlmrError

HELP = (
    "Route everyday prompts: reshape work (rewrite, summarize, extract) runs on a local model, "
    "create work on a frontier model; every call lands in a ledger that `slmr spend` reports.\n\n"
    "Examples:\n\n"
    "    slmr rewrite < notes.md\n\n"
    "    git diff | slmr summarize\n\n"
    '    slmr ask "explain this error" < trace.txt\n\n'
    "    slmr spend --week"
)

#: each command module and the top-level commands it registers (the full app registers them in this
#: order). `slmr spend` then imports the spend module alone, not the pipeline, router and secret
#: scanner that other commands need (about 150 ms of start-up); a test checks this table against
#: what each module really registers.
COMMANDS: dict[str, tuple[str, ...]] = {
    "run": ("rewrite", "summarize", "extract", "ask", "create"),
    "redo": ("redo",),
    "route": ("route",),
    "eval": ("eval",),
    "spend": ("spend",),
    "log": ("log",),
    "prices": ("prices",),
    "config": ("config",),
    "hook": ("hook", "commit-msg"),
    "models": ("models",),
    "doctor": ("doctor",),
    "privacy": ("privacy",),
}


def _version(ctx: typer.Context, value: bool) -> None:
    # resilient parsing is shell completion walking the command line: it must not print
    if value and not ctx.resilient_parsing:
        sys.stdout.write(f"slmr {__version__}\n")
        raise typer.Exit(0)


def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", help="Print the version and exit.", callback=_version, is_eager=True),
    ] = False,
) -> None:
    pass


def build_app(modules: Sequence[str] | None = None) -> typer.Typer:
    """The typer app with the commands of ``modules`` (all of them when None)."""
    app = typer.Typer(
        name="slmr",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for name in COMMANDS if modules is None else modules:
        importlib.import_module(f"slmr.cli.{name}").register(app)
    return app


def modules_for(args: Sequence[str]) -> list[str] | None:
    """The one module a command line needs, or None (all) for help, completion or an unknown command."""
    if not args or args[0].startswith("-"):
        return None
    return [module for module, names in COMMANDS.items() if args[0] in names] or None


def __getattr__(name: str) -> typer.Typer:
    # `from slmr.cli import app` (the man page and completion generators) gets every command
    if name == "app":
        return build_app()
    raise AttributeError(name)


def _stderr(message: str) -> None:
    from slmr.privacy import known_key_values
    from slmr.sanitize import visible
    from slmr.secrets import scrub

    # errors can quote a server's reply or an exception's text: no API key or secret gets printed
    message = visible(scrub(message, known_key_values()))
    try:
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def run_cli(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code instead of exiting (tests call this in-process)."""
    from typer._click.exceptions import ClickException
    from typer.exceptions import Abort

    if os.environ.get("_SLMR_COMPLETE"):
        # a completion request slmr.entry left to typer (a script to print, or no usable snapshot)
        from typer._completion_classes import completion_init

        completion_init()
    args = list(sys.argv[1:] if argv is None else argv)
    modules = None if os.environ.get("_SLMR_COMPLETE") else modules_for(args)
    command = typer.main.get_command(build_app(modules))
    try:
        rv = command.main(args=args, prog_name="slmr", standalone_mode=False)
    except SlmrError as exc:
        _stderr(f"slmr: error: {exc.one_line()}")
        return int(exc.exit_code)
    except ClickException as exc:
        _stderr(f"slmr: error: {exc.format_message()} (see slmr --help)")
        return int(ExitCode.USAGE)
    except (KeyboardInterrupt, Abort):
        rv = ExitCode.INTERRUPTED  # reported below, once the traceback (and the frames it holds) is gone
    except BrokenPipeError:
        # the reader went away (| head): not an error of ours; silence the final flush
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return int(ExitCode.OK)
    except Exception as exc:
        if os.environ.get("SLMR_DEBUG"):
            raise
        _stderr(
            f"slmr: unexpected error: {type(exc).__name__}: {exc}. "
            "Run again with SLMR_DEBUG=1 for details and please report it"
        )
        return int(ExitCode.UNEXPECTED)
    if rv == ExitCode.INTERRUPTED:
        _stderr("slmr: interrupted")
        # A stream cut by Ctrl-C leaves the SDKs' generators suspended in reference cycles (openai's
        # Stream holds its own generator). Collected at interpreter shutdown, their cleanup runs against
        # half-torn-down modules and Python prints "Exception ignored in ..." with a traceback after our
        # one line; collect them now, while everything still works.
        gc.collect()
    return int(rv) if isinstance(rv, int) else 0


def main() -> None:
    sys.exit(run_cli())
