"""The deterministic output checks, one behaviour at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slmr import checks
from slmr.errors import InputError

DOC = """# Deploy guide

Run `make deploy` after reading https://example.com/docs/deploy.

```bash
make deploy ENV=prod
```

## Rollback

Use `make rollback`; see https://example.com/rollback?x=1.
"""


def names(verdict: checks.Verdict) -> set[str]:
    return {f.check for f in verdict.failures}


def test_a_faithful_rewrite_passes():
    answer = DOC.replace("after reading", "once you have read")
    assert checks.check("rewrite", DOC, answer).ok


@pytest.mark.parametrize(
    ("change", "failed"),
    [
        (lambda d: d.replace("ENV=prod", "ENV=production"), "code_block"),
        (lambda d: d.replace("```bash\nmake deploy ENV=prod\n```\n", ""), "code_block"),
        (lambda d: d.replace("`make rollback`", "make rollback"), "inline_code"),
        (lambda d: d.replace("https://example.com/rollback?x=1", "the rollback page"), "url"),
        (lambda d: d.replace("## Rollback", "## Rolling back"), "heading"),
        (lambda d: d.replace("## Rollback", "### Rollback"), "heading"),
    ],
)
def test_rewrite_must_keep_code_urls_and_headings(change, failed):
    verdict = checks.check("rewrite", DOC, change(DOC))
    assert failed in names(verdict), verdict.failures


def test_trailing_spaces_in_a_code_block_do_not_count_as_a_change():
    assert checks.check("rewrite", DOC, DOC.replace("ENV=prod\n", "ENV=prod   \n")).ok


def test_urls_inside_code_blocks_are_checked_with_the_block_not_twice():
    doc = "Intro text.\n\n```\ncurl https://example.com/x\n```\n"
    assert checks.protected(doc).urls == []


def test_a_url_at_the_end_of_a_sentence_loses_its_full_stop():
    assert checks.protected("See https://example.com/a.").urls == ["https://example.com/a"]


@pytest.mark.parametrize(
    "answer",
    [
        "Sure, I fixed the typos.\nThe deploy failed because the cache was stale.",
        "Here is the corrected version of your notes\nThe deploy failed.",
        "I have rewritten the text.\nThe deploy failed.",
        "The deploy failed because the cache was stale.\n\nLet me know if you need any other changes!",
        "The deploy failed.\n\nI hope this helps.",
    ],
)
def test_chatter_around_the_answer_fails(answer):
    assert "chatter" in names(checks.check("rewrite", "teh deploy failed becuase the cache was stale", answer))


def test_chatter_words_that_were_in_the_input_are_not_chatter():
    content = "Sure, we can ship on Friday.\n\nLet me know if that works."
    assert checks.check("rewrite", content, "Sure, we can ship on Friday.\n\nLet me know if this works.").ok


def test_rewrite_length_within_bounds():
    long = "The deploy failed because the cache was stale. " * 10
    assert "length" in names(checks.check("rewrite", long, "The deploy failed."))
    assert "length" in names(checks.check("rewrite", long, long * 3))
    assert checks.check("rewrite", long, long[: len(long) // 2]).ok
    # short inputs are too short for a ratio to mean anything
    assert checks.check("rewrite", "teh fix", "The fix for the stale cache in the deploy pipeline.").ok


def test_summary_must_be_shorter_than_its_input():
    text = "The deploy failed because the cache was stale. " * 10
    assert "not_shorter" in names(checks.check("summarize", text, text + " More."))
    assert checks.check("summarize", text, "The deploy failed: stale cache.").ok


def test_empty_answer_fails_every_task():
    for task in ("rewrite", "summarize", "extract", "ask", "create"):
        assert names(checks.check(task, "x", " \n")) == {"empty"}


def test_free_form_answers_are_only_checked_for_emptiness():
    assert checks.check("ask", "", "Sure! Here is the answer you asked for:\nLet me know if...").ok


def test_json_answers_are_parsed_and_normalised():
    verdict = checks.check("extract", "x", '```json\n[{"a": 1}]\n```', json_mode=True)
    assert verdict.ok and verdict.answer == '[{"a": 1}]\n'
    broken = checks.check("extract", "x", '{"a": ', json_mode=True)
    assert names(broken) == {"json"} and "not valid JSON" in broken.summary()


SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "due": {"type": "string", "format": "date"}},
        "required": ["name"],
        "additionalProperties": False,
    },
}


def test_json_must_match_the_schema():
    assert checks.check("extract", "x", '[{"name": "Sam"}]', schema=SCHEMA).ok
    verdict = checks.check("extract", "x", '[{"owner": "Sam"}]', schema=SCHEMA)
    assert names(verdict) == {"schema"}
    assert "$[0]" in verdict.summary()
    assert "schema" in names(checks.check("extract", "x", '{"name": "Sam"}', schema=SCHEMA))


def test_load_schema_accepts_a_schema_and_explains_a_bad_one(tmp_path: Path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(SCHEMA))
    assert checks.load_schema(good) == SCHEMA
    for text, expected in [
        ("{nope", "not valid JSON"),
        ("[1, 2]", "must hold a JSON object"),
        ('{"type": "no-such-type"}', "not a valid JSON Schema"),
    ]:
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        with pytest.raises(InputError, match=expected):
            checks.load_schema(bad)
    with pytest.raises(InputError, match="no such schema file"):
        checks.load_schema(tmp_path / "missing.json")
