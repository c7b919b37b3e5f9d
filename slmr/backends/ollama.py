"""Ollama through the official ``ollama`` package (imported here, never at start-up)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import ollama
import pydantic

from slmr.backends.base import ChatRequest, Response, Usage
from slmr.errors import LocalBackendError, LocalUnavailable, ModelMissing

if TYPE_CHECKING:
    from slmr.config import Settings

DEFAULT_HOST = "http://127.0.0.1:11434"
#: /api/show reads model metadata without loading the model, so it answers fast even when a load is slow
SHOW_TIMEOUT_S = 10.0


@dataclass
class OllamaBackend:
    host: str | None
    timeout_s: float | None = None
    name: str = "ollama"
    local: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> OllamaBackend:
        return cls(host=settings.local.host, timeout_s=settings.local.timeout_s)

    @property
    def where(self) -> str:
        return self.host or DEFAULT_HOST

    def client(self, timeout_s: float | None = None) -> ollama.Client:
        return ollama.Client(host=self.host, timeout=timeout_s or self.timeout_s)

    def stream(self, request: ChatRequest) -> Response:
        return Response(model=request.model, _chunks=lambda response: self._chunks(request, response))

    def _chunks(self, request: ChatRequest, response: Response) -> Iterator[str]:
        options: dict[str, Any] = {}
        if request.temperature is not None:
            options["temperature"] = request.temperature
        if request.num_ctx:
            options["num_ctx"] = request.num_ctx
        if request.max_tokens:
            options["num_predict"] = request.max_tokens
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        done = False
        with self._translate_errors(request.model):
            parts = self.client(request.timeout_s).chat(
                model=request.model,
                messages=messages,
                stream=True,
                options=options or None,
                format=request.schema if request.schema else "json" if request.json else None,
            )
            for part in parts:
                text = part.message.content if part.message else None
                if text:
                    yield text
                if part.done:
                    done = True
                    response.hit_limit = part.done_reason == "length"  # num_predict reached, or the window filled
                    response.usage = Usage(
                        input_tokens=part.prompt_eval_count, output_tokens=part.eval_count, complete=True
                    )
        if not done:
            # a connection closed without the final line: the answer is incomplete
            raise LocalBackendError(
                f"the connection to Ollama at {self.where} dropped mid-answer", "check the server, then retry"
            )

    def context_length(self, model: str) -> int | None:
        """The model's maximum context from /api/show (``<family>.context_length``); None when unknown.

        Errors are not raised here: the chat call that follows meets the same fault and reports it.
        """
        try:
            info = self.client(timeout_s=SHOW_TIMEOUT_S).show(model).modelinfo or {}
        except (ollama.ResponseError, httpx.HTTPError, ConnectionError, pydantic.ValidationError, ValueError):
            return None
        for key, value in info.items():
            if key.endswith(".context_length") and isinstance(value, int) and value > 0:
                return value
        return None

    def _translate_errors(self, model: str) -> _ErrorMap:
        return _ErrorMap(self.where, model)


class _ErrorMap:
    """Turns ollama/httpx exceptions into slmr errors that say what to do."""

    def __init__(self, where: str, model: str) -> None:
        self.where = where
        self.model = model

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: object) -> bool:
        if exc is None or not isinstance(exc, Exception):
            return False
        translated = self.translate(exc)
        if translated is exc:
            return False
        raise translated from None

    def translate(self, exc: Exception) -> Exception:
        if isinstance(exc, ollama.ResponseError):
            if exc.status_code == 404 or "not found" in str(exc.error).lower():
                return ModelMissing(
                    f"model {self.model} is not available on the Ollama server at {self.where}",
                    f"run: ollama pull {self.model}",
                )
            return LocalBackendError(
                f"Ollama at {self.where} answered with an error (HTTP {exc.status_code}): {_short(exc.error)}",
                "check `ollama serve` logs, or retry",
            )
        if isinstance(exc, ConnectionError | httpx.ConnectError):
            return LocalUnavailable(
                f"cannot reach Ollama at {self.where}",
                "start it with `ollama serve`, or point OLLAMA_HOST / `slmr config set local.host` at it",
            )
        if isinstance(exc, httpx.TimeoutException):
            return LocalBackendError(
                f"Ollama at {self.where} did not answer in time",
                "the model may still be loading: retry, or raise local.timeout_s",
            )
        if isinstance(exc, httpx.TransportError):
            return LocalBackendError(
                f"the connection to Ollama at {self.where} dropped mid-answer ({type(exc).__name__})",
                "check that the server is still running, then retry",
            )
        if isinstance(exc, json.JSONDecodeError | pydantic.ValidationError):
            return LocalBackendError(
                f"Ollama at {self.where} sent a malformed stream line",
                "check the server version (ollama --version) and retry",
            )
        return exc


def _short(text: object, limit: int = 200) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"
