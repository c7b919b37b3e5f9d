"""Pieces every command shares: option types, settings and console set-up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from slmr import completion, config
from slmr.console import Console
from slmr.errors import UsageError

Files = Annotated[
    list[Path] | None,
    typer.Argument(help="Files to read ('-' for stdin). Without files, stdin is read.", show_default=False),
]
Instruction = Annotated[
    str | None,
    typer.Option("--instruction", "-i", help='What to do, in your words (e.g. "more formal").', show_default=False),
]
Local = Annotated[bool, typer.Option("--local", help="Run on the local model, whatever the router says.")]
Cloud = Annotated[bool, typer.Option("--cloud", help="Run on the frontier model, whatever the router says.")]
Model = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="Use this model instead of the configured one.",
        show_default=False,
        autocompletion=completion.complete_model,
    ),
]
#: for commands that take a task name (``--task``): completes from the task table
TaskName = Annotated[
    str | None,
    typer.Option(
        "--task", help="A task name (see slmr --help).", show_default=False, autocompletion=completion.complete_task
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
LocalOnly = Annotated[
    bool,
    typer.Option("--local-only", help="Send nothing to a cloud API: create work runs on the local model too."),
]
Strict = Annotated[
    bool,
    typer.Option("--strict", help="With --local-only (or privacy policy): refuse create work (exit 6) instead."),
]


def policy_flags(local_only: bool = False, strict: bool = False) -> dict[str, Any]:
    """Settings overrides for --local-only / --strict (None leaves the config as it is)."""
    return {"policy.privacy": "local-only" if local_only else None, "policy.strict": True if strict else None}


def force_from(local: bool, cloud: bool) -> str | None:
    if local and cloud:
        raise UsageError("--local and --cloud cannot be used together", "pick one")
    return "local" if local else "cloud" if cloud else None


def settings(flags: dict[str, Any] | None = None) -> config.Settings:
    from slmr import firstrun

    firstrun.maybe_notice(console())
    return config.load(flags=flags)


def console() -> Console:
    return Console()
