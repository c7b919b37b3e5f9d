#!/usr/bin/env python3
"""What the commit hook adds to `git commit`, apart from the model's own time.

Times `git commit -m` (median wall time over several runs, each a fresh process) in a temporary
repository: without the hook; with it and hook.mode = off; with Ollama down (the failure path);
and with a stand-in Ollama that answers at once (the full path: Python start, pipeline, ledger,
checks, atomic rewrite). Nothing touches the real home: SLMR_HOME and HOME point at the temp dir.

    python scripts/bench_hook.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class InstantOllama(BaseHTTPRequestHandler):
    """/api/chat answering at once, in Ollama's NDJSON shape."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        lines = [
            {"model": body.get("model"), "message": {"role": "assistant", "content": "Fix the thing"}, "done": False},
            {
                "model": body.get("model"),
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": "stop",
                "prompt_eval_count": 150,
                "eval_count": 5,
            },
        ]
        data = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def git(repo: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def median_commit_ms(repo: Path, env: dict[str, str], runs: int) -> float:
    times = []
    for i in range(runs):
        (repo / "f.txt").write_text(f"{time.time()} {i}\n")
        git(repo, env, "add", "f.txt")
        start = time.perf_counter()
        git(repo, env, "commit", "-q", "-m", "fix teh thing")
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), InstantOllama)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {
            **os.environ,
            "HOME": str(root),
            "SLMR_HOME": str(root / "slmr"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Bench",
            "GIT_AUTHOR_EMAIL": "bench@example.com",
            "GIT_COMMITTER_NAME": "Bench",
            "GIT_COMMITTER_EMAIL": "bench@example.com",
        }
        repo = root / "repo"
        repo.mkdir()
        git(repo, env, "init", "-q")
        results = {"no hook": median_commit_ms(repo, env, args.runs)}
        subprocess.run([sys.executable, "-m", "slmr", "hook", "install"], cwd=repo, env=env, check=True)
        results["hook, mode off"] = median_commit_ms(repo, {**env, "SLMR_HOOK_MODE": "off"}, args.runs)
        results["hook, Ollama down"] = median_commit_ms(repo, {**env, "OLLAMA_HOST": "http://127.0.0.1:9"}, args.runs)
        host = f"http://127.0.0.1:{server.server_address[1]}"
        results["hook, instant model"] = median_commit_ms(repo, {**env, "OLLAMA_HOST": host}, args.runs)
    server.shutdown()
    width = max(map(len, results))
    print(f"git commit -m, median of {args.runs} runs ({sys.platform}, Python {sys.version.split()[0]})")
    for name, ms in results.items():
        print(f"  {name:<{width}}  {ms:7.1f} ms")


if __name__ == "__main__":
    main()
