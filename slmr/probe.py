"""Quick, read-only questions to the local model server, for ``slmr doctor`` and ``slmr models``.

Plain httpx with short timeouts instead of the ollama/openai SDKs: a diagnostic must answer in a
second or two whether the server is up, down or wedged, and must not load an SDK to find out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from slmr.config import Settings

DEFAULT_OLLAMA = "http://127.0.0.1:11434"
TIMEOUT_S = 2.0


class ProbeError(Exception):
    """The server could not be asked: unreachable, timed out, or answered with an error."""


def ollama_url(host: str | None) -> str:
    """Normalise an OLLAMA_HOST-style value ("0.0.0.0", "host:port", "http://h") into a base URL."""
    if not host:
        return DEFAULT_OLLAMA
    value = host.strip().rstrip("/")
    if "://" not in value:
        value = "http://" + value
    parts = urlsplit(value)
    hostname = parts.hostname or "127.0.0.1"
    if hostname in ("0.0.0.0", "::"):
        # a listen-on-everything address: the server is reachable on loopback
        hostname = "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 11434)
    netloc = f"[{hostname}]:{port}" if ":" in hostname else f"{hostname}:{port}"
    return f"{parts.scheme}://{netloc}{parts.path}"


@dataclass
class LocalServer:
    """What the local server said about itself."""

    backend: str
    url: str
    version: str | None = None
    models: list[dict[str, Any]] = field(default_factory=list)


def _get(url: str, timeout: float, headers: dict[str, str] | None = None) -> Any:
    import httpx

    try:
        response = httpx.get(url, timeout=timeout, headers=headers)
    except httpx.TimeoutException:
        raise ProbeError(f"no answer from {url} within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise ProbeError(f"cannot reach {url} ({type(exc).__name__})") from None
    if response.status_code >= 400:
        raise ProbeError(f"{url} answered HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise ProbeError(f"{url} did not answer with JSON") from None


def _post(url: str, body: dict[str, Any], timeout: float) -> tuple[int, Any]:
    import httpx

    try:
        response = httpx.post(url, json=body, timeout=timeout)
    except httpx.TimeoutException:
        raise ProbeError(f"no answer from {url} within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise ProbeError(f"cannot reach {url} ({type(exc).__name__})") from None
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


def local_server(settings: Settings, timeout: float = TIMEOUT_S) -> LocalServer:
    """Version and model list of the configured local server; raises ProbeError when it cannot be asked."""
    if settings.local.backend == "openai-compatible":
        base = (settings.local.base_url or "").rstrip("/")
        if not base:
            raise ProbeError("local.base_url is not set")
        headers = {"Authorization": f"Bearer {settings.local.api_key}"} if settings.local.api_key else None
        listing = _get(f"{base}/models", timeout, headers)
        models = [
            {"name": str(m.get("id")), "size": None} for m in (listing or {}).get("data", []) if isinstance(m, dict)
        ]
        return LocalServer("openai-compatible", base, None, models)
    url = ollama_url(settings.local.host)
    version = (_get(f"{url}/api/version", timeout) or {}).get("version")
    tags = _get(f"{url}/api/tags", timeout) or {}
    models = [
        {"name": str(m.get("name") or m.get("model")), "size": m.get("size")}
        for m in tags.get("models", [])
        if isinstance(m, dict)
    ]
    return LocalServer("ollama", url, version, models)


def ollama_context_length(settings: Settings, model: str, timeout: float = TIMEOUT_S) -> int | None:
    """The model's trained context length from /api/show; None when the server does not report it.

    Raises ProbeError when the model is not on the server (HTTP 404) or the server cannot be asked.
    """
    url = ollama_url(settings.local.host)
    status, body = _post(f"{url}/api/show", {"model": model}, timeout)
    if status == 404:
        raise ProbeError(f"model {model} is not on the server")
    if status >= 400 or not isinstance(body, dict):
        raise ProbeError(f"{url}/api/show answered HTTP {status}")
    info = body.get("model_info") or {}
    arch = info.get("general.architecture")
    value = info.get(f"{arch}.context_length") if arch else None
    if value is None:
        value = next((v for k, v in info.items() if k.endswith(".context_length")), None)
    return int(value) if isinstance(value, int | float) else None


def has_model(server: LocalServer, model: str) -> bool:
    """Whether ``model`` is listed; Ollama's implicit ":latest" tag counts."""
    names = {m["name"] for m in server.models}
    return model in names or (":" not in model and f"{model}:latest" in names)
