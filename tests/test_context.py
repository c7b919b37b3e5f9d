"""Context windows: sizing num_ctx, asking Ollama for the maximum once, spotting a cut prompt."""

from __future__ import annotations

import json

import pytest

from slmr import context
from slmr.backends.ollama import OllamaBackend
from slmr.config import Settings


def window(model_max: int | None = 131072, ceiling: int = 32768, floor: int = 4096) -> context.Window:
    settings = Settings()
    settings.local.num_ctx_max = ceiling
    settings.local.num_ctx_min = floor
    return context.Window.of(model_max, settings)


def test_num_ctx_is_a_power_of_two_between_the_floor_and_the_cap():
    w = window()
    assert w.num_ctx(100) == 4096
    assert w.num_ctx(4097) == 8192
    assert w.num_ctx(20000) == 32768
    assert w.num_ctx(32769) is None


def test_the_model_maximum_caps_the_window():
    w = window(model_max=8192)
    assert w.usable == 8192 and w.num_ctx(6000) == 8192 and w.num_ctx(9000) is None
    # an odd maximum is used as it is rather than rounded past it
    assert window(model_max=10000).num_ctx(9000) == 10000


def test_larger_doubles_up_to_the_cap():
    w = window(ceiling=16384)
    assert w.larger(4096) == 8192 and w.larger(8192) == 16384 and w.larger(16384) is None


def test_sizing_estimate_is_high_for_non_ascii_text():
    assert context.sizing_tokens("a" * 300) == 101
    assert context.sizing_tokens("漢" * 300) == 301
    assert context.sizing_tokens("") == 0


def test_expected_output_follows_the_task():
    assert context.expected_output_tokens("rewrite", 1000) == 1556
    assert context.expected_output_tokens("summarize", 100000) == 1024
    assert context.expected_output_tokens("extract", 10, json=True) == 2048


PROMPT = "x" * 40_000  # 10,000 tokens by the plain estimate


@pytest.mark.parametrize(
    ("reported", "num_ctx", "cut"),
    [
        (None, 16384, False),  # nothing reported (a cached prompt on some servers): no evidence
        (0, 16384, False),
        (10_000, 16384, False),  # read it all
        (8_000, 16384, False),  # a tokenizer that packs more per token
        (4_000, 16384, True),  # far fewer than were sent
        (8194, 16384, True),  # Ollama's keep-half count: num_ctx // 2 + 2
        (16384, 16384, True),  # the whole window full
    ],
)
def test_truncation_is_spotted_from_the_reported_prompt_tokens(reported, num_ctx, cut):
    assert context.truncated(PROMPT, reported, num_ctx) is cut


def test_small_prompts_are_not_judged_by_noisy_ratios():
    assert context.truncated("x" * 400, 11, 4096) is False


def test_model_window_asks_ollama_once_and_caches_per_host_and_model(fake_ollama, httpserver, isolated_home):
    fake_ollama.models["qwen2.5:7b"] = 32768
    backend = OllamaBackend(host=fake_ollama.url)
    settings = Settings()
    assert context.model_window(backend, "llama3.2:3b", settings) == 131072
    assert context.model_window(backend, "llama3.2:3b", settings) == 131072
    assert context.model_window(backend, "qwen2.5:7b", settings) == 32768
    shows = [r for r, _ in httpserver.log if r.path == "/api/show"]
    assert len(shows) == 2
    cache = json.loads((isolated_home / context.CACHE_FILE).read_text())
    assert set(cache) == {f"{fake_ollama.url}|llama3.2:3b", f"{fake_ollama.url}|qwen2.5:7b"}


def test_model_window_unknown_when_the_server_cannot_say(fake_ollama):
    backend = OllamaBackend(host=fake_ollama.url)
    assert context.model_window(backend, "not-pulled:1b", Settings()) is None
    assert context.model_window(OllamaBackend(host="http://127.0.0.1:9"), "llama3.2:3b", Settings()) is None


def test_configured_context_length_wins_and_asks_nobody(httpserver):
    settings = Settings()
    settings.local.context_length = 8192
    assert context.model_window(OllamaBackend(host="http://127.0.0.1:9"), "m", settings) == 8192
    assert context.model_window(object(), "m", settings) == 8192
