"""Privacy policy: whether text may leave the machine, and what must be taken out of it first.

The policy comes from the user (config ``[policy]``, ``SLMR_POLICY_*``, ``SLMR_LOCAL_ONLY=1``,
``--local-only``) and from every ``.slmr.toml`` found walking up from the working directory. A
project file can only tighten the user's policy: a client's repository can say "local-only" and
no setting of the user's can undo that for that tree.

The pipeline asks three things, each in one call:

- ``enforce_route``: the cloud is not allowed → run create work locally (notice) or refuse (strict);
- ``guard``: just before a cloud backend streams → refuse in local-only mode, then block or redact
  secrets in the outgoing text;
- ``cloud_allowed``: may escalation to the cloud happen at all?
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from slmr import secrets
from slmr.config import CHOICES, PolicySettings, Settings, config_path, read_file
from slmr.errors import ConfigError, PolicyBlocked

if TYPE_CHECKING:
    from slmr.backends.base import Backend, ChatRequest
    from slmr.console import Console

ALLOW, ASK, LOCAL_ONLY = "allow", "ask", "local-only"
#: least to most strict
PRIVACY_LEVELS: tuple[str, ...] = CHOICES["policy.privacy"]
SECRETS_LEVELS: tuple[str, ...] = ("allow", "redact", "block")
PROJECT_FILE = ".slmr.toml"
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Policy:
    privacy: str
    #: where the privacy mode comes from, for notices and ``slmr doctor``
    privacy_source: str
    secrets: str
    secrets_source: str
    strict: bool
    #: the .slmr.toml files that applied (nearest first)
    project_files: tuple[Path, ...] = field(default=())

    @property
    def cloud_allowed(self) -> bool:
        return self.privacy != LOCAL_ONLY


# --- resolving ---------------------------------------------------------------------------------


def project_files(start: Path | None = None) -> list[Path]:
    """Every ``.slmr.toml`` from the working directory up to the root, nearest first."""
    try:
        here = (start or Path.cwd()).resolve()
    except OSError:
        return []
    found = []
    for directory in (here, *here.parents):
        candidate = directory / PROJECT_FILE
        try:
            if candidate.is_file():
                found.append(candidate)
        except OSError:
            continue
    return found


def read_project_file(path: Path) -> dict[str, str]:
    """The policy keys of one ``.slmr.toml``: ``[policy]`` privacy/secrets, or ``local_only = true``.

    A file we cannot read or understand is an error, not an empty policy: failing open would send a
    client's code to the cloud because of a typo.
    """
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the project policy {path}: {exc}", "fix or remove that file") from None
    table: dict[str, Any] = dict(document.get("policy") or {}) if isinstance(document.get("policy"), dict) else {}
    for key in ("privacy", "secrets", "local_only"):
        if key in document and key not in table:
            table[key] = document[key]
    result: dict[str, str] = {}
    if table.get("local_only") is True or str(table.get("local_only", "")).lower() in _TRUE:
        result["privacy"] = LOCAL_ONLY
    for key, levels in (("privacy", PRIVACY_LEVELS), ("secrets", SECRETS_LEVELS)):
        if key not in table:
            continue
        value = table[key]
        if value not in levels:
            raise ConfigError(f"{path}: {key} must be one of {', '.join(levels)}, not {value!r}", "fix that file")
        if key not in result or _stricter(value, result[key], levels):
            result[key] = value
    return result


def _stricter(a: str, b: str, levels: tuple[str, ...]) -> bool:
    return levels.index(a) > levels.index(b)


def _user_source(key: str, value: str, default: str, environ: Mapping[str, str]) -> str:
    env = "SLMR_POLICY_" + key.upper()
    if environ.get(env) == value:
        return f"environment {env}"
    try:
        stored = (read_file(None).get("policy") or {}).get(key)
    except ConfigError:
        stored = None
    if stored == value:
        return f"config {config_path()}"
    if value != default:
        return "--local-only" if value == LOCAL_ONLY else "command line"
    return "default"


def resolve(settings: Settings, *, cwd: Path | None = None, environ: Mapping[str, str] | None = None) -> Policy:
    """The policy in force here: the user's settings, tightened by SLMR_LOCAL_ONLY and project files."""
    environ = os.environ if environ is None else environ
    defaults = PolicySettings()
    privacy = settings.policy.privacy
    privacy_source = _user_source("privacy", privacy, defaults.privacy, environ)
    if environ.get("SLMR_LOCAL_ONLY", "").strip().lower() in _TRUE and privacy != LOCAL_ONLY:
        privacy, privacy_source = LOCAL_ONLY, "environment SLMR_LOCAL_ONLY"
    level = settings.policy.secrets
    secrets_source = _user_source("secrets", level, defaults.secrets, environ)
    applied = []
    for path in project_files(cwd):
        project = read_project_file(path)
        if project:
            applied.append(path)
        if "privacy" in project and _stricter(project["privacy"], privacy, PRIVACY_LEVELS):
            privacy, privacy_source = project["privacy"], f"project {path}"
        if "secrets" in project and _stricter(project["secrets"], level, SECRETS_LEVELS):
            level, secrets_source = project["secrets"], f"project {path}"
    return Policy(privacy, privacy_source, level, secrets_source, settings.policy.strict, tuple(applied))


def effective_mode(settings: Settings, *, cwd: Path | None = None) -> tuple[str, str]:
    """(privacy mode, where it comes from), e.g. ("local-only", "project /src/client/.slmr.toml").

    For ``slmr doctor``; ``resolve`` gives the secrets policy too.
    """
    policy = resolve(settings, cwd=cwd)
    return policy.privacy, policy.privacy_source


