"""slmr route: the router's decision, without running anything."""

from __future__ import annotations

import json as jsonlib

import typer

from slmr import router
from slmr.cli import common
from slmr.cli.run import Prompt, _prompt_and_content


def route(
    prompt: Prompt = None,
    json: common.Json = False,
) -> None:
    """Show whether a prompt is reshape (local model) or create (frontier model), and why.

    Examples:

        slmr route "summarize this thread"

        git diff | slmr route --json "write a commit message"
    """
    text, content = _prompt_and_content(prompt)
    settings = common.settings()
    decision = router.decide(text, content, threshold=settings.router.threshold)
    console = common.console()
    if json:
        console.write(jsonlib.dumps(decision.as_dict()) + "\n")
        return
    reasons = "; ".join(decision.reasons) if decision.reasons else "no strong signal"
    console.write(f"{decision.route} (confidence {decision.confidence:.2f}): {reasons}\n")


def register(app: typer.Typer) -> None:
    app.command("route")(route)


__all__ = ["register"]
