"""Settings: defaults < config file < environment < flags.

The config file is TOML in the platformdirs user config dir, or ``$SLMR_HOME/config.toml`` when
``SLMR_HOME`` is set (then the ledger lives there too: tests and scripts rely on it).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slmr.errors import ConfigError

APP_NAME = "slmr"

DEFAULT_LOCAL_MODEL = "llama3.2:3b"
DEFAULT_CLOUD_MODELS = {"anthropic": "claude-opus-5-5", "openai": "gpt-6.2-astra"}
CLOUD_PROVIDERS = tuple(DEFAULT_CLOUD_MODELS)
LOCAL_BACKENDS = ("ollama", "openai-compatible")


@dataclass
class LocalSettings:
    backend: str = "ollama"
    model: str = DEFAULT_LOCAL_MODEL
    #: Ollama host; ``OLLAMA_HOST`` overrides it, the ollama default (127.0.0.1:11434) applies when unset
    host: str | None = None
    #: for ``backend = "openai-compatible"``: the server's base URL, e.g. http://127.0.0.1:8080/v1
    base_url: str | None = None
    api_key: str | None = None
    timeout_s: float = 300.0
    #: the largest context window slmr asks the local model for (memory grows with it)
    num_ctx_max: int = 32768
    #: the smallest window slmr asks for; raise it to keep one size (Ollama reloads a model when it changes)
    num_ctx_min: int = 4096
    #: the model's window when the server cannot be asked (OpenAI-compatible servers); empty: ask Ollama
    context_length: int | None = None
    #: the most input tokens one chunk of a long input holds (smaller chunks suit small models)
    chunk_tokens: int = 8000
    #: longer inputs than this many chunks go to the frontier model instead
    max_chunks: int = 64
    #: when a local answer fails its checks after one retry: "auto" escalates, "ask" asks on a terminal
    escalate: str = "ask"
    #: when the local model cannot be reached: "fail" (exit 3) or "cloud" (use the frontier model)
    unavailable: str = "fail"
    #: what a local call costs you in electricity, USD per 1,000 tokens (input and output); unset means 0
    energy_usd_per_1k_tokens: float | None = None
    #: openai-compatible servers: the most tokens one answer may take (small models can ramble on to the
    #: end of the context, or forever where the server shifts the context)
    max_tokens: int = 4096


@dataclass
class CloudSettings:
    provider: str = "anthropic"
    #: the frontier model; empty means the provider's default (see ``DEFAULT_CLOUD_MODELS``)
    model: str | None = None
    anthropic_base_url: str | None = None
    openai_base_url: str | None = None
    timeout_s: float = 600.0
    max_retries: int = 2
    max_tokens: int = 8192

    def resolved_model(self) -> str:
        return self.model or DEFAULT_CLOUD_MODELS.get(self.provider, DEFAULT_CLOUD_MODELS["anthropic"])


@dataclass
class RouterSettings:
    #: P(create) at or above this goes to the frontier model; unset means the fitted default in router.json
    threshold: float | None = None
    #: half-width of the unsure band around the threshold, where ``unsure_policy`` decides
    unsure_margin: float = 0.05
    #: in the unsure band: "cloud" (escalate), "local", or "judge" (the local model answers reshape/create)
    unsure_policy: str = "cloud"
    #: the local model's usable context window in tokens; longer inputs route to create (unset: 8192)
    context_tokens: int | None = None


@dataclass
class LedgerSettings:
    #: store prompt and response text in the ledger (off: only a SHA-256 of the prompt is kept)
    store_text: bool = False
    #: keep the most recent request (its text too) in a private file so `slmr redo` can re-run it
    keep_last_request: bool = True


@dataclass
class BudgetSettings:
    monthly_usd: float | None = None
    hard: bool = False


@dataclass
class HookSettings:
    #: "apply" rewrites the message, "suggest" only shows the cleaned one, "off" does nothing
    mode: str = "apply"
    #: the whole model call, start to finish; past it the message is kept as written
    timeout_s: float = 15.0
    #: leave messages given with -m/-F alone (they were typed deliberately, often by scripts)
    skip_message_flag: bool = False
    #: also clean messages reused from a commit (-c, -C, --amend); off: they are left alone
    clean_amend: bool = False
    #: also clean merge and squash messages (git writes most of those itself)
    clean_merge: bool = False
    #: also clean during rebases, cherry-picks and reverts (off: history being replayed is left alone)
    clean_rebase: bool = False


@dataclass
class PolicySettings:
    #: "allow": the router may use the cloud; "ask": confirm each cloud call; "local-only": never
    privacy: str = "allow"
    #: what a cloud call does with secrets in its text: "block", "redact" or "allow"
    secrets: str = "block"
    #: refuse (exit 6) instead of running create work locally when the cloud is not allowed
    strict: bool = False


@dataclass
class Settings:
    local: LocalSettings = field(default_factory=LocalSettings)
    cloud: CloudSettings = field(default_factory=CloudSettings)
    router: RouterSettings = field(default_factory=RouterSettings)
    ledger: LedgerSettings = field(default_factory=LedgerSettings)
    budget: BudgetSettings = field(default_factory=BudgetSettings)
    hook: HookSettings = field(default_factory=HookSettings)
    policy: PolicySettings = field(default_factory=PolicySettings)
    #: price overrides: {"model-name": {"input": usd_per_mtok, "output": usd_per_mtok, ...}}
    prices: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, key: str) -> Any:
        section, name = _split_key(key)
        return getattr(getattr(self, section), name)


SECTIONS: tuple[str, ...] = ("local", "cloud", "router", "ledger", "budget", "hook", "policy")

CHOICES: dict[str, tuple[str, ...]] = {
    "local.backend": LOCAL_BACKENDS,
    "local.escalate": ("auto", "ask", "never"),
    "local.unavailable": ("fail", "cloud"),
    "cloud.provider": CLOUD_PROVIDERS,
    "router.unsure_policy": ("cloud", "local", "judge"),
    "hook.mode": ("apply", "suggest", "off"),
    "policy.privacy": ("allow", "ask", "local-only"),
    "policy.secrets": ("block", "redact", "allow"),
}

# Environment variables that other tools already define; they beat the config file.
FOREIGN_ENV: dict[str, str] = {
    "local.host": "OLLAMA_HOST",
    "cloud.anthropic_base_url": "ANTHROPIC_BASE_URL",
    "cloud.openai_base_url": "OPENAI_BASE_URL",
}


# --- paths -------------------------------------------------------------------------------------


def home_override() -> Path | None:
    value = os.environ.get("SLMR_HOME")
    return Path(value).expanduser() if value else None


def config_path() -> Path:
    home = home_override()
    if home is not None:
        return home / "config.toml"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def data_dir() -> Path:
    home = home_override()
    if home is not None:
        return home
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def ledger_path() -> Path:
    return data_dir() / "ledger.db"


def ensure_private_dir(path: Path) -> Path:
    """Create a directory readable by its owner only (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


# --- keys and types ----------------------------------------------------------------------------


def _split_key(key: str) -> tuple[str, str]:
    section, _, name = key.partition(".")
    if section not in SECTIONS or not name:
        raise ConfigError(f"unknown config key {key!r}", f"known keys: {', '.join(all_keys())}")
    cls = type(getattr(Settings(), section))
    if name not in {f.name for f in dataclasses.fields(cls)}:
        raise ConfigError(f"unknown config key {key!r}", f"known keys: {', '.join(all_keys())}")
    return section, name


def all_keys() -> list[str]:
    """Every settable key, as ``section.name``."""
    defaults = Settings()
    return [f"{section}.{f.name}" for section in SECTIONS for f in dataclasses.fields(type(getattr(defaults, section)))]


def _field_type(section: str, name: str) -> Any:
    cls = type(getattr(Settings(), section))
    return typing.get_type_hints(cls)[name]


def _base_types(tp: Any) -> tuple[type, ...]:
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        return tuple(t for t in typing.get_args(tp) if t is not type(None))
    return (tp,)


def _allows_none(tp: Any) -> bool:
    return (isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union) and type(None) in typing.get_args(
        tp
    )


def coerce(key: str, value: Any) -> Any:
    """Turn a value from TOML, the environment or the command line into the key's type."""
    section, name = _split_key(key)
    tp = _field_type(section, name)
    base = _base_types(tp)[0]
    if value is None or (isinstance(value, str) and value.strip() == "" and _allows_none(tp)):
        if _allows_none(tp):
            return None
        raise ConfigError(f"{key} needs a value")
    try:
        if base is bool:
            if isinstance(value, bool):
                result: Any = value
            elif str(value).strip().lower() in {"1", "true", "yes", "on"}:
                result = True
            elif str(value).strip().lower() in {"0", "false", "no", "off"}:
                result = False
            else:
                raise ValueError(value)
        elif base is int:
            if isinstance(value, bool):
                raise ValueError(value)
            result = int(value)
        elif base is float:
            if isinstance(value, bool):
                raise ValueError(value)
            result = float(value)
        else:
            result = str(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{key} must be {base.__name__}, not {value!r}", f"for example: slmr config set {key} ..."
        ) from None
    choices = CHOICES.get(key)
    if choices and result not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(choices)}, not {result!r}")
    return result


