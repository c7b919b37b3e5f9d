"""man/slmr.1: the COMMANDS, ENVIRONMENT overrides and EXIT STATUS sections come from the CLI
definition, the config keys and the exit-code table; the prose sections are written here.

click-man would need the click package, and typer vendors its own copy; the page is small enough
that a generator of our own, with no terminal-width dependence, is simpler than adapting one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from slmr import __version__, config
from slmr.devtools import clitree
from slmr.errors import EXIT_CODE_HELP

# --- roff helpers ---------------------------------------------------------------------------------


def esc(text: str) -> str:
    """Escape text for roff: backslashes, hyphens that are options, and control characters at line start."""
    # a hyphen that starts a word is an option's or a number's minus sign; inside a word it stays a hyphen
    text = re.sub(r"(?<!\w)-", r"\\-", text.replace("\\", "\\e"))
    # groff reads its input as Latin-1 unless preconv runs: spell every other character as \[uXXXX]
    text = "".join(ch if ord(ch) < 128 else f"\\[u{ord(ch):04X}]" for ch in text)
    lines = []
    for line in text.split("\n"):
        if line[:1] in (".", "'"):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def code(text: str) -> str:
    """A command or path in bold, with roff escapes."""
    return f"\\fB{esc(text)}\\fR"


def _inline(text: str) -> str:
    """Escape prose and turn `backticks` into bold."""
    parts = re.split(r"`([^`]+)`", text)
    return "".join(code(p) if i % 2 else esc(p) for i, p in enumerate(parts))


def paragraphs(text: str) -> list[str]:
    """Help text (a docstring) as roff: prose paragraphs, and indented lines as example blocks."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.split("\n")
        if all(line.startswith("    ") for line in lines if line.strip()):
            out.append(".PP\n.RS 4\n.nf\n" + esc("\n".join(line[4:] for line in lines)) + "\n.fi\n.RE")
        else:
            out.append(".PP\n" + _inline(" ".join(line.strip() for line in lines)))
    return out


# --- generated sections ---------------------------------------------------------------------------


def _metavar(param: Any) -> str:
    choices = clitree.choices(param)
    if choices:
        return "{" + "|".join(choices) + "}"
    if getattr(param, "metavar", None):
        return str(param.metavar)
    return (param.name or "value").upper()


def _usage(node: clitree.Node) -> str:
    pieces = [" ".join(node.path)]
    if node.params() and any(clitree.is_option(p) for p in node.params()):
        pieces.append("[OPTIONS]")
    for p in node.params():
        if clitree.is_option(p):
            continue
        name = _metavar(p)
        if p.nargs == -1:
            name += "..."
        pieces.append(name if p.required else f"[{name}]")
    if node.is_group:
        pieces.append("COMMAND [ARGS]...")
    return " ".join(pieces)


def _param_entry(param: Any, ctx: Any) -> str:
    if clitree.is_option(param):
        names = ", ".join(code(o) for o in clitree.option_names(param, ctx))
        head = names if param.is_flag or param.count else f"{names} \\fI{esc(_metavar(param))}\\fR"
    else:
        head = f"\\fI{esc(_metavar(param))}\\fR"
    body = _inline(" ".join((getattr(param, "help", None) or "").split()))
    return f".TP\n{head}\n{body}" if body else f".TP\n{head}"


def commands_section(root: clitree.Node) -> str:
    out = [".SH COMMANDS"]
    for node in root.walk():
        if node is root or node.command.hidden:
            continue
        out.append(f'.SS "{esc(_usage(node))}"')
        out.extend(paragraphs(clitree.help_text(node.command) or node.command.get_short_help_str()))
        params = [p for p in node.params() if not getattr(p, "hidden", False) and p.name != "help"]
        for p in params:
            out.append(_param_entry(p, node.ctx))
    return "\n".join(out)


