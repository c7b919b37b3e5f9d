"""slmr models: the local models (when the server answers) and the cloud models with their prices."""

from __future__ import annotations

import json as jsonlib

import typer

from slmr.cli import common


def _price(value: float | None) -> str:
    return "?" if value is None else f"${value:g}"


def _size(value: object) -> str:
    return f"{value / 1e9:.1f} GB" if isinstance(value, int | float) and value else ""


def models(json: common.Json = False) -> None:
    """List local models (from the local server, when it is reachable) and cloud models with prices.

    Prices are USD per million tokens, input / output; * marks the configured model.

    Examples:

        slmr models

        slmr models --json | jq -r '.local.models[].name'
    """
    from slmr import catalog

    settings = common.settings()
    found = catalog.build(settings)
    console = common.console()
    if json:
        console.write(jsonlib.dumps(found.as_dict(), indent=2) + "\n")
        return
    lines = [f"local ({found.local_backend}{' at ' + found.local_url if found.local_url else ''}):"]
    if found.local is None:
        lines.append(f"  (not reachable: {found.local_error})")
    else:
        for m in found.local:
            mark = "*" if m["configured"] else " "
            note = "  not pulled: ollama pull " + m["name"] if m.get("missing") else _size(m["size_bytes"])
            lines.append(f"{mark} {m['name']:<32} {note}".rstrip())
    lines.append(f"cloud ({settings.cloud.provider}; USD per Mtok in / out):")
    for m in found.cloud:
        mark = "*" if m["configured"] else " "
        price = f"{_price(m['input_usd_per_mtok'])} / {_price(m['output_usd_per_mtok'])}"
        source = "  (from config)" if m["price_source"] == "config" else ""
        lines.append(f"{mark} {m['name']:<32} {price}{source}")
    console.write("\n".join(lines) + "\n")
    if found.local is None:
        console.warn(f"local server not reachable: {found.local_error}. slmr doctor says more")


def register(app: typer.Typer) -> None:
    app.command("models")(models)
