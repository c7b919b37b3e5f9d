"""The command line: one module per command group, composed here, and the one top-level handler
that turns every failure into a one-line message and a documented exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from slmr import __version__
from slmr.errors import ExitCode, SlmrError

app = typer.Typer(
    name="slmr",
    help=(
        "Route everyday prompts: reshape work (rewrite, summarize, extract) runs on a local model, "
        "create work on a frontier model; every call lands in a ledger that `slmr spend` reports.\n\n"
        "Examples:\n\n"
        "    slmr rewrite < notes.md\n\n"
        "    git diff | slmr summarize\n\n"
        '    slmr ask "explain this error" < trace.txt\n\n'
        "    slmr spend --week"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(ctx: typer.Context, value: bool) -> None:
    # resilient parsing is shell completion walking the command line: it must not print
    if value and not ctx.resilient_parsing:
        sys.stdout.write(f"slmr {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", help="Print the version and exit.", callback=_version, is_eager=True),
    ] = False,
) -> None:
    pass


def _register() -> None:
    from slmr.cli import config as config_cmd
    from slmr.cli import doctor, hook, log, models, prices, privacy, redo, route, run, spend
    from slmr.cli import eval as eval_cmd

    run.register(app)
    redo.register(app)
    route.register(app)
    eval_cmd.register(app)
    spend.register(app)
    log.register(app)
    prices.register(app)
    config_cmd.register(app)
    hook.register(app)
    models.register(app)
    doctor.register(app)
    privacy.register(app)


_register()


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
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=list(argv) if argv is not None else None, prog_name="slmr", standalone_mode=False)
    except SlmrError as exc:
        _stderr(f"slmr: error: {exc.one_line()}")
        return int(exc.exit_code)
    except ClickException as exc:
        _stderr(f"slmr: error: {exc.format_message()} (see slmr --help)")
        return int(ExitCode.USAGE)
    except (KeyboardInterrupt, Abort):
        _stderr("slmr: interrupted")
        return int(ExitCode.INTERRUPTED)
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
    return int(rv) if isinstance(rv, int) else 0


def main() -> None:
    sys.exit(run_cli())
