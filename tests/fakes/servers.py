"""Local HTTP servers that speak each model API's documented wire format.

The real ``ollama``, ``anthropic`` and ``openai`` SDKs talk to these, so a test proves slmr works
with the SDKs as they are, not with a mock of them. Each fake keeps the JSON bodies it received
(``requests``) and plays scripted replies: text with usage, HTTP errors, a stream dropped midway,
a malformed stream line, a slow first token.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


class DropConnection(Exception):
    """Raised inside a streaming body: the server closes the connection mid-answer."""


@dataclass
class Reply:
    text: str = "OK."
    input_tokens: int | None = 11
    output_tokens: int | None = 7
    status: int = 200
    #: an error body to send with a non-200 status (the API's own error shape is used when None)
    error: str | None = None
    #: stop after this many text chunks by dropping the connection
    drop_after: int | None = None
    #: send one line that is not JSON after this many chunks
    malformed_after: int | None = None
    #: seconds to wait before the first byte
    delay_s: float = 0.0
    #: seconds to wait between chunks
    chunk_delay_s: float = 0.0
    #: send usage at the end of the stream (OpenAI-compatible servers often do not)
    usage: bool = True
    #: compute the reply text from the request body (e.g. echo the text to rewrite)
    respond: Callable[[dict[str, Any]], str] | None = None
    #: Ollama: report the prompt tokens the fake counts in the request (4 characters a token) and, like
    #: Ollama, keep only ``num_ctx // 2 + 2`` of them when the prompt does not fit the window
    real_prompt: bool = False
    #: extra response headers (retry-after, x-should-retry...)
    headers: dict[str, str] | None = None
    #: end the stream as the server does at the output token cap: done_reason / finish_reason "length",
    #: stop_reason "max_tokens"
    hit_limit: bool = False


def text_to_work_on(body: dict[str, Any]) -> str:
    """The text slmr put between <<< and >>> in the last user message."""
    user = [m for m in body.get("messages", []) if m.get("role") == "user"][-1]["content"]
    start = user.index("<<<\n") + 4
    return user[start : user.rindex("\n>>>")]


def chunks_of(text: str) -> list[str]:
    """Split text the way servers stream it: a word (with its following space) at a time."""
    parts, current = [], ""
    for ch in text:
        current += ch
        if ch in " \n":
            parts.append(current)
            current = ""
    if current:
        parts.append(current)
    return parts or [""]


class FakeAPI:
    path: str = "/"
    method: str = "POST"

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._replies: deque[Reply] = deque()
        self.default = Reply()
        server.expect_request(self.path, method=self.method).respond_with_handler(self._handle)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def reply(self, text: str = "OK.", times: int = 1, **kwargs: Any) -> Reply:
        """Queue a reply for the next request(s); once the queue is empty, ``default`` answers."""
        spec = Reply(text=text, **kwargs)
        for _ in range(times):
            self._replies.append(spec)
        return spec

    def always(self, text: str = "OK.", **kwargs: Any) -> None:
        self.default = Reply(text=text, **kwargs)

    def _handle(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        self.requests.append(body)
        self.headers.append({k.lower(): v for k, v in request.headers.items()})
        spec = self._replies.popleft() if self._replies else self.default
        if spec.delay_s:
            time.sleep(spec.delay_s)
        if spec.status != 200:
            return Response(
                spec.error or self.error_body(spec.status),
                status=spec.status,
                mimetype="application/json",
                headers=spec.headers,
            )
        if spec.respond is not None:
            spec = replace(spec, text=spec.respond(body))
        # an exception raised by the body iterator (DropConnection) makes the server close the
        # connection without the final chunk: the client sees a stream cut off mid-answer
        return Response(self.stream(body, spec), mimetype=self.mimetype, direct_passthrough=True, headers=spec.headers)

    def _pace(self, spec: Reply, index: int) -> None:
        if spec.drop_after is not None and index >= spec.drop_after:
            raise DropConnection()
        if spec.chunk_delay_s:
            time.sleep(spec.chunk_delay_s)

    # subclasses
    mimetype = "application/json"

    def error_body(self, status: int) -> str:
        return json.dumps({"error": f"HTTP {status}"})

    def stream(self, body: dict[str, Any], spec: Reply) -> Iterator[bytes]:
        raise NotImplementedError


class FakeOllama(FakeAPI):
    """Ollama's /api/chat: NDJSON, the last line carries prompt_eval_count/eval_count."""

    path = "/api/chat"
    mimetype = "application/x-ndjson"

    def __init__(self, server: HTTPServer) -> None:
        super().__init__(server)
        self.models: dict[str, int] = {"llama3.2:3b": 131072}
        server.expect_request("/api/show", method="POST").respond_with_handler(self._show)
        server.expect_request("/api/tags", method="GET").respond_with_handler(self._tags)
        server.expect_request("/api/version", method="GET").respond_with_json({"version": "0.12.6"})

    def error_body(self, status: int) -> str:
        if status == 404:
            model = self.requests[-1].get("model", "?") if self.requests else "?"
            return json.dumps({"error": f"model '{model}' not found"})
        return json.dumps({"error": "llama runner process has terminated: exit status 2"})

    #: the window Ollama uses when a request sets no num_ctx
    default_num_ctx = 4096

    def prompt_count(self, body: dict[str, Any]) -> int:
        sent = sum(len(m.get("content", "")) for m in body.get("messages", [])) // 4 + 8 * len(body["messages"])
        num_ctx = (body.get("options") or {}).get("num_ctx") or self.default_num_ctx
        return sent if sent <= num_ctx else num_ctx // 2 + 2

    def missing_model(self) -> None:
        self.reply(status=404)

    def _show(self, request: Request) -> Response:
        model = (request.get_json(silent=True) or {}).get("model", "")
        if model not in self.models:
            return Response(json.dumps({"error": f"model '{model}' not found"}), status=404)
        family = "llama"
        return Response(
            json.dumps(
                {
                    "modelfile": "# Modelfile",
                    "parameters": "stop <|eot_id|>",
                    "template": "{{ .Prompt }}",
                    "details": {"format": "gguf", "family": family, "parameter_size": "3.2B"},
                    "model_info": {"general.architecture": family, f"{family}.context_length": self.models[model]},
                    "capabilities": ["completion"],
                }
            ),
            mimetype="application/json",
        )

    def _tags(self, request: Request) -> Response:
        models = [
            {"name": name, "model": name, "size": 2019393189, "digest": "a80c4f17acd5", "details": {"format": "gguf"}}
            for name in self.models
        ]
        return Response(json.dumps({"models": models}), mimetype="application/json")

    def stream(self, body: dict[str, Any], spec: Reply) -> Iterator[bytes]:
        model = body.get("model", "")
        for i, piece in enumerate(chunks_of(spec.text)):
            self._pace(spec, i)
            if spec.malformed_after is not None and i == spec.malformed_after:
                yield b"{not json\n"
            line = {
                "model": model,
                "created_at": "2026-11-22T10:00:00.000000Z",
                "message": {"role": "assistant", "content": piece},
                "done": False,
            }
            yield (json.dumps(line) + "\n").encode()
        final: dict[str, Any] = {
            "model": model,
            "created_at": "2026-11-22T10:00:01.000000Z",
            "message": {"role": "assistant", "content": ""},
            "done": True,
            "done_reason": "length" if spec.hit_limit else "stop",
            "total_duration": 1_000_000,
            "load_duration": 10_000,
            "prompt_eval_duration": 200_000,
            "eval_duration": 700_000,
        }
        if spec.usage:
            final["prompt_eval_count"] = self.prompt_count(body) if spec.real_prompt else spec.input_tokens
            final["eval_count"] = spec.output_tokens
        yield (json.dumps(final) + "\n").encode()


