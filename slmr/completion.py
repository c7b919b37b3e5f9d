"""Shell completion: the values slmr offers at <TAB>, and the fast path that answers the shell.

The completion scripts in ``completions/`` are typer's own (``slmr.devtools`` generates them). They
run ``_SLMR_COMPLETE=complete_<shell> slmr`` at every <TAB>. Answering that through typer means
importing typer and building the whole command tree: about as long as the 100 ms budget on its own.
So the console script (``slmr.entry``) hands those requests to :func:`answer`, which replays typer's
completion rules (the vendored click ``_resolve_context`` / ``_resolve_incomplete`` / ``shell_complete``
and typer's bash, zsh and fish output formats) over a snapshot of the command tree,
``slmr/data/cli_spec.json``, generated from the typer app alongside the scripts. A test checks the
snapshot is fresh and that this path answers exactly what typer answers for the same command lines.

The value sources below are plain functions of the incomplete word: the typer app attaches them to
its parameters with ``autocompletion=``, and the fast path calls the same functions. They read only
the config file and the shipped price table: never the network, never an SDK.
"""

from __future__ import annotations

import json
import os
import sys

# typing is only for annotations (strings here): importing it would cost every <TAB> a few ms
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

# os.path rather than pathlib: this module is on the <TAB> path, where every import counts
SPEC_PATH = os.path.join(os.path.dirname(__file__), "data", "cli_spec.json")
COMPLETE_VAR = "_SLMR_COMPLETE"

Item = tuple[str, str]  # (value, help)


# --- value sources --------------------------------------------------------------------------------


def _settings() -> Any:
    from slmr import config

    try:
        return config.load()
    except Exception:
        # a broken config file must not break <TAB>: fall back to the defaults
        return config.Settings()


def _plain(text: str) -> str:
    # typer renders zsh/fish help through rich markup: keep dynamic help free of "[" so it stays literal
    return text.replace("[", "(").replace("]", ")")


def complete_model(incomplete: str) -> list[Item]:
    """Model names: the configured local and frontier models, then every model in the price table."""
    from slmr import config, pricing

    settings = _settings()
    found: dict[str, str] = {}
    found[settings.local.model] = "local model (configured)"
    found[settings.cloud.resolved_model()] = f"frontier model (configured, {settings.cloud.provider})"
    for provider, model in config.DEFAULT_CLOUD_MODELS.items():
        found.setdefault(model, f"default frontier model for {provider}")
    try:
        prices = pricing.table(settings.prices)
    except Exception:
        prices = {}
    for name, price in prices.items():
        found.setdefault(name, f"${price.input:g} in / ${price.output:g} out per Mtok")
    return [(name, _plain(help_)) for name, help_ in found.items() if name.startswith(incomplete)]


def complete_task(incomplete: str) -> list[Item]:
    """Task names from the task table, with their one-line help."""
    from slmr.tasks import TASKS

    return [(name, _plain(task.help)) for name, task in TASKS.items() if name.startswith(incomplete)]


def complete_config_key(incomplete: str) -> list[Item]:
    """Every settable config key (``slmr config set <TAB>``)."""
    from slmr import config

    return [(key, "") for key in config.all_keys() if key.startswith(incomplete)]


def complete_config_value(ctx: object, incomplete: str) -> list[Item]:
    """Values for the key already typed: its choices, true/false, or model names.

    ``ctx`` is typer's click context, or the fast path's stand-in: only its ``params`` are read. (Its
    annotation must resolve at runtime, where typer inspects it, so it is not a Protocol from typing.)
    """
    from slmr import config

    key = str((getattr(ctx, "params", None) or {}).get("key") or "")
    if key in config.CHOICES:
        values = [(choice, "") for choice in config.CHOICES[key]]
    elif key.endswith(".model"):
        values = complete_model(incomplete)
    else:
        try:
            section, name = key.split(".", 1)
            is_bool = config._base_types(config._field_type(section, name))[0] is bool
        except Exception:
            is_bool = False
        values = [("true", ""), ("false", "")] if is_bool else []
    return [(v, h) for v, h in values if v.startswith(incomplete)]


