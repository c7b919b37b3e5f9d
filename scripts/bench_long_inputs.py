"""How long slmr's own work on a long input takes (not the model's): splitting a 50,000-word
document into chunks and checking a rewrite of it. Run: python scripts/bench_long_inputs.py"""

from __future__ import annotations

import statistics
import time

from slmr import checks, chunking, context

SECTION = """## Step {n}

The service {n} starts after the cache warms up; see `svc --step {n}` and https://example.com/steps/{n}.
{prose}

```python
def step_{n}():
    return {n}
```

"""


def document(words: int) -> str:
    prose = " ".join(f"word{i % 50}" for i in range(80)) + ".\n\n"
    parts, n = ["# Guide\n\n"], 0
    while sum(len(p.split()) for p in parts) < words:
        n += 1
        parts.append(SECTION.format(n=n, prose=prose * 5))
    return "".join(parts)


def timed(fn, repeat: int = 7) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    doc = document(50_000)
    words, tokens = len(doc.split()), context.sizing_tokens(doc)
    print(f"document: {words:,} words, {len(doc):,} characters, ~{tokens:,} tokens (sizing estimate)")
    for budget in (8000, 3000):
        t, parts = timed(lambda b=budget: chunking.split(doc, b, context.sizing_tokens, hard=False))
        print(f"split into chunks of <= {budget:,} tokens: {len(parts)} chunks in {t * 1000:.1f} ms (median of 7)")
    t, verdict = timed(lambda: checks.check("rewrite", doc, doc))
    kept = checks.protected(doc)
    print(
        f"rewrite checks ({len(kept.code_blocks)} code blocks, {len(kept.inline_code)} inline spans, "
        f"{len(kept.urls)} URLs, {len(kept.headings)} headings): {t * 1000:.1f} ms, ok={verdict.ok}"
    )


if __name__ == "__main__":
    main()
