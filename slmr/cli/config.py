"""slmr config: where the config lives, what is in effect, and setting keys."""

from __future__ import annotations

import json as jsonlib
from typing import Annotated, Any

import typer

from slmr import completion, config
from slmr.cli import common

app = typer.Typer(help="Show and change slmr's configuration.", no_args_is_help=True)

SECRET_KEYS = frozenset({"local.api_key"})


def _masked(settings: config.Settings) -> dict[str, Any]:
    from slmr.secrets import redact

    data = config.as_dict(settings)
    for key in SECRET_KEYS:
        section, name = key.split(".")
        if data[section].get(name):
            data[section][name] = "****"
    # a password inside a URL (base_url = "https://user:pw@host") is a secret too
    for section, values in data.items():
        if section == "prices" or not isinstance(values, dict):
            continue
        for name, value in values.items():
            if isinstance(value, str):
                values[name] = redact(value)
    return data


@app.command("path")
def path() -> None:
    """Print the path of the config file (it may not exist yet)."""
    common.console().write(f"{config.config_path()}\n")


@app.command("show")
def show(json: common.Json = False) -> None:
    """Print the settings in effect: defaults, config file and environment combined.

    Examples:

        slmr config show

        slmr config show --json | jq .cloud
    """
    data = _masked(common.settings())
    console = common.console()
    if json:
        console.write(jsonlib.dumps(data, indent=2) + "\n")
        return
    import tomli_w

    def drop_none(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: drop_none(v) for k, v in value.items() if v is not None}
        return value

    console.write(tomli_w.dumps(drop_none(data)))


@app.command("set")
def set_(
    key: Annotated[
        str,
        typer.Argument(
            help="A key such as local.model or cloud.provider.", autocompletion=completion.complete_config_key
        ),
    ],
    value: Annotated[
        str,
        typer.Argument(
            help="The value; an empty string removes the key.", autocompletion=completion.complete_config_value
        ),
    ],
) -> None:
    """Set one key in the config file.

    Examples:

        slmr config set local.model qwen2.5:3b

        slmr config set cloud.provider openai
    """
    stored = config.set_value(key, value)
    common.console().info(f"{key} = {stored!r} in {config.config_path()}")


@app.command("keys")
def keys() -> None:
    """List every settable key."""
    common.console().write("\n".join(config.all_keys()) + "\n")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="config")
