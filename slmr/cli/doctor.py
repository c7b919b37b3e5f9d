"""slmr doctor: a checklist of what slmr needs, and the command that fixes each failure."""

from __future__ import annotations

import json as jsonlib

import typer

from slmr.cli import common

MARK = {"ok": "ok", "info": "--", "warn": "warn", "fail": "FAIL", "skip": "skip"}


def doctor(json: common.Json = False) -> None:
    """Check the set-up: local server and model, cloud key, ledger, config file, git hook, price table.

    Exits 0 when everything needed works (warnings included), otherwise with the first failed
    check's code: 2 config file or ledger, 3 local server or model, 4 cloud key. Keys are never printed.

    Examples:

        slmr doctor

        slmr doctor --json | jq '.checks[] | select(.status == "fail")'
    """
    from slmr import doctor as checks

    results = checks.run()
    code = checks.exit_code(results)
    console = common.console()
    if json:
        data = {"ok": code == 0, "exit_code": code, "checks": [c.as_dict() for c in results]}
        console.write(jsonlib.dumps(data, indent=2) + "\n")
    else:
        width = max(len(c.name) for c in results)
        lines = []
        for c in results:
            lines.append(f"{MARK[c.status]:<4}  {c.name:<{width}}  {c.detail}")
            if c.fix and c.status in ("fail", "warn", "info"):
                lines.append(f"{'':<4}  {'':<{width}}  fix: {c.fix}")
        console.write("\n".join(lines) + "\n")
        failed = sum(c.status == "fail" for c in results)
        if failed:
            console.error(f"{failed} check(s) failed")
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
