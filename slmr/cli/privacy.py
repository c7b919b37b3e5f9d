"""slmr privacy: the policy in force here, a secret scan of any text, and forgetting stored text."""

from __future__ import annotations

import json as jsonlib

import typer

from slmr import config, ledger, privacy, secrets
from slmr.cli import common
from slmr.errors import ExitCode
from slmr.inputs import read_content

app = typer.Typer(help="Privacy policy, secret scanning and stored text.", no_args_is_help=True)


@app.command("status")
def status(json: common.Json = False, local_only: common.LocalOnly = False) -> None:
    """Show the privacy mode and secrets policy in force in this directory, and where each comes from.

    Examples:

        slmr privacy status

        cd ~/clients/acme && slmr privacy status --json
    """
    policy = privacy.resolve(common.settings(common.policy_flags(local_only)))
    data = {
        "privacy": policy.privacy,
        "privacy_source": policy.privacy_source,
        "secrets": policy.secrets,
        "secrets_source": policy.secrets_source,
        "strict": policy.strict,
        "project_files": [str(p) for p in policy.project_files],
    }
    console = common.console()
    if json:
        console.write(jsonlib.dumps(data, indent=2) + "\n")
        return
    console.write(
        f"privacy  {policy.privacy}  ({policy.privacy_source})\n"
        f"secrets  {policy.secrets}  ({policy.secrets_source})\n"
        f"strict   {'on' if policy.strict else 'off'}\n"
    )


@app.command("scan")
def scan(files: common.Files = None) -> None:
    """Scan text for secrets the way the guard does before a cloud call; exit 6 when any are found.

    Prints one line per finding (file, line, kind), never the secret.

    Examples:

        slmr privacy scan .env.example

        git diff --cached | slmr privacy scan
    """
    console = common.console()
    sources = [(str(f), read_content([f], required=False)) for f in files] if files else []
    if not files:
        sources = [("stdin", read_content(None, required=True))]
    count = 0
    for name, text in sources:
        for finding in secrets.scan(text):
            count += 1
            console.write(f"{name}:{finding.line}: {finding.kind}\n")
    if count:
        console.info(f"{count} possible secret{'s' if count != 1 else ''} found")
        raise typer.Exit(int(ExitCode.POLICY))


@app.command("purge-text")
def purge_text() -> None:
    """Remove every stored prompt and response from the ledger; the figures (tokens, cost) stay.

    Text is stored only when ledger.store_text is on.

    Examples:

        slmr privacy purge-text
    """
    cleared = ledger.purge_text(config.ledger_path())
    common.console().info(f"removed stored text from {cleared} call{'s' if cleared != 1 else ''}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="privacy")
