"""A recording reverse proxy between slmr and llama-server.

It lets a test read exactly what the real server sent (the SSE usage chunk, the Anthropic events), and, with
``drop_usage``, play a server that reports no usage at all (as some OpenAI-compatible servers do) while the
text still comes from the real model.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "te", "trailer", "upgrade"}


class Recorder:
    def __init__(self, upstream: str, *, drop_usage: bool = False) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.drop_usage = drop_usage
        #: one (path, request JSON, raw upstream response body) per request
        self.exchanges: list[tuple[str, dict, bytes]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Recorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def events(self, index: int = -1) -> list[dict]:
        """The JSON payloads of the SSE ``data:`` lines the server sent for one request."""
        body = self.exchanges[index][2].decode()
        found = []
        for line in body.splitlines():
            if line.startswith("data:"):
                payload = line[len("data:") :].strip()
                if payload and payload != "[DONE]":
                    found.append(json.loads(payload))
        return found

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | {"host"}}
                upstream = http.client.HTTPConnection(recorder.upstream_host, recorder.upstream_port, timeout=120)
                upstream.request("POST", self.path, body=body, headers=headers)
                reply = upstream.getresponse()
                self.send_response(reply.status)
                for key, value in reply.getheaders():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Connection", "close")
                self.end_headers()
                raw = bytearray()
                # line by line, flushed, so the client still sees a stream
                for line in iter(reply.readline, b""):
                    raw += line
                    self.wfile.write(recorder._rewrite(line))
                    self.wfile.flush()
                upstream.close()
                recorder.exchanges.append((self.path, json.loads(body or b"{}"), bytes(raw)))

        return Handler

    def _rewrite(self, line: bytes) -> bytes:
        if not self.drop_usage or not line.startswith(b"data:"):
            return line
        payload = line[len(b"data:") :].strip()
        if not payload.startswith(b"{"):
            return line
        event = json.loads(payload)
        if "usage" not in event and "timings" not in event:
            return line
        event.pop("usage", None)
        event.pop("timings", None)
        if not event.get("choices"):
            return b""  # a usage-only chunk: a server without usage would not send it at all
        return b"data: " + json.dumps(event).encode() + b"\n"