#: the names the spec uses for the sources above (``slmr.devtools`` maps each parameter to one)
SOURCES: dict[str, Callable[..., list[Item]]] = {
    "model": complete_model,
    "task": complete_task,
    "config_key": complete_config_key,
    "config_value": complete_config_value,
}


# --- the fast path: typer's completion rules over the spec ----------------------------------------


class _Stop(Exception):
    """The parser gave up (unknown option, missing value): click keeps what it parsed so far."""


class _Ctx:
    """What completion needs of a click context: the command, the parsed values and their source."""

    def __init__(self, command: dict[str, Any]) -> None:
        self.command = command
        self.params: dict[str, Any] = {}
        self.from_command_line: set[str] = set()
        self.args: list[str] = []
        self.protected: list[str] = []


def _unpack(args: list[str], nargs_spec: list[int]) -> tuple[list[Any], list[str]]:
    """click's ``_unpack_args`` for the shapes slmr uses (at most one nargs=-1)."""
    rest = list(args)
    values: list[Any] = []
    star = next((i for i, n in enumerate(nargs_spec) if n < 0), None)
    tail = nargs_spec[star + 1 :] if star is not None else []
    head = nargs_spec[:star] if star is not None else nargs_spec
    for n in head:
        if n == 1:
            values.append(rest.pop(0) if rest else None)
        else:
            values.append(tuple(rest.pop(0) if rest else None for _ in range(n)))
    if star is None:
        return values, rest
    tail_values: list[Any] = []
    for n in reversed(tail):
        if n == 1:
            tail_values.append(rest.pop() if rest else None)
        else:
            chunk = [rest.pop() if rest else None for _ in range(n)]
            tail_values.append(tuple(reversed(chunk)))
    values.append(tuple(rest))
    values.extend(reversed(tail_values))
    return values, []


def _parse(ctx: _Ctx, args: list[str]) -> None:
    """click's ``_OptionParser.parse_args`` in resilient mode, then a group's split of the rest."""
    command = ctx.command
    params = command["params"]
    longs: dict[str, dict[str, Any]] = {}
    shorts: dict[str, dict[str, Any]] = {}
    prefixes = {"-", "--"}
    for p in params:
        if p["kind"] != "option":
            continue
        for opt in [*p["opts"], *p["secondary_opts"]]:
            prefix = opt[:2] if opt[1:2] == opt[:1] else opt[:1]
            prefixes.add(prefix)
            (shorts if len(prefix) == 1 and len(opt) == 2 else longs)[opt] = p
    interspersed = not command["group"]
    rargs, largs = list(args), []

    def take(option: dict[str, Any], name: str) -> None:
        if option["is_flag"] or option["count"]:
            ctx.from_command_line.add(option["name"])
            return
        nargs = option["nargs"]
        if len(rargs) < nargs:
            raise _Stop()
        value = rargs.pop(0) if nargs == 1 else tuple(rargs[:nargs])
        if nargs != 1:
            del rargs[:nargs]
        ctx.params[option["name"]] = value
        ctx.from_command_line.add(option["name"])

    def short(arg: str) -> None:
        prefix = arg[0]
        for i, ch in enumerate(arg[1:], start=2):
            option = shorts.get(prefix + ch)
            if option is None:
                raise _Stop()
            if not (option["is_flag"] or option["count"]) and i < len(arg):
                rargs.insert(0, arg[i:])
                take(option, prefix + ch)
                return
            take(option, prefix + ch)

    try:
        while rargs:
            arg = rargs.pop(0)
            if arg == "--":
                break
            if arg[:1] in prefixes and len(arg) > 1:
                name, eq, value = arg.partition("=")
                if name in longs:
                    if eq:
                        if longs[name]["is_flag"] or longs[name]["count"]:
                            raise _Stop()
                        rargs.insert(0, value)
                    take(longs[name], name)
                elif arg[:2] in prefixes:
                    raise _Stop()
                else:
                    short(arg)
            elif interspersed:
                largs.append(arg)
            else:
                rargs.insert(0, arg)
                break
        arguments = [p for p in params if p["kind"] == "argument"]
        values, rest = _unpack(largs + rargs, [p["nargs"] for p in arguments])
        for p, value in zip(arguments, values, strict=True):
            if value is None or value == ():
                continue
            ctx.params[p["name"]] = value
            ctx.from_command_line.add(p["name"])
        largs = rest
    except _Stop:
        pass
    if command["group"]:
        ctx.protected, ctx.args = largs[:1], largs[1:]
    else:
        ctx.args = largs


