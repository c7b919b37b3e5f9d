"""Price lookup and the arithmetic of one call's cost, against hand-computed figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slmr import config, pricing


def test_exact_name():
    price = pricing.lookup("claude-opus-5-5", "anthropic")
    assert (price.model, price.input, price.output, price.source) == ("claude-opus-5-5", 4.0, 20.0, "shipped")


@pytest.mark.parametrize(
    ("model", "listed"),
    [
        ("claude-opus-5-5-20261101", "claude-opus-5-5"),  # dated snapshot: the longest listed prefix wins
        ("claude-opus-5-20260724", "claude-opus-5"),
        ("gpt-6.2-astra-2026-11-17", "gpt-6.2-astra"),
        ("claude-sonnet-5-5[1m]", "claude-sonnet-5-5"),
        ("gpt-6-sol-latest", "gpt-6-sol"),
    ],
)
def test_snapshot_suffixes_find_their_model(model, listed):
    assert pricing.lookup(model, "anthropic").model == listed


@pytest.mark.parametrize("model", ["claude-opus-5-6", "claude-opus-5-5-mini", "gpt-6.2", "gpt-6.3-astra", "llama"])
def test_a_new_model_is_not_priced_as_its_older_sibling(model):
    # "claude-opus-5-6" starts with "claude-opus-5" but is another model: unknown, not Opus 5's price
    assert pricing.lookup(model, "anthropic") is None
    assert pricing.cost(model, "anthropic", 1000, 1000) is None


def test_config_overrides_a_shipped_price_and_adds_new_models():
    overrides = {"claude-opus-5-5": {"input": 3.0, "output": 15.0}, "my-model": {"input": 1.0, "output": 2.0}}
    opus = pricing.lookup("claude-opus-5-5", "anthropic", overrides)
    assert (opus.input, opus.output, opus.source) == (3.0, 15.0, "config")
    assert pricing.lookup("my-model-20260101", "openai", overrides).source == "config"
    assert pricing.cost("my-model", "openai", 1_000_000, 500_000, overrides) == pytest.approx(2.0)


def test_overrides_come_from_the_config_file(isolated_home: Path):
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('[prices."team-gpt"]\ninput = 0.5\noutput = 1.5\ncache_read = 0.05\n')
    settings = config.load()
    assert pricing.lookup("team-gpt", "openai", settings.prices).cache_read == 0.05


def test_unknown_cloud_model_costs_none_never_zero():
    assert pricing.cost("claude-unknown-9", "anthropic", 10, 10) is None


def test_local_models_are_free_unless_an_energy_cost_is_set():
    assert pricing.cost("llama3.2:3b", "ollama", 1000, 1000) == 0.0
    # $0.0002 per 1k tokens: 3,000 tokens cost $0.0006
    assert pricing.cost("llama3.2:3b", "ollama", 2000, 1000, energy_usd_per_1k=0.0002) == pytest.approx(0.0006)
    assert pricing.lookup("llama3.2:3b", "openai-compatible", energy_usd_per_1k=0.0002).source == "energy"


def test_cost_with_cache_tokens_hand_computed():
    # Opus 5.5: 4 in, 20 out, 0.20 cache read, 5 cache write per MTok
    # 1,000 in + 500 out + 10,000 read + 2,000 write
    # = 0.004 + 0.010 + 0.002 + 0.010 = 0.026
    cost = pricing.cost("claude-opus-5-5", "anthropic", 1000, 500, cache_read_tokens=10_000, cache_write_tokens=2000)
    assert cost == pytest.approx(0.026)


def test_long_prompts_are_billed_at_the_long_rates():
    # Haiku 5.5: up to 100,000 prompt tokens 0.10 / 0.50; above, 0.50 / 2.50 on every token
    assert pricing.cost("claude-haiku-5-5", "anthropic", 100_000, 1000) == pytest.approx(0.0105)
    # 90,000 input + 20,000 cache read = 110,000 prompt tokens: long rates (0.05 cache read)
    long = pricing.cost("claude-haiku-5-5", "anthropic", 90_000, 1000, cache_read_tokens=20_000)
    assert long == pytest.approx(0.045 + 0.0025 + 0.001)


def test_missing_cache_rate_falls_back_to_the_input_rate():
    overrides = {"bare": {"input": 2.0, "output": 8.0}}
    assert pricing.cost("bare", "openai", 0, 0, overrides, cache_read_tokens=1_000_000) == pytest.approx(2.0)


def test_no_counts_at_all_is_no_cost():
    assert pricing.cost("claude-opus-5-5", "anthropic", None, None) is None


def test_shipped_table_is_complete():
    table = pricing.table()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", pricing.as_of())
    for price in table.values():
        assert price.input > 0 and price.output > price.input, price.model
        assert price.cache_read is not None and price.cache_read < price.input, price.model
        assert price.cache_write is not None and price.cache_write >= price.input, price.model
    # the current families of both providers, and every default frontier model, are priced
    for family in ("claude-opus-", "claude-sonnet-", "claude-haiku-", "gpt-6"):
        assert any(name.startswith(family) for name in table), family
    for model in config.DEFAULT_CLOUD_MODELS.values():
        assert model in table


def test_a_recorded_call_is_priced_with_its_cache_tokens_and_the_baseline_too():
    from slmr import pipeline
    from slmr.ledger import CallRecord

    settings = config.Settings()
    settings.cloud.model = "claude-opus-5-5"
    record = CallRecord(
        command="ask",
        task="ask",
        route="create",
        decided_by="router",
        backend="anthropic",
        model="claude-sonnet-5-5",
        status="ok",
        input_tokens=1000,
        output_tokens=1000,
        cache_read_tokens=100_000,
    )
    pipeline._fill_costs(record, settings)
    # Sonnet 5.5: 1000 x 2 + 1000 x 10 + 100,000 x 0.10 = 22,000 / MTok; on Opus 5.5: 4,000 + 20,000 + 20,000
    assert record.cost_usd == pytest.approx(0.022)
    assert (record.baseline_model, record.baseline_cost_usd) == ("claude-opus-5-5", pytest.approx(0.044))


def test_openai_calls_default_to_the_flagship_and_are_priced(cli, fake_openai, isolated_home, ledger_rows):
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('[cloud]\nprovider = "openai"\n')
    fake_openai.reply("An answer.", input_tokens=1000, output_tokens=100)
    assert cli("create", "write a haiku about ledgers").exit_code == 0
    [row] = ledger_rows()
    assert (row["model"], row["baseline_model"]) == ("gpt-6.2-astra", "gpt-6.2-astra")
    assert row["cost_usd"] == pytest.approx((1000 * 8 + 100 * 40) / 1e6) == row["baseline_cost_usd"]
