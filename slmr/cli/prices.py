"""slmr prices: the price table in use, where each price came from, and its date."""

from __future__ import annotations

import json as jsonlib

import typer

from slmr import pricing
from slmr.cli import common
from slmr.cli.spend import table_console


def prices(json: common.Json = False) -> None:
    """List the prices slmr uses (USD per million tokens), shipped or from your config.

    Set or override one in the config file:

        [prices."my-model"]
        input = 1.0
        output = 4.0

    Examples:

        slmr prices

        slmr prices --json | jq '.models[] | select(.source == "config")'
    """
    settings = common.settings()
    table = pricing.table(settings.prices)
    as_of = pricing.as_of()
    energy = settings.local.energy_usd_per_1k_tokens
    console = common.console()
    if json:
        doc = {
            "as_of": as_of,
            "local_energy_usd_per_1k_tokens": energy,
            "models": [{**p.as_dict(), "as_of": as_of if p.source == "shipped" else None} for p in table.values()],
        }
        console.write(jsonlib.dumps(doc, indent=2) + "\n")
        return
    from rich.table import Table

    out = Table(title=f"prices in USD per million tokens (shipped table as of {as_of})", title_justify="left")
    out.add_column("model", overflow="fold")
    for column in ("input", "output", "cache read", "cache write"):
        out.add_column(column, justify="right", no_wrap=True)
    out.add_column("source", no_wrap=True)
    out.add_column("as of", no_wrap=True)

    def rate(value: float | None) -> str:
        return "—" if value is None else f"{value:g}"

    long = []
    for p in table.values():
        mark = "*" if p.long is not None else ""
        out.add_row(
            p.model + mark,
            rate(p.input),
            rate(p.output),
            rate(p.cache_read),
            rate(p.cache_write),
            p.source,
            as_of if p.source == "shipped" else "—",
        )
        if p.long is not None:
            long.append(f"{p.model} over {p.long_above:,} prompt tokens: {p.long.input:g} in / {p.long.output:g} out")
    table_console(console).print(out)
    if long:
        console.out.print("* dearer long prompts: " + "; ".join(long), markup=False, highlight=False, soft_wrap=True)
    local = f"${energy:g} per 1k tokens of energy (local.energy_usd_per_1k_tokens)" if energy else "free"
    for line in (
        f"local models (ollama, openai-compatible): {local}",
        "a model not listed has no price: its calls are recorded with cost NULL and named by slmr spend",
    ):
        console.out.print(line, markup=False, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("prices")(prices)
