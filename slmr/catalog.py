"""What ``slmr models`` lists: the local server's models (when it answers) and the cloud models
slmr knows prices for, with the configured ones marked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slmr import config, pricing, probe


@dataclass
class Catalog:
    local_backend: str
    local_url: str | None
    #: None when the local server could not be asked (then ``local_error`` says why)
    local: list[dict[str, Any]] | None
    local_error: str | None
    cloud: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "local": {
                "backend": self.local_backend,
                "url": self.local_url,
                "reachable": self.local is not None,
                "error": self.local_error,
                "models": self.local or [],
            },
            "cloud": self.cloud,
            "prices_as_of": pricing.as_of(),
        }


def build(settings: config.Settings, timeout: float = probe.TIMEOUT_S) -> Catalog:
    local: list[dict[str, Any]] | None = None
    error = None
    url = None
    try:
        server = probe.local_server(settings, timeout)
        url = server.url
        local = [
            {"name": m["name"], "size_bytes": m.get("size"), "configured": m["name"] == settings.local.model}
            for m in server.models
        ]
        if not probe.has_model(server, settings.local.model):
            local.insert(0, {"name": settings.local.model, "size_bytes": None, "configured": True, "missing": True})
    except probe.ProbeError as exc:
        error = str(exc)
    configured = settings.cloud.resolved_model()
    prices = pricing.table(settings.prices)
    names = [configured, *(name for name in prices if name != configured)]
    cloud = []
    for name in names:
        price = prices.get(name) or pricing.lookup(name, settings.cloud.provider, settings.prices)
        cloud.append(
            {
                "name": name,
                "configured": name == configured,
                "input_usd_per_mtok": price.input if price else None,
                "output_usd_per_mtok": price.output if price else None,
                "price_source": price.source if price else None,
            }
        )
    return Catalog(settings.local.backend, url, local, error, cloud)