def global_options(root: clitree.Node) -> str:
    entries = [_param_entry(p, root.ctx) for p in root.params() if not getattr(p, "hidden", False)]
    return "\n".join([".SH OPTIONS", *entries])


def environment_section() -> str:
    out = [".SH ENVIRONMENT"]
    for name, text in ENVIRONMENT:
        out.append(f".TP\n{code(name)}\n{_inline(text)}")
    overrides = [f"SLMR_{key.replace('.', '_').upper()}" for key in config.all_keys()]
    out.append(
        ".TP\n"
        + code("SLMR_<SECTION>_<KEY>")
        + "\n"
        + _inline(
            "Any config key, for one run: `SLMR_LOCAL_MODEL=qwen2.5:3b slmr rewrite ...` beats the config file. "
            "Flags beat the environment. The variables are:"
        )
        + "\n.RS\n.nf\n"
        + esc("\n".join(overrides))
        + "\n.fi\n.RE"
    )
    return "\n".join(out)


def exit_status_section() -> str:
    out = [".SH EXIT STATUS"]
    for code_, text in sorted(EXIT_CODE_HELP.items()):
        out.append(f".TP\n.B {int(code_)}\n{esc(text[:1].upper() + text[1:])}.")
    return "\n".join(out)


# --- written sections -----------------------------------------------------------------------------

NAME = "slmr \\- route everyday developer prompts to a local or a frontier model, and keep a ledger of the cost"

DESCRIPTION = """
slmr classifies each prompt as reshape or create and runs it on the model that suits it.

Reshape work transforms text the user already has: rewrite, fix grammar or tone, summarize, extract action items, \
clean up a commit message. The content is the user's; the model only changes its form, so a small local model \
(Ollama, or any OpenAI-compatible local server such as llama-server) does it well, for free and without the text \
leaving the machine.

Create work asks for something new: design, explain, write code or a plan from a description. It goes to the \
configured frontier model (Anthropic or OpenAI).

`slmr ask` lets the router decide; `slmr route` shows its decision and reasons without running anything; \
`--local` and `--cloud` override it. The answer alone goes to standard output, so slmr composes in pipes; \
progress, the routing decision and errors go to standard error.

Every model call, successful or not, is recorded in a SQLite ledger: tokens, latency, cost at the prices in \
effect, and the baseline cost the same tokens would have had on the frontier model. `slmr spend` reports spend and \
savings over a period.
"""

FILES = [
    (
        "~/.config/slmr/config.toml",
        "The config file (TOML), in the platform's user config directory ($XDG_CONFIG_HOME/slmr on Linux, "
        "~/Library/Application Support/slmr on macOS), or $SLMR_HOME/config.toml when SLMR_HOME is set. "
        "It need not exist: slmr runs on its defaults. `slmr config path` prints where it is; "
        "`slmr config set` writes it (mode 0600).",
    ),
    (
        "~/.local/share/slmr/ledger.db",
        "The ledger (SQLite, WAL mode), in the platform's user data directory ($XDG_DATA_HOME/slmr on Linux), "
        "or $SLMR_HOME/ledger.db. Created owner-only on the first call.",
    ),
    (
        "~/.local/share/slmr/.first-run-notice",
        "Marks that the one-time notice about the missing config file has been shown.",
    ),
    (
        "$GIT_DIR/hooks/prepare-commit-msg, $GIT_DIR/hooks/commit-msg",
        "The git hooks `slmr hook install` writes, in the repository's hooks directory "
        "(`git rev-parse --git-path hooks`; core.hooksPath and worktrees are respected). A hook that was "
        "there before is kept as NAME.pre-slmr and run first. `slmr hook status` and `slmr doctor` report "
        "the state in the current repository.",
    ),
    (
        "~/.local/share/slmr/hooks/",
        "The hooks directory of `slmr hook install --global`, set as the global core.hooksPath "
        "($SLMR_HOME/hooks when SLMR_HOME is set).",
    ),
    (
        "share/bash-completion/completions/slmr.bash, share/zsh/site-functions/_slmr, "
        "share/fish/vendor_completions.d/slmr.fish, share/man/man1/slmr.1",
        "Shell completions and this page, installed under the Python environment's prefix.",
    ),
]

