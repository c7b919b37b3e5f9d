"""Fixtures for the hook tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def fake_ollama(fake_ollama):
    """The shared fake Ollama, reporting prompt tokens the way Ollama counts them.

    The pipeline compares the reported prompt size with what it sent to detect a context window
    that cut the input; the fake's fixed default count would look like a cut for the hook's prompt.
    """
    queue = fake_ollama.reply

    def reply(text: str = "OK.", times: int = 1, **kwargs):
        kwargs.setdefault("real_prompt", True)
        return queue(text, times, **kwargs)

    fake_ollama.reply = reply
    return fake_ollama
