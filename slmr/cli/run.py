"""The commands that run a model: rewrite, summarize, extract, ask, create."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from slmr import checks, pipeline, tasks
from slmr.cli import common
from slmr.errors import InputError, UsageError
from slmr.inputs import read_content, read_stdin, stdin_has_data

EXAMPLES = {
    "rewrite": "slmr rewrite < notes.md > notes.clean.md\n\n    slmr rewrite -i 'more formal' email.txt",
    "summarize": "git log -20 | slmr summarize\n\n    slmr summarize a.md b.md",
    "extract": "slmr extract -i 'action items' meeting.md\n\n    slmr extract --json -i 'names and dates' < notes.txt"
    "\n\n    slmr extract --schema people.schema.json -i 'people' < notes.txt",
}


Schema = Annotated[
    Path | None,
    typer.Option(
        "--schema",
        help="extract: the answer must be JSON matching this JSON Schema file (implies --json).",
        show_default=False,
    ),
]


def _reshape_command(name: str) -> typer.models.CommandFunctionType:
    task = tasks.get(name)

    def command(
        files: common.Files = None,
        instruction: common.Instruction = None,
        local: common.Local = False,
        cloud: common.Cloud = False,
        model: common.Model = None,
        json: common.Json = False,
        schema: Schema = None,
        local_only: common.LocalOnly = False,
        strict: common.Strict = False,
    ) -> None:
        force = common.force_from(local, cloud)
        if schema is not None and name != "extract":
            raise UsageError("--schema works with extract only", "slmr extract --schema FILE")
        # read the schema first: a broken schema file is the user's to fix before any model is asked
        loaded = checks.load_schema(schema) if schema is not None else None
        content = read_content(files, required=True)
        request = pipeline.Request(
            command=name,
            task=name,
            content=content,
            instruction=instruction,
            force=force,
            json=json,
            model=model,
            schema=loaded,
        )
        pipeline.run(request, common.settings(common.policy_flags(local_only, strict)), common.console())

    command.__name__ = name
    command.__doc__ = f"{task.help}\n\nExamples:\n\n    {EXAMPLES[name]}"
    return command


def _prompt_and_content(words: list[str] | None) -> tuple[str, str]:
    """``ask``/``create`` take the prompt from arguments, stdin, or both (stdin is then the content)."""
    prompt = " ".join(words or []).strip()
    content = read_stdin() if stdin_has_data() else ""
    if not prompt and not content.strip():
        raise InputError("no prompt", 'say what you want: slmr ask "…", or pipe the prompt in')
    if not prompt:
        return content, ""
    return prompt, content


Prompt = Annotated[
    list[str] | None, typer.Argument(help="The prompt. Piped stdin is added as content.", show_default=False)
]


def ask(
    prompt: Prompt = None,
    local: common.Local = False,
    cloud: common.Cloud = False,
    model: common.Model = None,
    local_only: common.LocalOnly = False,
    strict: common.Strict = False,
) -> None:
    """Ask anything: the router sends reshape work to the local model and create work to the frontier model.

    The decision (route, confidence, model) is printed on stderr; the answer alone goes to stdout.

    Examples:

        slmr ask "fix the typos in: teh quick brwon fox"

        git diff --cached | slmr ask "write a commit message for this"
    """
    force = common.force_from(local, cloud)
    text, content = _prompt_and_content(prompt)
    request = pipeline.Request(command="ask", task="ask", content=content, instruction=text, force=force, model=model)
    pipeline.run(request, common.settings(common.policy_flags(local_only, strict)), common.console())


def create(
    prompt: Prompt = None,
    local: common.Local = False,
    model: common.Model = None,
    local_only: common.LocalOnly = False,
    strict: common.Strict = False,
) -> None:
    """Create new content on the frontier model (Anthropic or OpenAI, as configured).

    Examples:

        slmr create "design a schema for a multi-tenant audit log"

        cat spec.md | slmr create "write the migration plan for this spec"
    """
    text, content = _prompt_and_content(prompt)
    request = pipeline.Request(
        command="create",
        task="create",
        content=content,
        instruction=text,
        force="local" if local else None,
        model=model,
    )
    pipeline.run(request, common.settings(common.policy_flags(local_only, strict)), common.console())


def register(app: typer.Typer) -> None:
    for name in ("rewrite", "summarize", "extract"):
        app.command(name)(_reshape_command(name))
    app.command("ask")(ask)
    app.command("create")(create)