ENVIRONMENT = [
    (
        "SLMR_HOME",
        "A directory holding both config.toml and ledger.db, instead of the platform directories. "
        "Useful for scripts, tests and separate profiles.",
    ),
    (
        "OLLAMA_HOST",
        "The Ollama server (default http://127.0.0.1:11434); beats local.host in the config file.",
    ),
    (
        "ANTHROPIC_API_KEY",
        "The Anthropic API key (or ANTHROPIC_AUTH_TOKEN), read when cloud.provider is anthropic. "
        "slmr never stores or prints it.",
    ),
    ("ANTHROPIC_BASE_URL", "Another endpoint for the Anthropic API; beats cloud.anthropic_base_url."),
    ("OPENAI_API_KEY", "The OpenAI API key, read when cloud.provider is openai. slmr never stores or prints it."),
    ("OPENAI_BASE_URL", "Another endpoint for the OpenAI API; beats cloud.openai_base_url."),
    ("NO_COLOR", "When set (to anything), no colour or styling on the terminal."),
    ("SLMR_DEBUG", "When set, an unexpected error shows its full traceback instead of one line."),
    (
        "XDG_CONFIG_HOME, XDG_DATA_HOME",
        "Where the config file and the ledger live on Linux when SLMR_HOME is not set.",
    ),
]

EXAMPLES = [
    ("Clean up notes through a pipe; the answer alone reaches the file:", "slmr rewrite < notes.md > notes.clean.md"),
    ("Summarize what changed, on the local model:", "git log -20 --stat | slmr summarize"),
    ("Let the router decide, with the diff as content:", 'git diff --cached | slmr ask "write a commit message"'),
    ("See where a prompt would go, and why, as JSON:", 'slmr route --json "design a rate limiter"'),
    ("Clean every commit message in this repository on the local model:", "slmr hook install"),
    (
        "What was spent and saved this week, and this month as JSON:",
        "slmr spend --week\nslmr spend --json | jq .saved_usd",
    ),
    (
        "Use another local model for one command, then for good:",
        "slmr summarize -m qwen2.5:3b < log.txt\nslmr config set local.model qwen2.5:3b",
    ),
    (
        "Check the set-up, for people or for scripts:",
        "slmr doctor\nslmr doctor --json | jq '.checks[] | select(.status == \"fail\")'",
    ),
]

SEE_ALSO = "\\fBollama\\fR(1), \\fBgit\\fR(1), \\fBgithooks\\fR(5)"


def render() -> str:
    root = clitree.tree()
    parts = [
        f'.TH SLMR 1 "" "slmr {esc(__version__)}" "User Commands"',
        ".nh",  # no hyphenation: words and commands stay whole for copy and paste
        '.\\" ' + "generated by `python -m slmr.devtools` from slmr's CLI definition: do not edit",
        ".SH NAME",
        NAME,
        ".SH SYNOPSIS",
        ".B slmr\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
        ".SH DESCRIPTION",
        *paragraphs(DESCRIPTION),
        global_options(root),
        commands_section(root),
        ".SH FILES",
        *(f".TP\n{code(path)}\n{_inline(text)}" for path, text in FILES),
        environment_section(),
        exit_status_section(),
        ".SH EXAMPLES",
        *(f".PP\n{_inline(text)}\n.PP\n.RS 4\n.nf\n{esc(cmd)}\n.fi\n.RE" for text, cmd in EXAMPLES),
        ".SH SEE ALSO",
        SEE_ALSO,
    ]
    return "\n".join(parts) + "\n"


def outputs(root: Path) -> dict[Path, str]:
    return {root / "man" / "slmr.1": render()}
