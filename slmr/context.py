"""Context windows: how big the local model's window is, how big a request needs, and whether the
server quietly cut the prompt.

Ollama truncates a prompt that does not fit its context window without an error (current versions
keep about half the window, ``num_ctx // 2 + 2`` tokens) and reports the *kept* count as
``prompt_eval_count``. So slmr sizes ``num_ctx`` for every request from an estimate of the prompt
plus the expected answer, and afterwards compares what the server says it read with what was sent.

The model's maximum comes from ``/api/show`` and is cached per host and model in slmr's data dir,
so it is asked once a week, not on every call.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from slmr.backends.base import Message, estimate_tokens
from slmr.config import Settings, data_dir, ensure_private_dir

CACHE_FILE = "model_windows.json"
CACHE_TTL_S = 7 * 24 * 3600
#: tokens a chat template adds around each message (role markers, separators)
PER_MESSAGE_TOKENS = 8
#: room kept free beyond prompt + expected answer
MARGIN_TOKENS = 64
#: the server read less than this share of the tokens we estimate we sent: something was cut
TRUNCATION_RATIO = 0.5
#: ... and at least this many tokens are missing (small prompts make ratios noisy)
TRUNCATION_MIN_MISSING = 256


class AsksWindow(Protocol):
    where: str

    def context_length(self, model: str) -> int | None: ...


# --- estimates ---------------------------------------------------------------------------------


def sizing_tokens(text: str) -> int:
    """A deliberately high estimate for sizing a window: better a little too big than truncated.

    Real tokenizers give about 4 characters per token for English and code, but 1-2 per token for
    accented and CJK text, so non-ASCII characters count fully.
    """
    if not text:
        return 0
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return (len(text) - non_ascii) // 3 + non_ascii + 1


def prompt_sizing_tokens(messages: list[Message]) -> int:
    return sum(sizing_tokens(m.content) + PER_MESSAGE_TOKENS for m in messages)


def expected_output_tokens(task: str, content_tokens: int, *, json: bool = False) -> int:
    """How long an answer to leave room for: a rewrite is about as long as its input, a summary short."""
    if task == "rewrite":
        return int(content_tokens * 1.3) + 256
    if task == "summarize":
        return 1024
    if task == "extract":
        return 2048 if json else 1024
    return 2048


# --- the model's maximum -----------------------------------------------------------------------


def model_window(backend: object, model: str, settings: Settings, *, cache_dir: Path | None = None) -> int | None:
    """The model's maximum context in tokens, or None when it cannot be known.

    ``local.context_length`` wins (for servers that cannot be asked); otherwise Ollama is asked once
    and the answer cached per host and model.
    """
    if settings.local.context_length:
        return settings.local.context_length
    if not hasattr(backend, "context_length"):
        return None
    asker: AsksWindow = backend  # type: ignore[assignment]
    path = (cache_dir or data_dir()) / CACHE_FILE
    key = f"{asker.where}|{model}"
    cache = _read_cache(path)
    entry = cache.get(key)
    if isinstance(entry, dict) and time.time() - float(entry.get("at", 0)) < CACHE_TTL_S:
        value = entry.get("context_length")
        if isinstance(value, int) and value > 0:
            return value
    value = asker.context_length(model)
    if value:
        cache[key] = {"context_length": value, "at": time.time()}
        _write_cache(path, cache)
    return value


def _read_cache(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_cache(path: Path, cache: dict[str, Any]) -> None:
    # a cache that cannot be written only costs one /api/show per call
    try:
        ensure_private_dir(path.parent)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(cache, fh, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass


# --- sizing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The usable window for one model here: the model's maximum capped by the configured ceiling."""

    usable: int
    model_max: int | None
    floor: int

    @classmethod
    def of(cls, model_max: int | None, settings: Settings) -> Window:
        ceiling = max(512, settings.local.num_ctx_max)
        usable = min(model_max, ceiling) if model_max else ceiling
        return cls(usable=usable, model_max=model_max, floor=min(max(512, settings.local.num_ctx_min), usable))

    def num_ctx(self, need: int) -> int | None:
        """The window to ask for, rounded up to a power of two so that Ollama, which reloads a model
        whenever ``num_ctx`` changes, sees few distinct sizes; None when ``need`` does not fit."""
        if need > self.usable:
            return None
        size = self.floor
        while size < need:
            size *= 2
        return min(size, self.usable)

    def larger(self, num_ctx: int) -> int | None:
        """The next size up, for a retry after a truncation; None at the ceiling."""
        return min(num_ctx * 2, self.usable) if num_ctx < self.usable else None


def fits(prompt_tokens: int, output_tokens: int, window: Window) -> int | None:
    return window.num_ctx(prompt_tokens + output_tokens + MARGIN_TOKENS)


# --- truncation --------------------------------------------------------------------------------


def truncated(sent_text: str, reported: int | None, num_ctx: int | None) -> bool:
    """Did the server read fewer prompt tokens than were sent?

    ``reported`` missing or 0 is no evidence (some servers omit it for a cached prompt). Otherwise
    three signs count: far fewer tokens than the plain estimate of what was sent; a count that fills
    the whole window; and Ollama's own keep-half count (``num_ctx // 2 + 2``) for a prompt estimated
    to be longer than that.
    """
    if not reported:
        return False
    sent = estimate_tokens(sent_text)
    missing = sent - reported
    if missing >= TRUNCATION_MIN_MISSING and reported < sent * TRUNCATION_RATIO:
        return True
    if num_ctx:
        if reported >= num_ctx - 4:
            return True
        half = num_ctx // 2 + 2
        # the high estimate: this only asks whether the prompt could plausibly have been longer
        if abs(reported - half) <= 2 and sizing_tokens(sent_text) > half + TRUNCATION_MIN_MISSING // 4:
            return True
    return False
