"""slmr redo: run the last request again on the other route, and remember that as a routing correction."""

from __future__ import annotations

import typer

from slmr.cli import common


def redo(
    local: common.Local = False,
    cloud: common.Cloud = False,
) -> None:
    """Run the last request again on the other route (local ⇄ frontier model).

    The pair is recorded in the ledger as a routing correction, which `slmr eval --from-ledger`
    can use as labelled data (with the prompt's text only when ledger.store_text is on).

    Examples:

        slmr rewrite < notes.md        # the local answer is not good enough

        slmr redo                      # the same request on the frontier model

        slmr redo --local              # or force a route
    """
    from slmr import pipeline

    target = common.force_from(local, cloud)
    pipeline.redo(target, common.settings(), common.console())


def register(app: typer.Typer) -> None:
    app.command("redo")(redo)
