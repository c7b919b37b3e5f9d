"""Walk the typer app as click sees it: one place that knows how to read commands and parameters."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import typer
from typer._click import Context
from typer._click.types import File

from slmr import completion

PROG = "slmr"


@dataclass
class Node:
    """A command (or group) with the context click would give it, so inherited settings apply."""

    path: tuple[str, ...]
    command: Any
    ctx: Context
    children: list[Node] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        return hasattr(self.command, "list_commands")

    def params(self) -> list[Any]:
        return list(self.command.get_params(self.ctx))

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


def root_command() -> Any:
    from slmr.cli import app

    return typer.main.get_command(app)


def tree() -> Node:
    command = root_command()
    ctx = command.make_context(PROG, [], resilient_parsing=True)
    return _build((PROG,), command, ctx)


def _build(path: tuple[str, ...], command: Any, ctx: Context) -> Node:
    node = Node(path, command, ctx)
    if node.is_group:
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None:
                continue
            sub_ctx = sub.make_context(name, [], parent=ctx, resilient_parsing=True)
            node.children.append(_build((*path, name), sub, sub_ctx))
    return node


def is_option(param: Any) -> bool:
    return getattr(param, "param_type_name", "") == "option"


def option_names(param: Any, ctx: Context) -> list[str]:
    """An option's names; the help option's in the configured order (click builds it from a set,
    so its order would otherwise change from one process to the next)."""
    names = [*param.opts, *param.secondary_opts]
    if param.name == "help":
        order = list(ctx.help_option_names)
        names.sort(key=lambda n: order.index(n) if n in order else len(order))
    return names


def completion_source(param: Any) -> str | None:
    """The name in ``slmr.completion.SOURCES`` of the function behind a parameter's ``autocompletion=``.

    typer wraps the function twice (its argument-matching wrapper, then click's shell_complete
    adapter); ``functools.update_wrapper`` keeps ``__wrapped__`` on the inner one.
    """
    adapter = getattr(param, "_custom_shell_complete", None)
    if adapter is None:
        return None
    wrapper = inspect.getclosurevars(adapter).nonlocals.get("autocompletion")
    target = inspect.unwrap(wrapper) if wrapper is not None else adapter
    for name, source in completion.SOURCES.items():
        if source is target:
            return name
    raise RuntimeError(
        f"parameter {param.name!r} completes with {getattr(target, '__qualname__', target)!r}, "
        "which is not in slmr.completion.SOURCES: add it there so the fast completion path can call it"
    )


def choices(param: Any) -> list[str] | None:
    # typer's choice type (an Enum or Literal option) is the click-level type that carries choices
    found = getattr(param.type, "choices", None)
    return None if found is None else [str(getattr(choice, "value", choice)) for choice in found]


def is_file(param: Any) -> bool:
    return isinstance(param.type, File)


def case_sensitive(param: Any) -> bool:
    return bool(getattr(param.type, "case_sensitive", True))


def help_text(obj: Any) -> str:
    return inspect.cleandoc(obj.help or "") if getattr(obj, "help", None) else ""
