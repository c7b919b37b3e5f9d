"""The one interface every model backend implements.

A backend turns a ``ChatRequest`` into a ``Response``: iterate it for text chunks as they stream;
once it is exhausted, ``response.usage`` holds the token counts the server reported (or estimates,
marked as such). The pipeline and the ledger read this one shape whatever the backend.
Backends translate their SDK's exceptions into ``slmr.errors`` types, raised ``from None``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

#: where each cloud SDK finds credentials, in the order it prefers them (ANTHROPIC_PROFILE names a stored profile)
CLOUD_KEY_VARS = {
    "anthropic": ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE"),
    "openai": ("OPENAI_API_KEY",),
}


def cloud_credential(provider: str) -> str | None:
    """The variable that gives ``provider``'s SDK its credentials, or None when none is set."""
    return next((name for name in CLOUD_KEY_VARS.get(provider, ()) if os.environ.get(name, "").strip()), None)


@dataclass
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass
class ChatRequest:
    messages: list[Message]
    model: str
    max_tokens: int | None = None
    temperature: float | None = None
    #: ask the server for JSON output where it supports that
    json: bool = False
    #: a JSON schema the answer must match; Ollama constrains its output to it (structured outputs)
    schema: dict[str, Any] | None = None
    #: Ollama's context length for this request
    num_ctx: int | None = None
    timeout_s: float | None = None

    @property
    def system(self) -> str | None:
        parts = [m.content for m in self.messages if m.role == "system"]
        return "\n\n".join(parts) if parts else None

    @property
    def turns(self) -> list[Message]:
        return [m for m in self.messages if m.role != "system"]


@dataclass
class Usage:
    """Token counts of one call. ``input_tokens`` excludes prompt-cache reads and writes, which are
    counted apart (Anthropic's convention; the OpenAI backend subtracts its cached tokens), so
    pricing bills each token once at its own rate."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    #: True when the server reported nothing and the counts are estimates
    estimated: bool = False
    #: True once the stream ended normally; partial usage (e.g. Anthropic's message_start) stays False
    complete: bool = False


@dataclass
class Response:
    """Iterate for text; afterwards ``usage`` is filled in by the backend."""

    model: str
    _chunks: Callable[[Response], Iterator[str]] = field(repr=False)
    usage: Usage = field(default_factory=Usage)
    #: the server ended the answer at the output token cap (max_tokens, num_predict), not at its end:
    #: the stream looks complete, but the answer is cut off
    hit_limit: bool = False

    def __iter__(self) -> Iterator[str]:
        return self._chunks(self)


class Backend(Protocol):
    #: the name recorded in the ledger: "ollama", "anthropic", "openai", "openai-compatible"
    name: str
    #: True for backends that run on the user's machine (free, private)
    local: bool

    def stream(self, request: ChatRequest) -> Response: ...


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: about four characters per token for English text and code."""
    return max(1, (len(text) + 3) // 4) if text else 0