# --- load and save -----------------------------------------------------------------------------


def read_file(path: Path | None = None) -> dict[str, Any]:
    """The raw TOML document, or {} when there is no file."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"config file {path} is not valid TOML: {exc}", "fix it or remove it (slmr config path)"
        ) from None


def _env_overrides(environ: typing.Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key in all_keys():
        foreign = FOREIGN_ENV.get(key)
        if foreign and environ.get(foreign):
            found[key] = environ[foreign]
        ours = "SLMR_" + key.replace(".", "_").upper()
        if environ.get(ours):
            found[key] = environ[ours]
    return found


def load(
    path: Path | None = None,
    environ: typing.Mapping[str, str] | None = None,
    flags: dict[str, Any] | None = None,
) -> Settings:
    """Build the settings: defaults, then the config file, then the environment, then flags."""
    environ = os.environ if environ is None else environ
    settings = Settings()
    document = read_file(path)
    for section, values in document.items():
        if section == "prices":
            if not isinstance(values, dict):
                raise ConfigError("[prices] in the config file must be a table of models")
            settings.prices = {str(k): dict(v) for k, v in values.items() if isinstance(v, dict)}
            continue
        if section not in SECTIONS or not isinstance(values, dict):
            raise ConfigError(
                f"unknown section [{section}] in {path or config_path()}",
                f"sections are: {', '.join((*SECTIONS, 'prices'))}",
            )
        for name, value in values.items():
            _apply(settings, f"{section}.{name}", value)
    for key, value in _env_overrides(environ).items():
        _apply(settings, key, value)
    for key, value in (flags or {}).items():
        if value is not None:
            _apply(settings, key, value)
    return settings


def _apply(settings: Settings, key: str, value: Any) -> None:
    section, name = _split_key(key)
    setattr(getattr(settings, section), name, coerce(key, value))


def set_value(key: str, value: str, path: Path | None = None) -> Any:
    """Validate and store one key in the config file; returns the stored value."""
    import tomli_w

    path = path or config_path()
    typed = coerce(key, value)
    document = read_file(path)
    section, name = _split_key(key)
    table = document.setdefault(section, {})
    if typed is None:
        table.pop(name, None)
    else:
        table[name] = typed
    ensure_private_dir(path.parent)
    tmp = path.with_suffix(".toml.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        tomli_w.dump(document, fh)
    os.replace(tmp, path)
    return typed


def as_dict(settings: Settings) -> dict[str, Any]:
    return dataclasses.asdict(settings)
