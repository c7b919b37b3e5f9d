"""Inputs longer than the local model's window: map-reduce, section-by-section rewrite, or the frontier model."""

from __future__ import annotations

import json
import re

from tests.fakes.servers import text_to_work_on

VOCAB = [
    "deploy",
    "cache",
    "stale",
    "server",
    "request",
    "latency",
    "budget",
    "owner",
    "ticket",
    "release",
    "rollback",
    "metric",
    "alert",
]


def document(words: int, per_paragraph: int = 100, paragraphs_per_section: int = 5) -> str:
    out, n, section = [], 0, 0
    while n < words:
        section += 1
        out.append(f"## Section {section}\n\n")
        for _ in range(paragraphs_per_section):
            if n >= words:
                break
            take = min(per_paragraph, words - n)
            out.append(" ".join(f"{VOCAB[(n + i) % len(VOCAB)]}{(n + i) % 7}" for i in range(take)) + ".\n\n")
            n += take
    return "".join(out)


def summarize_parts(body: dict) -> str:
    user = body["messages"][-1]["content"]
    if "[part 1]" in user:
        return "The whole document in brief: deploys leave stale caches."
    index = re.search(r"part (\d+) of (\d+)", user)
    return f"- Part {index.group(1)}: key facts." if index else "A summary."


def test_summarize_a_50000_word_document_in_chunks(cli, fake_ollama, ledger_rows):
    doc = document(50_000)
    assert len(doc.split()) >= 50_000
    fake_ollama.always(respond=summarize_parts, real_prompt=True)

    result = cli("summarize", input=doc)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == "The whole document in brief: deploys leave stale caches.\n"
    note = result.stderr.strip().splitlines()
    assert len(note) == 1 and "summarize in" in note[0] and "then combining the parts" in note[0]
    chunks = int(re.search(r"in (\d+) chunks", note[0]).group(1))
    assert chunks >= 10  # local.chunk_tokens defaults to 8,000
    maps, reduce = fake_ollama.requests[:-1], fake_ollama.requests[-1]
    assert len(maps) == chunks
    # every word of the document went to exactly one map call, in order
    sent = "".join(text_to_work_on(body) for body in maps)
    assert sent.split() == doc.split()
    # each call's window fits it: the fake counts like Ollama and would have cut an oversized prompt
    for body in fake_ollama.requests:
        assert fake_ollama.prompt_count(body) < body["options"]["num_ctx"] <= 32768
    assert all(f"[part {i}]\n- Part {i}: key facts." in text_to_work_on(reduce) for i in range(1, chunks + 1))

    rows = ledger_rows()
    assert [r["attempt"] for r in rows] == ["map"] * chunks + ["reduce"]
    assert [r["final"] for r in rows] == [0] * chunks + [1]
    assert [r["parent_id"] for r in rows] == [None] + [r["id"] for r in rows[:-1]]
    assert all(r["status"] == "ok" for r in rows)


def test_a_failing_chunk_is_retried_on_its_own(cli, fake_ollama, monkeypatch, ledger_rows):
    monkeypatch.setenv("SLMR_LOCAL_NUM_CTX_MAX", "4096")
    doc = document(3_000)
    calls = {"n": 0}

    def flaky(body: dict) -> str:
        calls["n"] += 1
        return "" if calls["n"] == 2 else summarize_parts(body)

    fake_ollama.always(respond=flaky, real_prompt=True)
    result = cli("summarize", input=doc)
    assert result.exit_code == 0, result.stderr
    attempts = [r["attempt"] for r in ledger_rows()]
    assert attempts[:3] == ["map", "map", "retry"] and attempts[-1] == "reduce"
    assert "the local answer (part 2/" in result.stderr and "the answer is empty" in result.stderr


CODE_DOC_SECTION = """## Step {n}

Teh step {n} explains how teh service starts. See `svc --step {n}` and https://example.com/steps/{n}.

```python
def step_{n}():
    return {n}  # keep me exactly
```

{filler}

"""


def code_document(sections: int) -> str:
    filler = "Some more prose about teh deploy that goes on for a while. " * 12
    return "# Guide\n\n" + "".join(CODE_DOC_SECTION.format(n=i, filler=filler) for i in range(1, sections + 1))


def test_rewrite_section_by_section_keeps_every_code_block_and_the_structure(cli, fake_ollama, monkeypatch):
    monkeypatch.setenv("SLMR_LOCAL_NUM_CTX_MAX", "4096")
    doc = code_document(30)
    fake_ollama.always(respond=lambda body: text_to_work_on(body).replace("Teh", "The").replace("teh", "the"),
                       real_prompt=True)  # fmt: skip

    result = cli("rewrite", input=doc)

    assert result.exit_code == 0, result.stderr
    assert result.stdout == doc.replace("Teh", "The").replace("teh", "the")
    assert "section by section" in result.stderr
    assert len(fake_ollama.requests) > 3
    for body in fake_ollama.requests:
        part = text_to_work_on(body)
        assert part.count("```") % 2 == 0  # no code block was cut in two
        assert fake_ollama.prompt_count(body) < body["options"]["num_ctx"] <= 4096
    for i in range(1, 31):
        assert f"def step_{i}():\n    return {i}  # keep me exactly\n" in result.stdout