def _resolve_context(root: dict[str, Any], args: list[str]) -> _Ctx:
    ctx = _Ctx(root)
    _parse(ctx, args)
    rest = ctx.protected + ctx.args
    while rest and ctx.command["group"]:
        sub = ctx.command["commands"].get(rest[0])
        if sub is None:
            return ctx
        ctx = _Ctx(sub)
        _parse(ctx, rest[1:])
        rest = ctx.protected + ctx.args
    return ctx


def _is_option_start(value: str) -> bool:
    return bool(value) and value[0] == "-"


def _resolve_incomplete(ctx: _Ctx, args: list[str], incomplete: str) -> tuple[dict[str, Any] | None, str]:
    """The parameter whose value is being completed (None: the command itself), and the word."""
    if incomplete == "=":
        incomplete = ""
    elif "=" in incomplete and _is_option_start(incomplete):
        name, _, incomplete = incomplete.partition("=")
        args = [*args, name]
    if "--" not in args and _is_option_start(incomplete):
        return None, incomplete
    params = ctx.command["params"]
    for p in params:
        if p["kind"] == "option" and not (p["is_flag"] or p["count"]):
            last = None
            for index, arg in enumerate(reversed(args)):
                if index + 1 > p["nargs"]:
                    break
                if _is_option_start(arg):
                    last = arg
                    break
            if last is not None and last in p["opts"]:
                return p, incomplete
    for p in params:
        if p["kind"] == "argument" and (p["nargs"] == -1 or p["name"] not in ctx.from_command_line):
            return p, incomplete
    return None, incomplete


def _source_values(spec: Mapping[str, Any], ctx: _Ctx, source: str, incomplete: str) -> list[Any]:
    """A source's values: precomputed in the spec when they do not depend on the user's config."""
    static = spec.get("values", {})
    if source == "config_value":
        table = static.get("config_value", {})
        key = str(ctx.params.get("key") or "")
        if key in table:
            return table[key]
        return complete_config_value(ctx, incomplete)
    if source in static:
        return static[source]
    return SOURCES[source](incomplete)


def _param_items(
    spec: Mapping[str, Any], ctx: _Ctx, param: dict[str, Any], incomplete: str
) -> list[tuple[str, str | None, str]]:
    """(value, help, type) like the CompletionItems typer's parameters return."""
    source = param.get("complete")
    if source:
        raw = _source_values(spec, ctx, source, incomplete)
        return [(value, help_ or None, "plain") for value, help_ in raw if value.startswith(incomplete)]
    if param.get("choices") is not None:
        if param.get("case_sensitive", True):
            return [(c, None, "plain") for c in param["choices"] if c.startswith(incomplete)]
        low = incomplete.lower()
        return [(c, None, "plain") for c in param["choices"] if c.lower().startswith(low)]
    if param.get("file"):
        return [(incomplete, None, "file")]
    return []


