"""The command-tree snapshot (``slmr/data/cli_spec.json``) that ``slmr.completion`` answers from."""

from __future__ import annotations

import json
from typing import Any

from slmr import __version__
from slmr.devtools import clitree


def _param(param: Any, ctx: Any) -> dict[str, Any]:
    option = clitree.is_option(param)
    names = clitree.option_names(param, ctx) if option else []
    return {
        "kind": "option" if option else "argument",
        "name": param.name,
        "opts": [n for n in names if n in param.opts],
        "secondary_opts": list(param.secondary_opts) if option else [],
        "is_flag": bool(getattr(param, "is_flag", False)),
        "count": bool(getattr(param, "count", False)),
        "multiple": bool(getattr(param, "multiple", False)),
        "nargs": int(param.nargs),
        "hidden": bool(getattr(param, "hidden", False)),
        "help": getattr(param, "help", None) or None,
        "choices": clitree.choices(param),
        "case_sensitive": clitree.case_sensitive(param),
        "file": clitree.is_file(param),
        "complete": clitree.completion_source(param),
    }


def _command(node: clitree.Node) -> dict[str, Any]:
    return {
        "group": node.is_group,
        "hidden": bool(node.command.hidden),
        "short_help": node.command.get_short_help_str(),
        "params": [_param(p, node.ctx) for p in node.params()],
        "commands": {child.path[-1]: _command(child) for child in node.children},
    }


class _Params:
    def __init__(self, key: str) -> None:
        self.params = {"key": key}


def static_values() -> dict[str, Any]:
    """The completion values that depend only on this version of slmr, not on the user's config:
    keys, choices and task names. Precomputed so <TAB> on them needs no config module at all."""
    from slmr import completion, config

    return {
        "config_key": completion.complete_config_key(""),
        "task": completion.complete_task(""),
        "config_value": {
            key: completion.complete_config_value(_Params(key), "")
            for key in config.all_keys()
            if not key.endswith(".model")  # model names come from the user's config: computed at <TAB>
        },
    }


def build() -> dict[str, Any]:
    return {
        "version": __version__,
        "prog": clitree.PROG,
        "root": _command(clitree.tree()),
        "values": static_values(),
    }


def render() -> str:
    return json.dumps(build(), indent=1, sort_keys=False) + "\n"