def _sse(event: str | None, data: dict[str, Any] | str) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n".encode()


class FakeAnthropic(FakeAPI):
    """Anthropic Messages API, streaming: message_start … content_block_delta … message_delta, message_stop."""

    path = "/v1/messages"
    mimetype = "text/event-stream"

    def error_body(self, status: int) -> str:
        kinds = {
            400: "invalid_request_error",
            401: "authentication_error",
            403: "permission_error",
            404: "not_found_error",
            429: "rate_limit_error",
            500: "api_error",
            529: "overloaded_error",
        }
        kind = kinds.get(status, "api_error")
        return json.dumps({"type": "error", "error": {"type": kind, "message": kind.replace("_", " ")}})

    def stream(self, body: dict[str, Any], spec: Reply) -> Iterator[bytes]:
        model = body.get("model", "")
        yield _sse(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_fake01",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": model,
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": spec.input_tokens or 0, "output_tokens": 1},
                },
            },
        )
        yield _sse(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        )
        yield _sse("ping", {"type": "ping"})
        for i, piece in enumerate(chunks_of(spec.text)):
            self._pace(spec, i)
            yield _sse(
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}},
            )
        yield _sse("content_block_stop", {"type": "content_block_stop", "index": 0})
        yield _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "max_tokens" if spec.hit_limit else "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": spec.output_tokens or 0},
            },
        )
        yield _sse("message_stop", {"type": "message_stop"})


class FakeOpenAI(FakeAPI):
    """OpenAI Chat Completions, streaming; with stream_options.include_usage the last chunk carries usage."""

    path = "/v1/chat/completions"
    mimetype = "text/event-stream"

    def error_body(self, status: int) -> str:
        return json.dumps({"error": {"message": f"HTTP {status}", "type": "server_error", "code": None}})

    def stream(self, body: dict[str, Any], spec: Reply) -> Iterator[bytes]:
        model = body.get("model", "")
        include_usage = bool((body.get("stream_options") or {}).get("include_usage")) and spec.usage

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            out: dict[str, Any] = {
                "id": "chatcmpl-fake01",
                "object": "chat.completion.chunk",
                "created": 1_790_000_000,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            if include_usage:
                out["usage"] = None
            return out

        yield _sse(None, chunk({"role": "assistant", "content": ""}))
        for i, piece in enumerate(chunks_of(spec.text)):
            self._pace(spec, i)
            if spec.malformed_after is not None and i == spec.malformed_after:
                yield b"data: {not json\n\n"
            yield _sse(None, chunk({"content": piece}))
        yield _sse(None, chunk({}, "length" if spec.hit_limit else "stop"))
        if include_usage:
            inp, out = spec.input_tokens or 0, spec.output_tokens or 0
            yield _sse(
                None,
                {
                    "id": "chatcmpl-fake01",
                    "object": "chat.completion.chunk",
                    "created": 1_790_000_000,
                    "model": model,
                    "choices": [],
                    "usage": {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out},
                },
            )
        yield _sse(None, "[DONE]")
