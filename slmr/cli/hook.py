"""slmr hook (install, uninstall, status, run) and slmr commit-msg."""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Annotated

import typer

from slmr.cli import common

app = typer.Typer(
    help=(
        "Clean up commit messages on the local model with a git hook; it never blocks or loses a commit.\n\n"
        "Examples:\n\n"
        "    slmr hook install            # this repository\n\n"
        "    slmr hook install --global   # every repository\n\n"
        "    slmr hook status"
    ),
    no_args_is_help=True,
)

Global = Annotated[
    bool,
    typer.Option("--global", help="Every repository, through a global core.hooksPath directory slmr owns."),
]


@app.command("install")
def install(global_: Global = False) -> None:
    """Install the hook in this repository (or, with --global, for every repository).

    An existing hook is kept and runs first; `slmr hook uninstall` puts everything back.
    """
    from slmr.hooks import install as hooks

    console = common.console()
    done = hooks.install_global() if global_ else hooks.install_repo()
    for line in done:
        console.info(line)


@app.command("uninstall")
def uninstall(global_: Global = False) -> None:
    """Remove exactly what `slmr hook install` added, and restore the hooks that were there before."""
    from slmr.hooks import install as hooks

    console = common.console()
    done = hooks.uninstall_global() if global_ else hooks.uninstall_repo()
    for line in done:
        console.info(line)


@app.command("status")
def status(json: common.Json = False) -> None:
    """Say what is installed where: the global hooks directory, and this repository's hooks."""
    from slmr.hooks import install as hooks

    report = hooks.status()
    console = common.console()
    if json:
        console.write(jsonlib.dumps(report, indent=2) + "\n")
        return
    console.write("\n".join(hooks.describe(report)) + "\n")


@app.command("run")
def run(
    msgfile: Annotated[Path, typer.Argument(help="The commit-message file git passes to the hook.")],
    source: Annotated[
        str | None,
        typer.Argument(help="Where the message comes from: message, template, merge, squash or commit."),
    ] = None,
    sha: Annotated[str | None, typer.Argument(help="The commit, for source 'commit'.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the message slmr would leave; change nothing.")
    ] = False,
    stage: Annotated[str | None, typer.Option("--stage", hidden=True)] = None,
) -> None:
    """Clean up a commit-message file, as the hook does (always exits 0: a commit is never blocked).

    Examples:

        slmr hook run --dry-run .git/COMMIT_EDITMSG
    """
    from slmr.errors import SlmrError
    from slmr.hooks import runner

    console = common.console()
    try:
        settings = common.settings()
    except SlmrError as exc:
        if stage != "prepare-commit-msg":
            console.warn(f"hook: kept your commit message as written: {exc.one_line()}")
        return
    invocation = runner.Invocation(path=msgfile, source=source, sha=sha, stage=stage, dry_run=dry_run)
    runner.run(invocation, settings, console)


def commit_msg(model: common.Model = None) -> None:
    """Draft a commit message from the staged changes (git diff --cached) on the local model.

    Review it in your editor before committing:

        git commit -e -m "$(slmr commit-msg)"
    """
    from slmr import pipeline
    from slmr.errors import InputError
    from slmr.hooks import git

    if not git.in_repository():
        raise InputError("not inside a git repository", "cd into the repository whose changes you staged")
    diff = git.run(["diff", "--cached", "--no-color", "--no-ext-diff"]) or ""
    if not diff.strip():
        raise InputError("nothing is staged", "stage changes first: git add …")
    if len(diff) > DIFF_LIMIT:
        stat = git.run(["diff", "--cached", "--stat", "--no-color"]) or ""
        diff = f"{stat}\n\n(first {DIFF_LIMIT} characters of the diff)\n{diff[:DIFF_LIMIT]}"
    request = pipeline.Request(
        command="commit-msg", task="commit-draft", content=diff + "\n", force="local", model=model
    )
    pipeline.run(request, common.settings(), common.console())


#: what a small local model can read in one go, with room for the answer
DIFF_LIMIT = 24_000


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="hook")
    root.command("commit-msg")(commit_msg)