def _command_items(ctx: _Ctx, incomplete: str) -> list[tuple[str, str | None, str]]:
    command = ctx.command
    items: list[tuple[str, str | None, str]] = []
    if command["group"]:
        for name, sub in command["commands"].items():
            if name.startswith(incomplete) and not sub["hidden"]:
                items.append((name, sub["short_help"], "plain"))
    if incomplete and not incomplete[0].isalnum():
        for p in command["params"]:
            if p["kind"] != "option" or p["hidden"]:
                continue
            if not p["multiple"] and p["name"] in ctx.from_command_line:
                continue
            items.extend(
                (name, p["help"], "plain") for name in [*p["opts"], *p["secondary_opts"]] if name.startswith(incomplete)
            )
    return items


def completions(spec: Mapping[str, Any], args: list[str], incomplete: str) -> list[tuple[str, str | None, str]]:
    """What typer's ``ShellComplete.get_completions(args, incomplete)`` returns, for the spec's command tree."""
    ctx = _resolve_context(dict(spec["root"]), list(args))
    param, incomplete = _resolve_incomplete(ctx, list(args), incomplete)
    if param is None:
        return _command_items(ctx, incomplete)
    return _param_items(spec, ctx, param, incomplete)


# --- the shells' side of the protocol (typer's _completion_classes) ------------------------------


def _split(text: str) -> list[str]:
    """click's ``split_arg_string``: shlex, tolerant of an unfinished quote."""
    import shlex

    lex = shlex.shlex(text, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    out: list[str] = []
    try:
        out.extend(lex)
    except ValueError:
        out.append(lex.token)
    return out


def _args_from_line(environ: Mapping[str, str]) -> tuple[list[str], str]:
    line = environ.get("_TYPER_COMPLETE_ARGS", "")
    words = _split(line)
    args = words[1:]
    if args and not line.endswith(" "):
        return args[:-1], args[-1]
    return args, ""


def _zsh_escape(s: str) -> str:
    return s.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")


def render(spec: Mapping[str, Any], shell: str, environ: Mapping[str, str]) -> tuple[str | None, int]:
    """The text to print and the exit status, for one ``complete_<shell>`` request."""
    if shell == "bash":
        words = _split(environ.get("COMP_WORDS", ""))
        cword = int(environ.get("COMP_CWORD", "0") or 0)
        args, incomplete = words[1:cword], (words[cword] if cword < len(words) else "")
        items = completions(spec, args, incomplete)
        return "\n".join(value for value, _, _ in items), 0
    args, incomplete = _args_from_line(environ)
    items = completions(spec, args, incomplete)
    if shell == "zsh":
        if not items:
            return "_files", 0
        lines = [f'"{_zsh_escape(v)}":"{_zsh_escape(h)}"' if h else f'"{_zsh_escape(v)}"' for v, h, _ in items]
        return "_arguments '*: :((" + "\n".join(lines) + "))'", 0
    # fish
    action = environ.get("_TYPER_COMPLETE_FISH_ACTION", "")
    if action == "is-args":
        return None, 0 if items else 1
    if action == "get-args" and items:
        import re

        space = re.compile(r"\s")
        return "\n".join(f"{v}\t{space.sub(' ', h)}" if h else v for v, h, _ in items), 0
    return "", 0


def load_spec(path: str = SPEC_PATH) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def answer(environ: Mapping[str, str] | None = None) -> int | None:
    """Answer a ``complete_<shell>`` request from the spec; None when typer must answer instead.

    The spec is used only when it was generated for this version of slmr, so an out-of-date
    snapshot can cost speed, never correctness.
    """
    from slmr import __version__

    environ = os.environ if environ is None else environ
    instruction = environ.get(COMPLETE_VAR, "")
    action, _, shell = instruction.partition("_")
    if action != "complete" or shell not in ("bash", "zsh", "fish"):
        return None
    spec = load_spec()
    if spec is None or spec.get("version") != __version__:
        return None
    text, status = render(spec, shell, environ)
    if text is not None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    return status