def cloud_allowed(settings: Settings, *, cwd: Path | None = None) -> bool:
    """False in local-only mode: the cascade must not escalate to the cloud."""
    return resolve(settings, cwd=cwd).cloud_allowed


# --- routing -----------------------------------------------------------------------------------


def _ask_on_terminal(question: str) -> bool:
    """Ask on the controlling terminal (stdin may be the piped content); no terminal means no."""
    try:
        with open("/dev/tty", "r+", encoding="utf-8") as tty:
            tty.write(f"slmr: {question} [y/N] ")
            tty.flush()
            return tty.readline().strip().lower() in {"y", "yes"}
    except OSError:
        return False


#: how "ask" mode asks; tests replace it
confirm: Callable[[str], bool] = _ask_on_terminal

R = TypeVar("R")


def enforce_route(route: R, settings: Settings, console: Console) -> R:
    """The route to take under the privacy policy: unchanged, moved to the local model, or refused.

    ``route`` is a ``pipeline.Route`` (fields ``local``, ``decided_by``, ``reasons``).
    """
    if route.local:  # type: ignore[attr-defined]
        return route
    policy = resolve(settings)
    if policy.privacy == ALLOW:
        return route
    provider, model = settings.cloud.provider, settings.cloud.resolved_model()
    if policy.privacy == ASK and console.stderr_is_tty and confirm(f"send this to {provider} {model}?"):
        return route
    why = f"privacy is {policy.privacy} ({policy.privacy_source})"
    if policy.privacy == ASK:
        why = "the cloud call was not confirmed" + ("" if console.stderr_is_tty else " (no terminal to ask on)")
    if route.decided_by == "flag":  # type: ignore[attr-defined]
        raise PolicyBlocked(f"--cloud is not allowed: {why}", "drop --cloud to run on the local model")
    if policy.strict:
        raise PolicyBlocked(f"this is create work and {why}", "run without --strict to use the local model")
    console.info(f"{why}: running on the local model {settings.local.model}")
    reasons = [*route.reasons, f"privacy {policy.privacy}"]  # type: ignore[attr-defined]
    return dataclasses.replace(route, local=True, decided_by="policy", reasons=reasons)  # type: ignore[type-var]


# --- the guard before the cloud ----------------------------------------------------------------


def _where(content: str, offset: int, finding: secrets.Finding, index: int, origin: Mapping[str, str | None]) -> str:
    """A line number the user can find: in their input or prompt when the secret came from there."""
    for label, text in origin.items():
        if not text:
            continue
        start = content.find(text)
        if start >= 0 and start <= offset < start + len(text):
            return f"{label} line {text.count(chr(10), 0, offset - start) + 1}"
    return f"message {index + 1} line {finding.line}"


def guard(
    chat: ChatRequest,
    backend: Backend | str,
    settings: Settings,
    console: Console,
    origin: Mapping[str, str | None] | None = None,
) -> ChatRequest:
    """Check a request just before it goes to ``backend``; returns what may be sent.

    Local backends pass untouched (nothing leaves the machine). For a cloud backend: refused in
    local-only mode whoever asked for it; then secrets are blocked (exit 6, one line per finding
    with kind and line, never the value) or replaced by ``[REDACTED:kind]``, as the policy says.
    ``origin`` maps labels ("input", "prompt") to the user's texts, so line numbers point there.
    ``backend`` may be given by name alone (a cloud backend's, e.g. "anthropic").
    """
    if not isinstance(backend, str) and backend.local:
        return chat
    name = backend if isinstance(backend, str) else backend.name
    policy = resolve(settings)
    if not policy.cloud_allowed:
        raise PolicyBlocked(
            f"not sending anything to {name}: privacy is {policy.privacy} ({policy.privacy_source})",
            "run it locally with --local",
        )
    if policy.secrets == "allow":
        return chat
    found: list[tuple[int, list[secrets.Finding]]] = []
    for index, message in enumerate(chat.messages):
        findings = secrets.scan(message.content)
        if findings:
            found.append((index, findings))
    if not found:
        return chat
    lines = [
        f"{_where(chat.messages[i].content, f.start, f, i, origin or {})}: {f.kind}" for i, fs in found for f in fs
    ]
    count = len(lines)
    noun = "secret" if count == 1 else "secrets"
    if policy.secrets == "block":
        for line in lines:
            console.info(f"possible secret: {line}")
        raise PolicyBlocked(
            f"{count} possible {noun} in the text; nothing was sent to {name}",
            "run it locally with --local, remove them, or set policy.secrets = redact",
        )
    messages = list(chat.messages)
    for i, fs in found:
        messages[i] = dataclasses.replace(messages[i], content=secrets.redact(messages[i].content, fs))
    kinds = ", ".join(sorted({f.kind for _, fs in found for f in fs}))
    console.warn(f"redacted {count} possible {noun} ({kinds}) before sending to {name}")
    return dataclasses.replace(chat, messages=messages)


# --- files only the owner can read -------------------------------------------------------------


def write_private(path: Path, data: str | bytes) -> None:
    """Write a file atomically, owner-only (0600) in an owner-only directory (0700 when we create it).

    For anything slmr stores besides the config and the ledger (the hook's fallback files, say):
    the permissions do not depend on the umask of whoever runs slmr (git runs hooks with the user's).
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def known_key_values(settings: Settings | None = None, environ: Mapping[str, str] | None = None) -> list[str]:
    """API key values slmr knows of, so error messages can be scrubbed of them."""
    environ = os.environ if environ is None else environ
    values = [environ.get(name, "") for name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "SLMR_LOCAL_API_KEY")]
    if settings is not None and settings.local.api_key:
        values.append(settings.local.api_key)
    return [v for v in values if v]
