"""Benchmark: how long the secret guard and the terminal sanitizer take on large inputs.

python scripts/bench_secrets.py            # prints MB/s for prose, code and a .env-heavy text
"""

from __future__ import annotations

import random
import string
import time
from pathlib import Path

from slmr import secrets
from slmr.sanitize import TerminalSanitizer


def _time(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    code = "\n".join(p.read_text() for p in sorted((root / "slmr").rglob("*.py")))
    rng = random.Random(7)
    env = "\n".join(f"VAR_{i}={''.join(rng.choice(string.ascii_letters) for _ in range(12))}" for i in range(2000))
    corpora = {
        "prose": "The quick brown fox jumps over the lazy dog. " * 1_100_000,
        "python source": code * max(1, 50_000_000 // len(code)),
        ".env-like": env * max(1, 50_000_000 // len(env)),
    }
    for name, text in corpora.items():
        mb = len(text) / 1e6
        scan_s = _time(secrets.scan, text)
        sanitize_s = _time(TerminalSanitizer().feed, text)
        print(f"{name:14} {mb:6.1f} MB  scan {scan_s:5.2f} s ({mb / scan_s:6.1f} MB/s)  sanitize {sanitize_s:5.2f} s")


if __name__ == "__main__":
    main()
