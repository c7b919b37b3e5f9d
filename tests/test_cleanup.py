"""The answer cleaner: wrapping removed, content kept, the same result however the stream is cut."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slmr.cleanup import StreamCleaner, clean

CASES = [
    ("Here is the rewritten text:\n\nHello.\n", "", "Hello.\n"),
    ("Sure! Here's a summary of the notes:\n- a\n- b\n", "", "- a\n- b\n"),
    ("Certainly.\nHello.", "", "Hello."),
    ("```markdown\n# T\n\nbody\n```\n", "", "# T\n\nbody\n"),
    ("```\nx = 1\n```\nThis version renames the variable.", "", "x = 1\n"),
    ("Plain answer with no wrapping.", "", "Plain answer with no wrapping."),
    ("Text\n```py\ncode\n```\nmore text\n", "", "Text\n```py\ncode\n```\nmore text\n"),
    # a document that is itself a fenced block keeps its fence
    ("```\ncode\n```\n", "```\ncode\n```\n", "```\ncode\n```\n"),
    # "here is" inside a sentence is content, not a preamble
    ("Here is where the bug lives: the cache.\n", "", "Here is where the bug lives: the cache.\n"),
]


@pytest.mark.parametrize(("answer", "source", "expected"), CASES)
def test_clean(answer, source, expected):
    assert clean(answer, source) == expected


@settings(max_examples=200, deadline=None)
@given(case=st.sampled_from(CASES), cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_streaming_in_any_pieces_gives_the_same_text(case, cuts):
    answer, source, expected = case
    points = sorted({c % (len(answer) + 1) for c in cuts})
    pieces = [answer[a:b] for a, b in zip([0, *points], [*points, len(answer)], strict=True)]
    cleaner = StreamCleaner(source)
    assert "".join(cleaner.feed(p) for p in pieces) + cleaner.finish() == expected
