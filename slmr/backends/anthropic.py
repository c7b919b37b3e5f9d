"""Anthropic Messages API through the official ``anthropic`` SDK (imported here only)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anthropic

from slmr.backends import _sdk_errors
from slmr.backends.base import ChatRequest, Response, cloud_credential
from slmr.errors import CloudError, MissingKey

if TYPE_CHECKING:
    from slmr.config import Settings


@dataclass
class AnthropicBackend:
    base_url: str | None
    timeout_s: float
    max_retries: int
    max_tokens: int
    name: str = "anthropic"
    local: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> AnthropicBackend:
        return cls(
            base_url=settings.cloud.anthropic_base_url,
            timeout_s=settings.cloud.timeout_s,
            max_retries=settings.cloud.max_retries,
            max_tokens=settings.cloud.max_tokens,
        )

    @property
    def where(self) -> str:
        return self.base_url or "https://api.anthropic.com"

    def stream(self, request: ChatRequest) -> Response:
        if cloud_credential("anthropic") is None:
            raise MissingKey(
                "ANTHROPIC_API_KEY is not set",
                "export ANTHROPIC_API_KEY=..., or use --local, or `slmr config set cloud.provider openai`",
            )
        return Response(model=request.model, _chunks=lambda response: self._chunks(request, response))

    def _chunks(self, request: ChatRequest, response: Response) -> Iterator[str]:
        kwargs: dict[str, Any] = {
            "model": request.model,
            "max_tokens": request.max_tokens or self.max_tokens,
            "messages": [{"role": m.role, "content": m.content} for m in request.turns],
            "stream": True,
        }
        if request.system:
            kwargs["system"] = request.system
        if request.temperature is not None:
            kwargs["temperature"] = request.temperature
        usage = response.usage
        events = 0
        stopped = False
        try:
            client = anthropic.Anthropic(
                base_url=self.base_url,
                timeout=request.timeout_s or self.timeout_s,
                max_retries=self.max_retries,
            )
            for event in client.messages.create(**kwargs):
                events += 1
                if event.type == "message_start":
                    u = event.message.usage
                    usage.input_tokens = u.input_tokens
                    usage.output_tokens = u.output_tokens
                    usage.cache_read_tokens = u.cache_read_input_tokens
                    usage.cache_write_tokens = u.cache_creation_input_tokens
                elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                    yield event.delta.text
                elif event.type == "message_delta":
                    response.hit_limit = event.delta.stop_reason == "max_tokens"
                    if event.usage is not None:
                        # message_delta usage is cumulative; input counts appear here on newer servers
                        usage.output_tokens = event.usage.output_tokens
                        if event.usage.input_tokens is not None:
                            usage.input_tokens = event.usage.input_tokens
                elif event.type == "message_stop":
                    stopped = True
                    usage.complete = True
        except anthropic.AnthropicError as exc:
            raise _sdk_errors.translate(
                anthropic,
                exc,
                provider="Anthropic",
                key_var="ANTHROPIC_API_KEY",
                where=self.where,
                model=request.model,
            ) from None
        except _sdk_errors.transport_errors() as exc:
            # this SDK lets the HTTP library's error through when the connection drops mid-stream
            raise _sdk_errors.stream_broken(
                exc, provider="Anthropic", where=self.where, local=False, chunks=events
            ) from None
        if not stopped:
            # a connection closed by a proxy or a dying server can look like a normal end of stream
            raise CloudError(f"the stream from Anthropic at {self.where} ended before the answer was complete", "retry")
