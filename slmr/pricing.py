"""The price table: shipped data plus the user's overrides, and the arithmetic of one call's cost.

Token counts follow one contract whatever the backend (see ``slmr.backends.base.Usage``): ``input``
is uncached input, ``cache_read`` and ``cache_write`` are counted apart from it, so each is billed
once at its own rate.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from slmr.config import LOCAL_BACKENDS

# read next to this module rather than through importlib.resources: that import alone costs ~20 ms
# of CPU, and shell completion of model names reads this table on every <TAB>
_PRICES = os.path.join(os.path.dirname(__file__), "data", "prices.toml")


#: what may follow a listed name for it still to be the same model: a dated snapshot, an alias, a window tag
_SNAPSHOT = re.compile(r"^(?:[-@](?:\d{8}|\d{4}-\d{2}-\d{2}|latest)|\[1m\])+$")


@dataclass(frozen=True)
class Rates:
    """USD per million tokens; a missing cache rate falls back to the input rate (never to 0)."""

    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None

    def cost(self, input_tokens: int, output_tokens: int, cache_read: int, cache_write: int) -> float:
        read_rate = self.input if self.cache_read is None else self.cache_read
        write_rate = self.input if self.cache_write is None else self.cache_write
        total = (
            input_tokens * self.input + output_tokens * self.output + cache_read * read_rate + cache_write * write_rate
        )
        return total / 1_000_000


@dataclass(frozen=True)
class Price:
    """The price of one model: base rates, and optionally dearer rates for long prompts."""

    model: str
    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    source: str = "shipped"  # "shipped" | "config" | "local" | "energy"
    #: prompts (input + cache read + cache write) above this many tokens are billed at ``long`` rates
    long_above: int | None = None
    long: Rates | None = None

    @property
    def rates(self) -> Rates:
        return Rates(self.input, self.output, self.cache_read, self.cache_write)

    def cost(
        self,
        input_tokens: int | None,
        output_tokens: int | None,
        cache_read_tokens: int | None = None,
        cache_write_tokens: int | None = None,
    ) -> float | None:
        """USD for one call, or None when no token count is known at all."""
        counts = (input_tokens, output_tokens, cache_read_tokens, cache_write_tokens)
        if all(c is None for c in counts):
            return None
        inp, out, read, write = (c or 0 for c in counts)
        rates = self.rates
        if self.long is not None and self.long_above is not None and inp + read + write > self.long_above:
            rates = self.long
        return rates.cost(inp, out, read, write)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model,
            "input": self.input,
            "output": self.output,
            "cache_read": self.cache_read,
            "cache_write": self.cache_write,
            "source": self.source,
        }
        if self.long is not None:
            out["long_above"] = self.long_above
            out["long"] = {
                "input": self.long.input,
                "output": self.long.output,
                "cache_read": self.long.cache_read,
                "cache_write": self.long.cache_write,
            }
        return out


@cache
def shipped() -> dict[str, Any]:
    with open(_PRICES, encoding="utf-8") as fh:
        text = fh.read()
    return tomllib.loads(text)


def as_of() -> str:
    return str(shipped().get("as_of", "unknown"))


def _price(model: str, p: dict[str, Any], source: str) -> Price:
    long = p.get("long")
    return Price(
        model=model,
        input=float(p.get("input", 0.0)),
        output=float(p.get("output", 0.0)),
        cache_read=_opt_float(p.get("cache_read")),
        cache_write=_opt_float(p.get("cache_write")),
        source=source,
        long_above=int(long["above"]) if isinstance(long, dict) and "above" in long else None,
        long=(
            Rates(
                float(long.get("input", p.get("input", 0.0))),
                float(long.get("output", p.get("output", 0.0))),
                _opt_float(long.get("cache_read")),
                _opt_float(long.get("cache_write")),
            )
            if isinstance(long, dict)
            else None
        ),
    )


def table(overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, Price]:
    """All known prices, the user's config overriding the shipped table model by model."""
    prices: dict[str, Price] = {}
    for source, entries in (("shipped", shipped().get("models", {})), ("config", overrides or {})):
        for model, p in entries.items():
            prices[model] = _price(model, p, source)
    return prices


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def lookup(
    model: str,
    backend: str,
    overrides: dict[str, dict[str, Any]] | None = None,
    energy_usd_per_1k: float | None = None,
) -> Price | None:
    """The price of ``model``: its exact name, else a listed name plus a snapshot suffix.

    Local backends cost nothing, or the energy cost the user configured, unless the user set a
    price for that very model. A cloud model with no price returns None (recorded as NULL).
    """
    prices = table(overrides)
    if model in prices:
        return prices[model]
    if backend in LOCAL_BACKENDS:
        if energy_usd_per_1k:
            per_mtok = energy_usd_per_1k * 1000
            return Price(model=model, input=per_mtok, output=per_mtok, source="energy")
        return Price(model=model, input=0.0, output=0.0, source="local")
    candidates = [name for name in prices if model.startswith(name) and _SNAPSHOT.match(model[len(name) :])]
    return prices[max(candidates, key=len)] if candidates else None


def cost(
    model: str,
    backend: str,
    input_tokens: int | None,
    output_tokens: int | None,
    overrides: dict[str, dict[str, Any]] | None = None,
    *,
    cache_read_tokens: int | None = None,
    cache_write_tokens: int | None = None,
    energy_usd_per_1k: float | None = None,
) -> float | None:
    price = lookup(model, backend, overrides, energy_usd_per_1k)
    if price is None:
        return None
    return price.cost(input_tokens, output_tokens, cache_read_tokens, cache_write_tokens)
