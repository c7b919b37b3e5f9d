"""Splitting long documents: lossless, on headings then paragraphs, never inside a code block."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slmr import checks, chunking
from slmr.context import sizing_tokens

DOC = (
    "# Title\n\nIntro paragraph one.\nStill intro.\n\n"
    "```python\ndef f():\n\n    return 1\n```\n\n"
    "## Part A\n\nA paragraph.\n\n\nAnother A paragraph.\n"
    "## Part B\nB text right under the heading.\n"
)


def test_units_join_back_and_keep_code_blocks_whole():
    units = chunking.units(DOC)
    assert "".join(u for u, _ in units) == DOC
    assert "```python\ndef f():\n\n    return 1\n```\n\n" in [u for u, _ in units]
    assert [u.split("\n")[0] for u, starts in units if starts] == ["# Title", "## Part A", "## Part B"]


def test_split_prefers_section_starts():
    chunks = chunking.split(DOC, 40, sizing_tokens, hard=False)
    assert "".join(chunks) == DOC
    assert len(chunks) > 1 and all(c.startswith("#") for c in chunks)
    assert all(sizing_tokens(c) <= 40 for c in chunks)


def test_a_code_block_larger_than_a_chunk_cannot_be_rewritten_in_parts():
    doc = "Intro.\n\n```\n" + "x = 1\n" * 200 + "```\n"
    with pytest.raises(chunking.TooBig, match="fenced code block"):
        chunking.split(doc, 100, sizing_tokens, hard=False)
    # a summary does not mind a cut
    parts = chunking.split(doc, 100, sizing_tokens, hard=True)
    assert "".join(parts) == doc and all(sizing_tokens(p) <= 100 for p in parts)


def test_one_enormous_line_is_cut_at_spaces_for_a_summary():
    doc = "word " * 5000
    parts = chunking.split(doc, 300, sizing_tokens, hard=True)
    assert "".join(parts) == doc and all(sizing_tokens(p) <= 300 for p in parts)


markdownish = st.lists(
    st.one_of(
        st.text(alphabet="abc é漢\n ", max_size=80),
        st.sampled_from(["# H\n", "## Sub\n", "\n\n", "```\ncode\n\nmore\n```\n", "~~~\nx\n~~~\n", "- item\n"]),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(markdownish, st.integers(min_value=8, max_value=200))
def test_split_is_lossless_and_within_budget(doc, budget):
    parts = chunking.split(doc, budget, sizing_tokens, hard=True)
    assert "".join(parts) == doc
    assert all(sizing_tokens(p) <= budget for p in parts)


@settings(max_examples=200, deadline=None)
@given(markdownish, st.integers(min_value=8, max_value=200))
def test_soft_split_never_cuts_a_code_block(doc, budget):
    try:
        parts = chunking.split(doc, budget, sizing_tokens, hard=False)
    except chunking.TooBig:
        return
    assert "".join(parts) == doc
    blocks, _ = checks.split_fences(doc)
    for block in blocks:  # each code block lies whole inside one chunk
        assert any(block in part for part in parts), block


def test_reassemble_keeps_the_space_between_chunks():
    originals = ["# A\n\ntext a\n\n\n", "# B\ntext b\n"]
    assert chunking.reassemble(originals, ["# A\n\nText A.", "# B\nText B.\n"]) == "# A\n\nText A.\n\n\n# B\nText B.\n"


def test_batches_fit_the_budget():
    parts = ["x" * 300] * 10  # 100 tokens each
    groups = chunking.batches(parts, 250, sizing_tokens)
    assert [len(g) for g in groups] == [2, 2, 2, 2, 2]


def test_merge_json_without_a_model():
    assert chunking.merge_json([[{"a": 1}], [{"a": 1}, {"a": 2}], None]) == [{"a": 1}, {"a": 2}]
    merged = chunking.merge_json([{"people": ["Sam"], "date": None}, {"people": ["Ana", "Sam"], "date": "2026-01-02"}])
    assert merged == {"people": ["Sam", "Ana"], "date": "2026-01-02"}
    assert chunking.merge_json([{"a": 1}, [2]]) == [{"a": 1}, 2]
    assert chunking.merge_json([]) is None
