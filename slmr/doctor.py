"""The checks behind ``slmr doctor``: is everything slmr needs in place, and if not, what fixes it.

Each check returns a :class:`Check` instead of raising, so one broken piece never hides the others.
A failed check carries the exit code the same failure would have in a real command (2 config or
ledger, 3 local server or model, 4 cloud key), and the doctor exits with the first one.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from slmr import config, pricing, probe
from slmr.backends.base import CLOUD_KEY_VARS, cloud_credential
from slmr.errors import ConfigError, ExitCode, SlmrError

OK, INFO, WARN, FAIL, SKIP = "ok", "info", "warn", "fail", "skip"
PRICE_MAX_AGE_DAYS = 90


@dataclass
class Check:
    name: str
    status: str  # ok | info | warn | fail | skip
    detail: str
    #: the command (or setting) that fixes a failure or a warning
    fix: str | None = None
    exit_code: int | None = None

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        if self.exit_code is None:
            data.pop("exit_code")
        return data


def check_config() -> tuple[Check, config.Settings]:
    path = config.config_path()
    try:
        settings = config.load()
    except ConfigError as exc:
        fallback = _settings_without_file()
        return Check(
            "config",
            FAIL,
            exc.message,
            fix=exc.hint or f"fix or remove {path}",
            exit_code=int(ExitCode.USAGE),
        ), fallback
    where = str(path) if path.exists() else f"{path} (not created yet: defaults in effect)"
    return Check("config", OK, where), settings


def _settings_without_file() -> config.Settings:
    """Defaults and environment, so the other checks still run when the file is broken."""
    try:
        return config.load(path=Path(os.devnull))
    except ConfigError:
        return config.Settings()


def check_local_server(settings: config.Settings, timeout: float) -> tuple[Check, probe.LocalServer | None]:
    backend = settings.local.backend
    if backend == "openai-compatible" and not settings.local.base_url:
        return Check(
            "local server",
            FAIL,
            "local.backend is openai-compatible but local.base_url is not set",
            fix="slmr config set local.base_url http://127.0.0.1:8080/v1",
            exit_code=int(ExitCode.LOCAL_UNAVAILABLE),
        ), None
    try:
        server = probe.local_server(settings, timeout)
    except probe.ProbeError as exc:
        if backend == "ollama":
            fix = "ollama serve  (or point OLLAMA_HOST / `slmr config set local.host` at the server)"
        else:
            fix = "start the server, or: slmr config set local.base_url URL"
        return Check("local server", FAIL, str(exc), fix=fix, exit_code=int(ExitCode.LOCAL_UNAVAILABLE)), None
    version = f" {server.version}" if server.version else ""
    return Check("local server", OK, f"{backend}{version} at {server.url}, {len(server.models)} model(s)"), server


def check_local_model(settings: config.Settings, server: probe.LocalServer | None, timeout: float) -> Check:
    model = settings.local.model
    if server is None:
        return Check("local model", SKIP, f"{model}: the server is not reachable")
    if server.backend == "openai-compatible":
        if probe.has_model(server, model):
            return Check("local model", OK, f"{model} is served")
        listed = ", ".join(m["name"] for m in server.models) or "nothing"
        return Check(
            "local model",
            WARN,
            f"{model} is not in the server's list ({listed}); single-model servers answer anyway",
            fix=f"slmr config set local.model {server.models[0]['name']}" if server.models else None,
        )
    if not probe.has_model(server, model):
        return Check(
            "local model",
            FAIL,
            f"{model} is not pulled on {server.url}",
            fix=f"ollama pull {model}  (or: slmr config set local.model NAME)",
            exit_code=int(ExitCode.LOCAL_UNAVAILABLE),
        )
    try:
        context = probe.ollama_context_length(settings, model, timeout)
    except probe.ProbeError as exc:
        return Check("local model", WARN, f"{model} is pulled, but its details are unavailable: {exc}")
    size = f", context {context:,} tokens" if context else ", context length not reported"
    return Check("local model", OK, f"{model}{size}")


def check_cloud_key(settings: config.Settings) -> Check:
    provider = settings.cloud.provider
    model = settings.cloud.resolved_model()
    names = CLOUD_KEY_VARS.get(provider, ())
    present = cloud_credential(provider)
    if present:
        # say which variable is set, never any part of its value
        return Check("cloud key", OK, f"{present} is set ({provider}, model {model})")
    other = "openai" if provider == "anthropic" else "anthropic"
    return Check(
        "cloud key",
        FAIL,
        f"{names[0] if names else 'no key variable'} is not set: create work cannot run on {provider}",
        fix=f"export {names[0]}=...  (or: slmr config set cloud.provider {other})",
        exit_code=int(ExitCode.CLOUD_ERROR),
    )


def _schema_version(path: Path) -> int:
    """Applied migrations, read without upgrading or locking the file (a doctor only looks)."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2)
    try:
        has_table = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_migrations'").fetchone()
        return int(db.execute("SELECT count(*) FROM _migrations").fetchone()[0]) if has_table else 0
    finally:
        db.close()


