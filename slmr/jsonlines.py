"""Reading JSON lines leniently: one bad line is reported with its number, the rest still count.

``route --batch`` and ``eval`` read logs that someone else wrote; stopping at the first broken
line would throw away the rest of a large file for one stray byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class Line:
    number: int
    #: the object on this line, or None when ``error`` says why it is unusable
    value: dict[str, Any] | None
    error: str | None = None


def read(lines: Iterable[bytes | str], required: tuple[str, ...] = ("prompt",)) -> Iterator[Line]:
    """Objects with the ``required`` string keys, line by line; empty lines are skipped silently."""
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Line(number, None, f"not valid UTF-8 (byte {exc.start})")
                continue
        else:
            text = raw
        text = text.strip().removeprefix("\ufeff")
        if not text:
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Line(number, None, f"invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(value, dict):
            yield Line(number, None, f"expected a JSON object, got {type(value).__name__}")
            continue
        missing = [key for key in required if not isinstance(value.get(key), str)]
        if missing:
            yield Line(number, None, f"no string {' or '.join(repr(k) for k in missing)} key")
            continue
        yield Line(number, value)
