"""The price table: shipped data plus the user's overrides, and the arithmetic of one call's cost."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

# read next to this module rather than through importlib.resources: that import alone costs ~20 ms
# of CPU, and shell completion of model names reads this table on every <TAB>
_PRICES = os.path.join(os.path.dirname(__file__), "data", "prices.toml")

LOCAL_BACKENDS = frozenset({"ollama", "openai-compatible"})


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    model: str
    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    source: str = "shipped"  # "shipped" | "config" | "local"

    def cost(self, input_tokens: int | None, output_tokens: int | None) -> float | None:
        if input_tokens is None and output_tokens is None:
            return None
        return ((input_tokens or 0) * self.input + (output_tokens or 0) * self.output) / 1_000_000


@cache
def shipped() -> dict[str, Any]:
    with open(_PRICES, encoding="utf-8") as fh:
        text = fh.read()
    return tomllib.loads(text)


def as_of() -> str:
    return str(shipped().get("as_of", "unknown"))


def table(overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, Price]:
    """All known prices, the user's config overriding the shipped table."""
    prices: dict[str, Price] = {}
    for source, entries in (("shipped", shipped().get("models", {})), ("config", overrides or {})):
        for model, p in entries.items():
            prices[model] = Price(
                model=model,
                input=float(p.get("input", 0.0)),
                output=float(p.get("output", 0.0)),
                cache_read=_opt_float(p.get("cache_read")),
                cache_write=_opt_float(p.get("cache_write")),
                source=source,
            )
    return prices


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def lookup(model: str, backend: str, overrides: dict[str, dict[str, Any]] | None = None) -> Price | None:
    """The price of ``model``: exact name first, then the longest listed prefix (dated snapshots).

    Local backends cost nothing unless the user set a price for the model in config.
    """
    prices = table(overrides)
    if model in prices:
        return prices[model]
    if backend in LOCAL_BACKENDS:
        return Price(model=model, input=0.0, output=0.0, source="local")
    candidates = [name for name in prices if model.startswith(name)]
    return prices[max(candidates, key=len)] if candidates else None


def cost(
    model: str,
    backend: str,
    input_tokens: int | None,
    output_tokens: int | None,
    overrides: dict[str, dict[str, Any]] | None = None,
) -> float | None:
    price = lookup(model, backend, overrides)
    return None if price is None else price.cost(input_tokens, output_tokens)
