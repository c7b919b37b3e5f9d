"""Deterministic checks of an answer, per task: cheap, explainable, no model involved.

A local model that drops a code block, chats around its answer or returns broken JSON should be
caught before anyone sees the result. Each failed check has a short name (stored in the ledger's
``checks`` column) and a one-line message that is shown to the user and stated in the retry prompt.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slmr.cleanup import StreamCleaner
from slmr.errors import InputError

#: a rewrite shorter or longer than this share of its input has lost or invented text
REWRITE_MIN_RATIO = 0.4
REWRITE_MAX_RATIO = 2.5
#: inputs shorter than this many characters are too short for length checks to mean anything
REWRITE_MIN_CHARS = 200
SUMMARY_MIN_CHARS = 300

_OPENING = re.compile(
    r"^\s*(?:"
    r"(?:sure|certainly|of course|absolutely|okay|ok|great)\b\s*[!,.]"
    r"|here(?:'s| is| are)\b[^\n]{0,80}?\b(?:rewrit|revis|correct|edit|summar|extract|version|text|list|json|"
    r"result|answer|output|improv|polish)"
    r"|(?:below is|the following is)\b"
    r"|i(?:'ve| have) (?:rewritten|revised|summari[sz]ed|extracted|corrected|fixed|edited|polished|improved)\b"
    r"|as (?:requested|an ai)\b"
    r")",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"(?:\blet me know if\b|\bi hope (?:this|that) helps\b|\bhope (?:this|that) helps\b|\bfeel free to\b"
    r"|\bis there anything else\b|\bhappy to help\b|^\s*\(?note\s*:\s*i\b"
    r"|\bif you (?:need|want|would like) (?:any|more|further|me to)\b)",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*$")
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)([^\n]+?)(?<!`)\1(?!`)")
_URL = re.compile(r"\bhttps?://[^\s<>()\[\]{}`'\"]+")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")


@dataclass(frozen=True)
class Failure:
    #: a short name: empty, chatter, code_block, inline_code, url, heading, length, not_shorter, json, schema,
    #: truncated (the input was cut), cut_off (the answer stopped at the output token cap)
    check: str
    message: str


#: failures that make an answer unusable whoever wrote it; the others judge a small model's work
HARD = frozenset({"empty", "json", "schema", "truncated", "cut_off"})


@dataclass
class Verdict:
    #: the answer as it should be printed (JSON answers are normalised: fence removed, trailing newline)
    answer: str
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def hard(self) -> list[Failure]:
        return [f for f in self.failures if f.check in HARD]

    def summary(self, failures: list[Failure] | None = None) -> str:
        return "; ".join(f.message for f in (self.failures if failures is None else failures))

    def names(self) -> str:
        return ",".join(dict.fromkeys(f.check for f in self.failures))


# --- markdown pieces that a rewrite must keep --------------------------------------------------


@dataclass
class Protected:
    code_blocks: list[str] = field(default_factory=list)
    inline_code: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)


def split_fences(text: str) -> tuple[list[str], str]:
    """The fenced code blocks of a markdown text (each with its fences) and the text outside them."""
    blocks: list[str] = []
    prose: list[str] = []
    current: list[str] | None = None
    marker = ""
    for line in text.split("\n"):
        if current is None:
            m = _FENCE.match(line)
            if m:
                current, marker = [line], m.group(1)
            else:
                prose.append(line)
            continue
        current.append(line)
        stripped = line.strip()
        if stripped and stripped[0] == marker[0] and set(stripped) == {marker[0]} and len(stripped) >= len(marker):
            blocks.append("\n".join(current))
            current = None
    if current is not None:  # an unclosed fence runs to the end of the document
        blocks.append("\n".join(current))
    return blocks, "\n".join(prose)


def protected(text: str) -> Protected:
    blocks, prose = split_fences(text)
    urls = [u.rstrip(".,;:!?*_") for u in _URL.findall(prose)]
    for block in blocks:
        urls = [u for u in urls if u not in block]
    return Protected(
        code_blocks=blocks,
        inline_code=[m.group(0) for m in _INLINE_CODE.finditer(prose)],
        urls=list(dict.fromkeys(urls)),
        headings=[_heading_key(m) for line in prose.split("\n") if (m := _HEADING.match(line))],
    )


def _heading_key(m: re.Match[str]) -> str:
    return f"{m.group(1)} {m.group(2).strip()}"


def _norm_block(block: str) -> str:
    # trailing spaces are invisible and editors strip them; everything else must be identical
    return "\n".join(line.rstrip() for line in block.strip("\n").split("\n"))


def _preview(text: str, limit: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def check_kept(content: str, answer: str) -> list[Failure]:
    """Every fenced code block, inline code span, URL and heading of the input is in the answer, unchanged."""
    want = protected(content)
    if not (want.code_blocks or want.inline_code or want.urls or want.headings):
        return []
    failures: list[Failure] = []
    answer_blocks = {_norm_block(b) for b in split_fences(answer)[0]}
    lost = [b for b in want.code_blocks if _norm_block(b) not in answer_blocks]
    if lost:
        failures.append(
            Failure(
                "code_block",
                f"{len(lost)} of {len(want.code_blocks)} fenced code blocks were changed or dropped "
                f"(first: {_preview(lost[0])}); keep every code block exactly as it is",
            )
        )
    _, answer_prose = split_fences(answer)
    spans = [s for s in dict.fromkeys(want.inline_code) if s not in answer_prose]
    if spans:
        failures.append(
            Failure("inline_code", f"inline code changed or dropped: {', '.join(spans[:3])}; keep it exactly")
        )
    urls = [u for u in want.urls if u not in answer]
    if urls:
        failures.append(Failure("url", f"URLs changed or dropped: {', '.join(urls[:3])}; keep every URL exactly"))
    have = {_heading_key(m) for line in answer_prose.split("\n") if (m := _HEADING.match(line))}
    heads = [h for h in want.headings if h not in have]
    if heads:
        failures.append(
            Failure("heading", f"headings changed or dropped: {'; '.join(heads[:3])}; keep every heading as it is")
        )
    return failures


# --- the checks --------------------------------------------------------------------------------


def check_chatter(content: str, answer: str) -> list[Failure]:
    """A preamble ("Sure! Here is…") or a closing remark ("Let me know if…") that the input did not have."""
    lines = [line for line in answer.strip().split("\n") if line.strip()]
    if not lines:
        return []
    failures = []
    lowered = content.lower()
    first = _OPENING.match(lines[0])
    if first and first.group(0).strip().lower() not in lowered:
        failures.append(Failure("chatter", f"the answer opens with chatter ({_preview(lines[0], 50)!r})"))
    last = _CLOSING.search(lines[-1])
    if last and len(lines) > 1 and last.group(0).strip().lower() not in lowered:
        failures.append(Failure("chatter", f"the answer ends with chatter ({_preview(lines[-1], 50)!r})"))
    return failures


def check_length(task: str, content: str, answer: str) -> list[Failure]:
    have, base = len(answer.strip()), len(content.strip())
    if task == "rewrite" and base >= REWRITE_MIN_CHARS:
        ratio = have / base
        if ratio < REWRITE_MIN_RATIO or ratio > REWRITE_MAX_RATIO:
            return [
                Failure(
                    "length",
                    f"the rewrite is {ratio:.0%} of the input's length (expected "
                    f"{REWRITE_MIN_RATIO:.0%}–{REWRITE_MAX_RATIO:.0%}); keep all of the content",
                )
            ]
    if task == "summarize" and base >= SUMMARY_MIN_CHARS and have >= base:
        return [Failure("not_shorter", "the summary is not shorter than the text; summarize it")]
    return []


def parse_json_answer(answer: str) -> tuple[Any, str, Failure | None]:
    """Parse an answer as JSON (a fence around it is tolerated); returns (value, text, failure)."""
    fresh = StreamCleaner()
    text = (fresh.feed(answer.strip()) + fresh.finish()).strip()
    try:
        return json.loads(text), text + "\n", None
    except RecursionError:  # hostile or broken output: nesting deeper than the parser's stack
        return None, answer, Failure("json", "the answer is JSON nested too deeply to check")
    except json.JSONDecodeError as exc:
        return None, answer, Failure("json", f"the answer is not valid JSON ({exc.msg} at line {exc.lineno})")


def check_schema(value: Any, schema: dict[str, Any]) -> list[Failure]:
    import jsonschema

    validator = jsonschema.validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if error is None:
        return []
    return [
        Failure("schema", f"the JSON does not match the schema at {error.json_path}: {_preview(error.message, 160)}")
    ]


def load_schema(path: Path) -> dict[str, Any]:
    """Read a ``--schema FILE`` and make sure it is a JSON Schema before any model is asked."""
    import jsonschema

    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no such schema file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read schema file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"schema file {path} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(schema, dict):
        raise InputError(f"schema file {path} must hold a JSON object")
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.exceptions.SchemaError as exc:
        raise InputError(f"schema file {path} is not a valid JSON Schema: {_preview(exc.message, 160)}") from None
    return schema


def check(
    task: str,
    content: str,
    answer: str,
    *,
    json_mode: bool = False,
    schema: dict[str, Any] | None = None,
) -> Verdict:
    """All the checks for ``task`` on a (cleaned) answer."""
    if not answer.strip():
        return Verdict(answer, [Failure("empty", "the answer is empty")])
    if json_mode or schema is not None:
        value, text, failure = parse_json_answer(answer)
        if failure is not None:
            return Verdict(answer, [failure])
        return Verdict(text, check_schema(value, schema) if schema is not None else [])
    if task not in ("rewrite", "summarize", "extract"):
        return Verdict(answer)  # free-form answers (ask, create) have nothing else to check
    failures = check_chatter(content, answer)
    if task == "rewrite":
        failures += check_kept(content, answer)
    failures += check_length(task, content, answer)
    return Verdict(answer, failures)
