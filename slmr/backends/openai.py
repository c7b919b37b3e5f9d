"""OpenAI Chat Completions through the official ``openai`` SDK (imported here only).

The same code serves the cloud (OpenAI itself) and local OpenAI-compatible servers (llama.cpp's
llama-server, LM Studio, vLLM, LocalAI). Local servers often send no usage in a stream: then the
tokens are estimated and the usage is marked as such.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import openai

from slmr.backends import _sdk_errors
from slmr.backends.base import ChatRequest, Response, Usage, estimate_tokens
from slmr.errors import CloudError, ConfigError, LocalBackendError, MissingKey

if TYPE_CHECKING:
    from slmr.config import Settings


@dataclass
class OpenAIBackend:
    base_url: str | None
    api_key: str | None
    timeout_s: float
    max_retries: int
    max_tokens: int | None = None
    name: str = "openai"
    local: bool = False
    key_var: str = "OPENAI_API_KEY"
    #: OpenAI deprecated ``max_tokens`` for ``max_completion_tokens``; local servers know the old name
    max_tokens_field: str = "max_completion_tokens"

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIBackend:
        return cls(
            base_url=settings.cloud.openai_base_url,
            api_key=os.environ.get("OPENAI_API_KEY"),
            timeout_s=settings.cloud.timeout_s,
            max_retries=settings.cloud.max_retries,
            max_tokens=settings.cloud.max_tokens,
        )

    @property
    def where(self) -> str:
        return self.base_url or "https://api.openai.com/v1"

    def stream(self, request: ChatRequest) -> Response:
        if not self.api_key:
            raise MissingKey(
                "OPENAI_API_KEY is not set",
                "export OPENAI_API_KEY=..., or use --local, or `slmr config set cloud.provider anthropic`",
            )
        return Response(model=request.model, _chunks=lambda response: self._chunks(request, response))

    def _create_kwargs(self, request: ChatRequest) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        max_tokens = request.max_tokens or self.max_tokens
        if max_tokens:
            kwargs[self.max_tokens_field] = max_tokens
        if request.temperature is not None:
            kwargs["temperature"] = request.temperature
        if request.json:
            kwargs["response_format"] = {"type": "json_object"}
        return kwargs

    def _chunks(self, request: ChatRequest, response: Response) -> Iterator[str]:
        produced: list[str] = []
        reported = False
        chunks = 0
        finished = False
        try:
            client = openai.OpenAI(
                api_key=self.api_key,
                base_url=self.base_url,
                timeout=request.timeout_s or self.timeout_s,
                max_retries=self.max_retries,
            )
            for chunk in client.chat.completions.create(**self._create_kwargs(request)):
                chunks += 1
                if chunk.choices:
                    text = chunk.choices[0].delta.content
                    if text:
                        produced.append(text)
                        yield text
                    finish = chunk.choices[0].finish_reason
                    if finish is not None:
                        finished = True
                        response.hit_limit = finish == "length"
                if chunk.usage is not None:
                    reported = True
                    cached = getattr(chunk.usage.prompt_tokens_details, "cached_tokens", None)
                    response.usage = Usage(
                        # OpenAI counts cached tokens inside prompt_tokens; Usage counts them apart
                        input_tokens=chunk.usage.prompt_tokens - (cached or 0),
                        output_tokens=chunk.usage.completion_tokens,
                        cache_read_tokens=cached,
                        complete=True,
                    )
        except openai.OpenAIError as exc:
            if chunks and isinstance(exc, openai.APIConnectionError) and not isinstance(exc, openai.APITimeoutError):
                # the SDK reports a connection dropped mid-stream as "cannot reach": misleading once text came
                raise self._broken(exc, chunks) from None
            raise _sdk_errors.translate(
                openai,
                exc,
                provider=self.provider_label,
                key_var=self.key_var,
                where=self.where,
                model=request.model,
                local=self.local,
            ) from None
        except _sdk_errors.transport_errors() as exc:
            raise self._broken(exc, chunks) from None
        if not finished:
            # a connection closed by a proxy or a dying server can look like a normal end of stream
            failed = LocalBackendError if self.local else CloudError
            raise failed(
                f"the stream from {self.provider_label} at {self.where} ended before the answer was complete", "retry"
            )
        if not reported:
            prompt = "\n".join(m.content for m in request.messages)
            response.usage = Usage(
                input_tokens=estimate_tokens(prompt),
                output_tokens=estimate_tokens("".join(produced)),
                estimated=True,
                complete=True,
            )

    def _broken(self, exc: BaseException, chunks: int) -> Exception:
        return _sdk_errors.stream_broken(
            exc, provider=self.provider_label, where=self.where, local=self.local, chunks=chunks
        )

    @property
    def provider_label(self) -> str:
        return "OpenAI"


@dataclass
class OpenAICompatibleBackend(OpenAIBackend):
    """A local server that speaks OpenAI Chat Completions."""

    name: str = "openai-compatible"
    local: bool = True
    key_var: str = "local.api_key"
    max_tokens_field: str = "max_tokens"

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAICompatibleBackend:
        if not settings.local.base_url:
            raise ConfigError(
                "local.backend is openai-compatible but local.base_url is not set",
                "slmr config set local.base_url http://127.0.0.1:8080/v1",
            )
        return cls(
            base_url=settings.local.base_url,
            # local servers usually ignore the key, but the SDK insists on one
            api_key=settings.local.api_key or "sk-no-key-required",
            timeout_s=settings.local.timeout_s,
            max_retries=0,
            # small local models can ramble until the context is full: always send a cap
            max_tokens=settings.local.max_tokens,
        )

    @property
    def provider_label(self) -> str:
        return "the local OpenAI-compatible server"
