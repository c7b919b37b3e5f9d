"""slmr route: the router's decision, without running anything."""

from __future__ import annotations

import json as jsonlib
import sys
from typing import Annotated, TextIO

import typer

from slmr import jsonlines, router
from slmr.cli import common
from slmr.cli.run import Prompt, _prompt_and_content
from slmr.config import Settings
from slmr.console import Console
from slmr.errors import InputError, UsageError

Explain = Annotated[bool, typer.Option("--explain", help="Show every feature's contribution as a table.")]
Batch = Annotated[
    bool,
    typer.Option(
        "--batch",
        help='Read JSON lines ({"prompt": ..., "content": ...}) from stdin; write one decision per line. '
        "Other keys are passed through; a bad line is reported on stderr and the exit code is 2.",
    ),
]


def route(
    prompt: Prompt = None,
    json: common.Json = False,
    explain: Explain = False,
    batch: Batch = False,
) -> None:
    """Show whether a prompt is reshape (local model) or create (frontier model), and why.

    Examples:

        slmr route "summarize this thread"

        git diff | slmr route --json "write a commit message"

        slmr route --explain "design a schema for an audit log"

        slmr route --batch < prompts.jsonl > decisions.jsonl
    """
    settings = common.settings()
    console = common.console()
    if batch:
        if prompt or explain:
            raise UsageError("--batch reads every prompt from stdin", "drop the prompt and --explain")
        _batch(settings, console)
        return
    text, content = _prompt_and_content(prompt)
    decision = _decide(text, content, settings)
    unsure = decision.unsure(settings.router.unsure_margin)
    if json:
        console.write(jsonlib.dumps(_with_policy(decision, unsure, settings), ensure_ascii=False) + "\n")
        return
    if explain:
        _explain(text, content, decision, unsure, settings, console)
        return
    reasons = "; ".join(decision.reasons) if decision.reasons else "no strong signal"
    band = f" [unsure: {settings.router.unsure_policy} policy]" if unsure else ""
    console.write(f"{decision.route} (confidence {decision.confidence:.2f}){band}: {reasons}\n")


def _decide(text: str, content: str, settings: Settings) -> router.Decision:
    return router.decide(
        text, content, threshold=settings.router.threshold, context_tokens=settings.router.context_tokens
    )


def _with_policy(decision: router.Decision, unsure: bool, settings: Settings) -> dict[str, object]:
    data = decision.as_dict()
    data["unsure"] = unsure
    if unsure:
        data["unsure_policy"] = settings.router.unsure_policy
    return data


def _explain(
    text: str, content: str, decision: router.Decision, unsure: bool, settings: Settings, console: Console
) -> None:
    from rich.table import Table

    bias, items = router.explain(text, content, context_tokens=settings.router.context_tokens)
    table = Table(title=None, show_edge=False, pad_edge=False)
    table.add_column("feature")
    table.add_column("value", justify="right")
    table.add_column("weight", justify="right")
    table.add_column("→ log-odds", justify="right")
    table.add_column("meaning")
    for item in items:
        table.add_row(item.name, f"{item.value:.2f}", f"{item.weight:+.2f}", f"{item.logit:+.2f}", item.description)
    table.add_row("(bias)", "", "", f"{bias:+.2f}", "the starting point, before any feature")
    console.out.print(table, markup=False, highlight=False)
    band = f"; unsure band: {settings.router.unsure_policy} policy applies" if unsure else ""
    console.out.print(
        f"P(create) = {decision.p_create:.3f}, threshold {decision.threshold:.3f} → {decision.route} "
        f"(confidence {decision.confidence:.2f}){band}",
        markup=False,
        highlight=False,
    )


def _batch(settings: Settings, console: Console) -> None:
    stdin = sys.stdin
    if stdin is None or _isatty(stdin):
        raise InputError("--batch reads JSON lines from stdin", "pipe them in: slmr route --batch < prompts.jsonl")
    source = getattr(stdin, "buffer", stdin)
    out: TextIO = console.stdout
    bad = total = 0
    margin = settings.router.unsure_margin
    for line in jsonlines.read(source):
        total += 1
        if line.value is None:
            bad += 1
            console.error(f"line {line.number}: {line.error}; skipped")
            continue
        value = line.value
        content = value.get("content")
        decision = _decide(value["prompt"], content if isinstance(content, str) else "", settings)
        passed = {k: v for k, v in value.items() if k not in ("prompt", "content")}
        passed.update(_with_policy(decision, decision.unsure(margin), settings))
        out.write(jsonlib.dumps(passed, ensure_ascii=False) + "\n")
    out.flush()
    if bad:
        raise InputError(f"{bad} of {total} lines could not be routed (reported above)", "the others were routed")


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def register(app: typer.Typer) -> None:
    app.command("route")(route)


__all__ = ["register"]