def test_rewrite_sections_stream_on_a_terminal(cli, fake_ollama, monkeypatch):
    monkeypatch.setenv("SLMR_LOCAL_NUM_CTX_MAX", "4096")
    doc = code_document(12)
    fake_ollama.always(respond=text_to_work_on, real_prompt=True)
    result = cli("rewrite", input=doc, tty=True)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == doc


def test_extract_json_in_parts_is_merged_without_a_model(cli, fake_ollama, monkeypatch, ledger_rows):
    monkeypatch.setenv("SLMR_LOCAL_NUM_CTX_MAX", "4096")
    doc = document(4_000)

    def people(body: dict) -> str:
        index = int(re.search(r"part (\d+) of", body["messages"][-1]["content"]).group(1))
        return json.dumps([{"name": f"person {index}"}, {"name": "Sam"}])

    fake_ollama.always(respond=people, real_prompt=True)
    result = cli("extract", "--json", "-i", "people", input=doc)
    assert result.exit_code == 0, result.stderr
    names = [p["name"] for p in json.loads(result.stdout)]
    n = len(fake_ollama.requests)
    assert n > 1 and names == ["person 1", "Sam"] + [f"person {i}" for i in range(2, n + 1)]
    rows = ledger_rows()
    assert [r["final"] for r in rows] == [0] * (n - 1) + [1]


def test_what_cannot_be_chunked_goes_to_the_frontier_model_and_says_why(
    cli, fake_ollama, fake_anthropic, monkeypatch, ledger_rows
):
    monkeypatch.setenv("SLMR_LOCAL_NUM_CTX_MAX", "4096")
    doc = "Intro.\n\n```\n" + "x = compute(1, 2, 3)\n" * 800 + "```\n"  # one code block, ~5,000 tokens
    fake_anthropic.reply(doc)
    result = cli("rewrite", input=doc)
    assert result.exit_code == 0, result.stderr
    assert "too long for llama3.2:3b" in result.stderr and "a fenced code block" in result.stderr
    assert "sending it to anthropic claude-opus-5-5" in result.stderr
    assert fake_ollama.requests == []
    [row] = ledger_rows()
    assert (row["backend"], row["route"], row["decided_by"]) == ("anthropic", "create", "policy")


def test_too_many_chunks_go_to_the_frontier_model(cli, fake_ollama, fake_anthropic, monkeypatch):
    monkeypatch.setenv("SLMR_LOCAL_NUM_CTX_MAX", "4096")
    monkeypatch.setenv("SLMR_LOCAL_MAX_CHUNKS", "3")
    fake_anthropic.reply("Short.")
    result = cli("summarize", input=document(5_000))
    assert result.exit_code == 0
    assert "local.max_chunks is 3" in result.stderr
    assert fake_ollama.requests == []


def test_forced_local_that_cannot_fit_is_a_clear_error(cli, fake_ollama, fake_anthropic, monkeypatch):
    monkeypatch.setenv("SLMR_LOCAL_NUM_CTX_MAX", "4096")
    doc = "```\n" + "x = 1\n" * 5000 + "```\n"
    result = cli("rewrite", "--local", input=doc)
    assert result.exit_code == 2
    assert "too long for llama3.2:3b" in result.stderr and "drop --local" in result.stderr
    assert fake_ollama.requests == [] and fake_anthropic.requests == []


def test_a_long_ask_goes_to_the_frontier_model(cli, fake_ollama, fake_anthropic, monkeypatch):
    monkeypatch.setenv("SLMR_LOCAL_NUM_CTX_MAX", "4096")
    # the router itself sends inputs beyond router.context_tokens to create; widen it so that this
    # test reaches the pipeline's own too-long fallback
    monkeypatch.setenv("SLMR_ROUTER_CONTEXT_TOKENS", "1000000")
    fake_anthropic.reply("Fixed.")
    result = cli("ask", "fix the typos in this", input=document(5_000))
    assert result.exit_code == 0, result.stderr
    assert fake_ollama.requests == [] and len(fake_anthropic.requests) == 1
    # the router said reshape; the input does not fit and an open question cannot be split
    assert result.stderr.startswith("slmr: reshape ")
    assert "ask cannot be done in parts: sending it to anthropic claude-opus-5-5" in result.stderr
