"""The openai-compatible local backend, token caps, estimated usage, and streams cut by a dying server.

The real-server tier (tests/integration) runs the same paths against llama-server; these are the fast
versions against the fake servers and a raw socket, so a plain `pytest -m "not integration"` covers them.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest

NOTES = "teh deploy failed becuase the cache was stale.\n"


@pytest.fixture
def compat(fake_openai, monkeypatch):
    """slmr's local backend pointed at an OpenAI-compatible server (the fake one)."""
    monkeypatch.setenv("SLMR_LOCAL_BACKEND", "openai-compatible")
    monkeypatch.setenv("SLMR_LOCAL_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("SLMR_LOCAL_MODEL", "smollm2")
    return fake_openai


def test_local_server_gets_a_token_cap_under_the_name_every_server_knows(cli, compat, ledger_rows):
    compat.reply("The deploy failed because the cache was stale.\n", input_tokens=30, output_tokens=9)

    result = cli("rewrite", input=NOTES)

    assert result.exit_code == 0, result.stderr
    sent = compat.requests[0]
    assert sent["max_tokens"] == 4096 and "max_completion_tokens" not in sent
    assert sent["stream_options"] == {"include_usage": True}
    [row] = ledger_rows()
    assert (row["backend"], row["model"], row["status"]) == ("openai-compatible", "smollm2", "ok")
    assert (row["input_tokens"], row["output_tokens"], row["tokens_estimated"]) == (30, 9, 0)


def test_the_local_token_cap_is_configurable(cli, compat, monkeypatch):
    monkeypatch.setenv("SLMR_LOCAL_MAX_TOKENS", "64")
    compat.reply("Fixed.\n")
    assert cli("rewrite", input=NOTES).exit_code == 0
    assert compat.requests[0]["max_tokens"] == 64


def test_a_local_answer_that_reaches_the_token_cap_is_not_accepted(cli, compat, monkeypatch, ledger_rows):
    monkeypatch.setenv("SLMR_LOCAL_ESCALATE", "never")
    compat.always("The deploy failed because", hit_limit=True)  # finish_reason "length"
    result = cli("rewrite", input=NOTES)
    assert result.exit_code == 5
    assert result.stdout == ""
    assert "smollm2 stopped at its output token limit" in result.stderr
    assert [r["checks"] for r in ledger_rows()] == ["cut_off", "cut_off"]


def test_cloud_openai_sends_cloud_max_tokens_as_max_completion_tokens(cli, fake_openai, monkeypatch):
    monkeypatch.setenv("SLMR_CLOUD_PROVIDER", "openai")
    monkeypatch.setenv("SLMR_CLOUD_MAX_TOKENS", "1234")
    fake_openai.reply("A plan.\n")
    assert cli("create", "plan it").exit_code == 0
    sent = fake_openai.requests[0]
    assert sent["max_completion_tokens"] == 1234 and "max_tokens" not in sent


def test_a_server_without_usage_is_estimated_and_spend_says_so(cli, compat, ledger_rows):
    compat.reply("The deploy failed because the cache was stale.\n", usage=False)

    assert cli("rewrite", input=NOTES).exit_code == 0

    [row] = ledger_rows()
    assert row["tokens_estimated"] == 1 and row["input_tokens"] > 0 and row["output_tokens"] > 0
    table = cli("spend")
    assert table.exit_code == 0
    assert "estimated token counts: 1 of 1 calls" in table.stdout
    assert json.loads(cli("spend", "--json").stdout)["estimated_calls"] == 1


def test_spend_table_is_silent_about_estimates_when_there_are_none(cli, compat):
    compat.reply("Fixed.\n")
    assert cli("rewrite", input=NOTES).exit_code == 0
    assert "estimated" not in cli("spend").stdout


class ChunkedThenDead:
    """A server that starts a chunked SSE response, sends ``events``, then closes the socket mid-body.

    That is what a killed llama-server looks like to the client: an incomplete chunked read, which the
    anthropic SDK lets through as the HTTP library's own error and the openai SDK wraps as a connection error.
    """

    def __init__(self, events: list[bytes]) -> None:
        self.events = events
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            while len(body) < length:
                body += conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
            for event in self.events:
                conn.sendall(f"{len(event):x}\r\n".encode() + event + b"\r\n")
            # no terminating zero-length chunk: the server died

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def dying_server() -> Iterator[type[ChunkedThenDead]]:
    servers: list[ChunkedThenDead] = []

    def start(events: list[bytes]) -> ChunkedThenDead:
        server = ChunkedThenDead(events)
        servers.append(server)
        return server

    yield start  # type: ignore[misc]
    for server in servers:
        server.close()


def _sse(event: str | None, data: dict) -> bytes:
    return (f"event: {event}\n" if event else "").encode() + b"data: " + json.dumps(data).encode() + b"\n\n"


def _one_line_error(result) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("slmr: error: ")
    return lines[0]


def test_anthropic_stream_cut_by_a_dying_server(cli, dying_server, monkeypatch, ledger_rows):
    server = dying_server(
        [
            _sse(
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": "msg_1",
                        "type": "message",
                        "role": "assistant",
                        "content": [],
                        "model": "m",
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {"input_tokens": 21, "output_tokens": 0},
                    },
                },
            ),
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            ),
            _sse(
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Once upon a "}},
            ),
        ]
    )
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-not-a-real-key")
    monkeypatch.setenv("SLMR_CLOUD_MAX_RETRIES", "0")

    result = cli("create", "tell a story")

    assert result.exit_code == 4
    assert "broke off after 3 chunks" in _one_line_error(result)
    assert result.stdout.startswith("Once upon a ")
    [row] = ledger_rows()
    assert (row["backend"], row["status"]) == ("anthropic", "error")
    # input as the server reported it at the start; output counted from what arrived
    assert (row["input_tokens"], row["tokens_estimated"]) == (21, 1) and row["output_tokens"] > 0


def test_local_stream_cut_by_a_dying_server(cli, dying_server, monkeypatch, ledger_rows):
    def chunk(content: str) -> dict:
        return {
            "id": "c1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
        }

    server = dying_server([_sse(None, chunk("The deploy ")), _sse(None, chunk("failed "))])
    monkeypatch.setenv("SLMR_LOCAL_BACKEND", "openai-compatible")
    monkeypatch.setenv("SLMR_LOCAL_BASE_URL", server.url + "/v1")

    result = cli("rewrite", input=NOTES)

    assert result.exit_code == 3
    line = _one_line_error(result)
    assert "broke off after 2 chunks" in line and "cannot reach" not in line
    [row] = ledger_rows()
    assert (row["backend"], row["status"], row["error_kind"]) == ("openai-compatible", "error", "local_error")
    assert row["tokens_estimated"] == 1 and row["output_tokens"] > 0
