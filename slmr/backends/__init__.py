"""Backend registry. Each backend module imports its SDK only when it is first used, so that
``slmr --help``, ``slmr route`` and ``slmr spend`` start without loading anthropic, openai or ollama."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slmr.backends.base import Backend
    from slmr.config import Settings


def local_backend(settings: Settings) -> Backend:
    if settings.local.backend == "openai-compatible":
        from slmr.backends.openai import OpenAICompatibleBackend

        return OpenAICompatibleBackend.from_settings(settings)
    from slmr.backends.ollama import OllamaBackend

    return OllamaBackend.from_settings(settings)


def cloud_backend(settings: Settings) -> Backend:
    if settings.cloud.provider == "openai":
        from slmr.backends.openai import OpenAIBackend

        return OpenAIBackend.from_settings(settings)
    from slmr.backends.anthropic import AnthropicBackend

    return AnthropicBackend.from_settings(settings)
