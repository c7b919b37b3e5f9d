"""The most recent request, kept so that ``slmr redo`` can run it again on the other route.

One file, ``last_request.json`` in slmr's data dir, owner-only (0600), overwritten by every run:
it holds the text of that one request, never a history and never an answer. Turning
``ledger.keep_last_request`` off stops writing it and deletes the file.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from slmr.config import data_dir, ensure_private_dir
from slmr.errors import UsageError

FILE_NAME = "last_request.json"
VERSION = 1


@dataclass
class LastRequest:
    command: str
    task: str
    content: str
    instruction: str | None
    json: bool
    schema: dict[str, Any] | None
    #: the ledger id of the call whose answer the user saw last (the request's final attempt)
    call_id: int | None
    #: where that answer came from: True for the local model
    local: bool
    route: str
    decided_by: str
    prompt_sha256: str | None


def path(directory: Path | None = None) -> Path:
    return (directory or data_dir()) / FILE_NAME


def remember(last: LastRequest, *, keep: bool, directory: Path | None = None) -> None:
    """Store the request (atomically, 0600); with ``keep`` off, remove any stored one instead."""
    target = path(directory)
    if not keep:
        target.unlink(missing_ok=True)
        return
    ensure_private_dir(target.parent)
    tmp = target.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"version": VERSION, **asdict(last)}, fh, ensure_ascii=False)
    os.replace(tmp, target)


def recall(directory: Path | None = None) -> LastRequest:
    target = path(directory)
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(
            "there is no previous request to redo",
            "run a command first; slmr keeps only the last request, and only while ledger.keep_last_request is on",
        ) from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the last request ({target}): {exc}", "run the command again") from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise UsageError(f"the last request file {target} is from another slmr version", "run the command again")
    names = {f.name for f in fields(LastRequest)}
    try:
        return LastRequest(**{k: v for k, v in data.items() if k in names})
    except TypeError:
        raise UsageError(f"the last request file {target} is incomplete", "run the command again") from None