def check_ledger() -> Check:
    from slmr.ledger import SCHEMA_VERSION

    path = config.ledger_path()
    if not path.exists():
        parent = path.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if os.access(parent, os.W_OK | os.X_OK):
            return Check("ledger", OK, f"{path} (created on the first call; schema {SCHEMA_VERSION})")
        return Check(
            "ledger",
            FAIL,
            f"cannot create {path}: {parent} is not writable",
            fix="export SLMR_HOME=/a/writable/dir  (or fix the directory's permissions)",
            exit_code=int(ExitCode.USAGE),
        )
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)):
        return Check(
            "ledger",
            FAIL,
            f"{path} is not writable (the file and its directory must be, for SQLite's WAL)",
            fix=f"chmod u+w {path} {path.parent}",
            exit_code=int(ExitCode.USAGE),
        )
    try:
        version = _schema_version(path)
    except sqlite3.Error as exc:
        return Check(
            "ledger",
            FAIL,
            f"{path} cannot be read as SQLite: {exc}",
            fix=f"move it aside (mv {path} {path}.bad); a new one is created on the next call",
            exit_code=int(ExitCode.USAGE),
        )
    if version > SCHEMA_VERSION:
        return Check(
            "ledger",
            FAIL,
            f"{path} has schema {version}, newer than this slmr knows ({SCHEMA_VERSION})",
            fix="pip install -U slmr",
            exit_code=int(ExitCode.USAGE),
        )
    upgrade = "" if version == SCHEMA_VERSION else f"; upgraded to {SCHEMA_VERSION} on the next call"
    return Check("ledger", OK, f"{path}, writable, schema {version}{upgrade}")


def check_hook() -> Check:
    """The hook's state in the current repository, as ``slmr hook status`` reports it."""
    from slmr.errors import SlmrError
    from slmr.hooks import install

    try:
        report = install.status()
    except (SlmrError, OSError) as exc:
        return Check("git hook", SKIP, f"git could not say where the hooks are: {exc}")
    glob = report["global"]
    repo = report["repository"]
    assert isinstance(glob, dict)
    if not isinstance(repo, dict):
        where = f"; global hooks installed in {glob['directory']}" if glob["installed"] else ""
        return Check("git hook", SKIP, f"not inside a git repository{where}")
    hooks = repo["hooks"]
    ours = [h for h in hooks if h["state"] == "slmr"]
    scope = "slmr's global hooks" if repo["uses_global"] else repo["hooks_dir"]
    broken = [h for h in ours if not h.get("python_ok")]
    if broken:
        return Check(
            "git hook",
            WARN,
            f"{broken[0]['hook']} calls {broken[0].get('python')}, which is gone: the hook does nothing",
            fix="slmr hook install" + (" --global" if repo["uses_global"] else ""),
        )
    if install.active_here(report):
        return Check("git hook", OK, f"{', '.join(h['hook'] for h in ours)} installed ({scope})")
    if ours:
        missing = ", ".join(h["hook"] for h in hooks if h["state"] != "slmr")
        return Check("git hook", WARN, f"partly installed: {missing} missing ({scope})", fix="slmr hook install")
    others = [h["hook"] for h in hooks if h["state"] == "other"]
    extra = f"; other hooks present ({', '.join(others)}), which install would chain to" if others else ""
    return Check("git hook", INFO, f"not installed in this repository ({scope}){extra}", fix="slmr hook install")


def check_prices(today: date | None = None) -> Check:
    today = today or date.today()
    stamp = pricing.as_of()
    try:
        as_of = date.fromisoformat(stamp)
    except ValueError:
        return Check("prices", WARN, f"the price table has no valid date ({stamp!r})", fix="pip install -U slmr")
    age = (today - as_of).days
    if age > PRICE_MAX_AGE_DAYS:
        return Check(
            "prices",
            WARN,
            f"the price table is {age} days old (as of {stamp}); costs and savings may be off",
            fix="pip install -U slmr, or set current prices under [prices] in `slmr config path`",
        )
    return Check("prices", OK, f"as of {stamp} ({age} days old)")


def check_privacy(settings: config.Settings) -> Check:
    """The privacy mode and secrets policy in force in this directory, and where each comes from."""
    from slmr import privacy

    try:
        policy = privacy.resolve(settings)
    except SlmrError as exc:
        return Check("privacy", FAIL, exc.message, fix=exc.hint, exit_code=int(exc.exit_code))
    return Check(
        "privacy",
        OK if policy.privacy == privacy.LOCAL_ONLY else INFO,
        f"{policy.privacy} ({policy.privacy_source}); secrets {policy.secrets} ({policy.secrets_source})",
    )


def run(timeout: float = probe.TIMEOUT_S, today: date | None = None) -> list[Check]:
    config_check, settings = check_config()
    server_check, server = check_local_server(settings, timeout)
    return [
        config_check,
        server_check,
        check_local_model(settings, server, timeout),
        check_cloud_key(settings),
        check_privacy(settings),
        check_ledger(),
        check_hook(),
        check_prices(today),
    ]


def exit_code(checks: list[Check]) -> int:
    """The first failed check's code; 0 when nothing needed failed (warnings do not count)."""
    return next((c.exit_code or int(ExitCode.UNEXPECTED) for c in checks if c.status == FAIL), 0)
