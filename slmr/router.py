"""The router: is a prompt *reshape* (the answer is mostly in the prompt) or *create* work?

Difficulty ≈ delta information + global dependency depth. Delta information is how much of the
answer must be new: low when the prompt carries the content and asks to rewrite, summarize,
extract, convert or translate it; high for writing from a topic, open questions, new code.
Dependency depth is how much must stay consistent at once: diagnosis, design, algorithms, proofs,
plans, and inputs too long for a small model's context.

The features below measure those two things with cheap, explainable signals; a logistic model over
them and over the instruction's words gives P(create). Pure: no I/O at decision time, dict lookups
and line tests, bounded work per prompt (the vocabulary lives in ``slmr.cues``). The weights are
data (``slmr/data/router.json``), fitted by ``scripts/fit_router.py``.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from itertools import pairwise

from slmr import cues

RESHAPE = "reshape"
CREATE = "create"

#: characters of supplied content scanned for code, diffs, traces and logs: enough to recognise
#: them, and keeps decision time bounded for megabyte inputs
_SCAN = 6000

# --- content detection: line-based string tests, no big regexes -----------------------------

_CODE_STARTS = (
    "def ", "class ", "import ", "from ", "function ", "const ", "let ", "var ", "func ", "fn ", "pub ", "public ",
    "private ", "return ", "return;", "if (", "for (", "while ", "#include", "package ", "select ", "insert ",
    "update ", "create table", "alter table", "with ", "@app.", "async ", "await ", "try:", "except", "elif ",
)  # fmt: skip
_CODE_ENDS = (";", "{", "}", "):", "=>", "*/")
#: Python-style block openers ("for item in items:"); prose rarely starts so and ends in a colon
_BLOCK_STARTS = ("for ", "if ", "else", "elif ", "while ", "with ", "try", "except", "finally")
_TRACE_STARTS = ('file "', "panic: ", "error[", "goroutine ", "traceback (most recent call last)")
_LOG_LEVELS = ("INFO", "WARN", "WARNING", "ERROR", "DEBUG", "FATAL", "CRITICAL", "TRACE")
_MONTHS = ("Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec ")
_LOG_STARTS = _LOG_LEVELS + _MONTHS
#: first characters of the prefixes: one set lookup rules out a long startswith() for most lines
_CODE_LEADS = frozenset(start[0] for start in _CODE_STARTS)
_TRACE_LEADS = frozenset(start[0] for start in _TRACE_STARTS)
_LOG_LEADS = frozenset(start[0] for start in _LOG_STARTS)
#: lines of supplied content inspected: enough to recognise code, traces and logs
_MAX_LINES = 120


#: the features read code and log lines only up to three (``min(3, n) / 3``): counting stops there
_ENOUGH = 3


@dataclass(frozen=True)
class Shape:
    """What kind of text the supplied content is (code and log lines counted up to ``_ENOUGH``)."""

    code_lines: int = 0
    log_lines: int = 0
    fence: bool = False
    diff: bool = False
    trace: bool = False

    @property
    def data(self) -> bool:
        return self.fence or self.diff or self.trace or self.code_lines > 0


#: what ``shape(..., data_only=True)`` returns once it has seen enough: the text is data
_DATA = Shape(code_lines=1)


def shape(text: str, *, data_only: bool = False) -> Shape:
    """Count code and log lines and spot fences, diffs and traces, one line at a time.

    A test whose answer is settled (three code lines, a trace seen) is skipped on the lines after:
    in a pasted file most lines are code, and the code test is the dearest.
    ``data_only``: the caller needs only ``.data``, so stop at the first code, trace or diff line and
    skip the log tests (splitting asks this of every paragraph; a pasted file answers on line one).
    """
    if data_only and ("```" in text or "~~~" in text):
        return _DATA
    code = logs = plus = minus = 0
    diff = trace = False
    for line in text.split("\n", _MAX_LINES)[:_MAX_LINES]:
        stripped = line.strip()
        if not stripped:
            continue
        first = line[0]
        if first in "+-@d" and not diff:
            if line.startswith(("diff --git ", "--- a/", "+++ b/", "@@ -")):
                diff = True
            elif first == "+" and line[1:2] != "+":
                plus += 1
            elif first == "-" and line[1:2] != "-":
                minus += 1
        if code < _ENOUGH or not trace:
            low = stripped.lower()
            if not trace:
                if (low[0] in _TRACE_LEADS and low.startswith(_TRACE_STARTS)) or (
                    first in " \t" and low.startswith("at ") and "(" in low
                ):
                    trace = True
                elif "Error" in stripped or "Exception" in stripped:  # the cheap test first: most lines have neither
                    head = stripped.partition(":")[0]
                    trace = head.endswith(("Error", "Exception")) and " " not in head
            if code < _ENOUGH and (
                (low[0] in _CODE_LEADS and low.startswith(_CODE_STARTS))
                or stripped.endswith(_CODE_ENDS)
                or (stripped[-1] == ":" and low.startswith(_BLOCK_STARTS))
                or " := " in stripped
                or " => " in stripped
            ):
                code += 1
        if data_only:
            if code or trace or diff or (plus and minus):
                return _DATA
            continue
        # the log test ran on every prose line and cost more than the code test: its first character
        # now decides which of its parts can match ("14:02", "2024-", "INFO", "Jan 3")
        lead = stripped[0]
        if logs < _ENOUGH and (
            lead == "["
            or (lead.isdigit() and (stripped[:4].isdigit() or (stripped[1:2].isdigit() and stripped[2:3] == ":")))
            or (lead in _LOG_LEADS and stripped.startswith(_LOG_STARTS))
            or " - - [" in stripped
        ):
            logs += 1
    fence = "```" in text or "~~~" in text
    return Shape(code, logs, fence, diff or (plus >= 1 and minus >= 1), trace)


# a few cues need a gap between words; these small patterns start with a literal, so re scans fast
_MAKE_GAP = re.compile(
    r"make (?:my|the|all|every) [\w ]{1,30}?(?:sound|consistent|shorter|clearer|readable|polite|formal|professional)"
)
#: "make this upgrade guide a GitHub checklist", "add a Google-style docstring to this"
_INTO_FORM = re.compile(
    r"make (?:this|these|it|them|my|the) (?:[\w-]+ ){0,4}(?:into )?an? (?:[\w-]+ ){0,3}"
    r"(?:table|list|checklist|task-list|bullets?|json|yaml|csv|markdown)\b"
    r"|add (?:an? )?(?!new )(?:[\w-]+ ){0,2}"
    r"(?:docstrings?|comments?|type hints|types|typings|[jkt]sdoc|kdoc|javadoc|phpdoc|annotations)\b"
)
_CHANGE_GAP = re.compile(r"change (?:these|this|all|the) [\w .()]{1,30}? to\b")
_WHAT_DOES = re.compile(
    r"what do(?:es)? (?:this|these|it|they|the \w+|`…`)(?: [\w-]+){0,5} (?:do|say|change|return|mean|match)\b"
    r"|what(?: is|'s) (?:this|it|the \w+)(?: \w+){0,3} (?:saying|telling me)\b"
)
#: "what does git reset --soft HEAD~2 do": a command with flags is given content, not a topic
_WHAT_DOES_CMD = re.compile(r"what does (?:[\w.~/=:-]+ ){1,4}--?\w[\w=.-]*(?: [\w.~/=:-]+){0,4} do\b")
#: "sql to dedupe a table", "regex to match semver": the verb is the new artefact's job, not an edit of given text
_ARTEFACT_FOR = re.compile(
    r"^(?:an? |the |quick |need an? |gimme an? |give me an? )?(?:[\w+#.-]+ ){0,2}"
    r"(?:sql|query|regex|regexp|script|command|one-?liner|function|snippet|cron|awk|sed|jq|bash|powershell)"
    r"(?: \w+){0,2} (?:to|that|which|for) (?:\w+ )?(?:dedupe|find|list|get|delete|remove|rename|replace|match|"
    r"extract|count|sort|split|merge|convert|parse|check|validate|compute|calculate|generate|update|insert|select|"
    r"move|copy|kill|clean|back|restore|monitor|watch|flatten|strip|trim|format|group|pull|show|print|fetch|sync)\b"
)
#: "pull the version numbers out", "pick the dates out"
_PULL_OUT = re.compile(r"(?:pull|pick) (?:[\w-]+ ){1,4}out\b")
#: an imperative "put these in a table" starts a clause; "we put these in a HashSet" tells a story
_PUT = re.compile(
    r"(?:^|[.!?:;,(]\s*|\b(?:please|pls|and|then|you|just) )put (?:this|these|that|it|them|my|all|each|the)\b"
)
#: "leave string keys alone": the rest of the text stays as it is
_LEAVE_ALONE = re.compile(r"leave (?:[\w-]+ ){1,4}(?:alone|as is|as-is|untouched)\b")
#: words of diagnosis that ask for none: "the body should say why", "not asking for a fix"
_SAY_WHY = re.compile(r"\b(?:say|says|saying|mention|mentions|state|states|include|includes) why\b|\bthe why\b")
_NO_FIX = re.compile(
    r"\b(?:not asking(?: for)?|not looking for|(?:don'?t|do not) need|no need for|not after) (?:a |the )?"
    r"(?:fix|fixes|solution|why)\b"
    r"|\bno need to (?:fix|optimi[sz]e|improve|change|refactor|rewrite|speed)"
    # "why did they reject gRPC? just what the doc says": the reason is read off the text
    r"|\b(?:just|only) what (?:the|this|it) (?:[\w-]+ )?says?\b"
    # "just read it off, I'll dig in myself"
    r"|\bi'?ll (?:dig|look|debug|fix|investigate|figure)(?: [\w-]+){0,3} myself\b"
)
#: "extract the failing job ids": an adjective that picks items out, not a request to diagnose them
_WHICH_ITEMS = re.compile(
    r"\b(?:the|all|every|each|only|any) (?:failing|failed|broken|crashed|crashing|flaky)\b"
    # "which goroutine panicked and where": a lookup of what happened, not a request for why
    r"|\b(?:which|what) (?:[\w-]+ ){0,3}(?:failed|crashed|panicked|errored|broke|threw|timed out)\b"
    # "which probe is failing", "which pod is the one restarting": a lookup in the given output
    r"|\b(?:which|what) (?:[\w-]+ ){0,3}(?:is|are|was|were|keeps)(?: the ones?)? "
    r"(?:failing|crashing|restarting|erroring|flapping|timing out|dying|hanging|broken|down)\b"
    # "make a bug ticket out of this": the document's name, not a bug to find
    r"|\bbug (?:ticket|report|template|tracker|triage)\b"
)
#: "the design below", "this review comment": a create verb after a determiner is a noun
_NOUN_USE = re.compile(
    r"\b(?:the|this|that|these|our|my|your|their) (?:(?!and |then |or |to |pls |please )[\w-]+ ){0,2}"
    r"(?:design|build|review|draft|estimate|outline|proposal|setup)\b"
)
#: "i didn't write it": a create verb the user denies, not asks for
_DENIED = re.compile(r"\b(?:didn'?t|did not|never|wasn'?t) (?:write|wrote|written|design|designed|build|built)\b")
#: "Given/When/Then format.", "in JSON format": the noun, not the verb "format this"
_FORMAT_NOUN = re.compile(
    r"\b(?!(?:to|pls|please|and|then|just|you|re|can|could)\b)[\w/-]+ format(?:ted)?(?=[.,;:)]|$| for\b| with\b)"
)
_DECIDED = re.compile(r"\b(?:did|have|has) (?:we|they|you|he|she|i|the team) (?:decide|choose|pick|agree)")
#: a bare "email to eng-all: <facts>" or "email the team: <facts>" wraps the facts that follow (tie-breaker 2)
_MESSAGE_TO = re.compile(
    r"^(?:an? |quick |short )*(?:email|e-mail|mail|message|note|announcement|dm|slack|ping)"
    r" (?:to|the|my|our|all|everyone)\b"
)
_WHICH_SHOULD = re.compile(
    r"which (?:\w+ ){0,2}(?:should|would you)\b|what should (?:[\w'-]+ ){1,4}be\b"
    # "what should we cover?": the user asks for the decision
    r"|\bwhat should (?:we|i|they|the team)\b"
)
#: "kotlin data class version of this", "one sentence version?": the same content in another form
_VERSION_OF = re.compile(
    r"\b(?:short|shorter|one[- ]sentence|one[- ]line|one[- ]paragraph|tl;?dr|plain[- ]english|python|typescript|ts|"
    r"javascript|js|golang|rust|java|kotlin|swift|c#|ruby|php|bash|sql|yaml|json|toml|markdown)(?: [\w-]+){0,2} "
    r"version(?: of (?:this|that|it|these|the above)\b|(?: pls| please)?\s*[?.!]*$)"
)
#: "(option | pros | cons)", "into: bug / feature / question": the output's columns or categories, not asks
_LABEL_LIST = re.compile(r"(?:\b\w[\w'.-]*(?: \w[\w'.-]*)?(?: / | ?\| ?)){2,}\w[\w'.-]*(?: \w[\w'.-]*)?")
#: a short quoted term is a mention, like a code span: the "Caused by" line, a "What went wrong" heading
_SHORT_QUOTE = re.compile(r"\"[^\"\n]{1,40}\"|“[^”\n]{1,40}”")
#: "quick ones from this proto: ...": questions about the named content follow
_FROM_THIS = re.compile(r"(?:[\w']+ ){0,3}(?:from|in|per) (?:this|these|the|that) [\w.-]+(?: [\w.-]+)?\s*:")
#: "just paste that line back"
_PASTE_BACK = re.compile(r"\b(?:paste|quote|copy|echo) (?:[\w-]+ ){0,3}back\b")
#: "same thing in polars pls", "same but in Go": the given code in another language or library
_SAME_IN = re.compile(
    r"(?:^|[.!?,;:]\s*)(?:the )?same (?:thing |code |query |script |logic |one )?(?:but )?in "
    r"(?!the\b|a\b|an\b|this\b|that\b|prod)\w"
)
_BIG_O = re.compile(r"\bo\([^)]{0,12}\)")
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_QUOTED = re.compile(r"[\"“«「]([^\"”»」]{12,})[\"”»」]")
_INLINE = re.compile(r"^([^:\n]{2,60}?):[ \t]+(?!//)(\S[^\n]*)$")
#: "Notes: ...", "Context: ...": a labelled block of content, not an instruction
_LABELLED = re.compile(r"^[A-Z][\w -]{0,20}:\s")
_OPEN_QUOTES = "\"“«「'"
_CLOSE_QUOTES = "\"”»」'"
_PARAGRAPH = re.compile(r"\n\s*\n")
_IMPERATIVE = frozenset(cues.CUES["imperative"]) | {"^"}
_WH = frozenset(("what", "which", "who", "when", "where", "how"))
_ASKING = _WH | {"why"}
#: "what's the request id in this error": contractions ask the same lookups
_WH_LOOKUP = _WH | {"what's", "whats", "where's", "who's", "when's"}
_FIX_TAIL = frozenset(("pls", "please", "plz", "it", "this", "that", "them"))
_OPENING_LOOKUP = _WH_LOOKUP - {"how"} | {"did"}


@dataclass(frozen=True)
class Parts:
    """The instruction (what to do) and the supplied content (what to do it to)."""

    instruction: str
    supplied: str


def split(prompt: str, content: str = "") -> Parts:
    """Separate the instruction from pasted content inside one prompt.

    With ``content`` (piped text) the prompt is the instruction. Otherwise: a first line ending in
    a colon introduces content; a short last paragraph after a long paste is an instruction placed
    at the end ("^ summarize the above"); "verb: text" and quoted text carry inline content.
    """
    prompt = prompt.strip()
    if content.strip():
        return Parts(prompt, content)
    paragraphs = _PARAGRAPH.split(_detach_last_line(prompt))
    first = paragraphs[0]
    rest = paragraphs[1:]
    lines = first.split("\n", 1)
    if len(lines) == 2 and (
        lines[0].rstrip().endswith(":") or (len(lines[0]) < 80 and shape(lines[1], data_only=True).data)
    ):
        instruction, supplied = lines[0], lines[1] + ("\n\n" + "\n\n".join(rest) if rest else "")
        if rest and not _is_instruction(lines[0]) and _instruction_last("", rest[-1]):
            instruction, supplied = rest[-1], "\n\n".join(paragraphs[:-1])
    elif rest:
        instruction, supplied = first, "\n\n".join(rest)
        if _instruction_last(first, rest[-1]):
            instruction, supplied = rest[-1], "\n\n".join(paragraphs[:-1])
            # "From our API docs:" ... "so am I over the limit?": the intro says what the question is about
            if len(first) <= 80 and "\n" not in first and first.rstrip().endswith((":", "：")):
                instruction, supplied = first + "\n" + instruction, "\n\n".join(paragraphs[1:-1])
    else:
        instruction, supplied = first, ""
    if not supplied and len(instruction) <= cues.MAX_SCAN:
        inline = _INLINE.match(instruction)
        if inline:
            instruction, supplied = inline.group(1), inline.group(2)
        else:
            quoted = _QUOTED.search(instruction)
            if quoted:
                supplied = quoted.group(1)
                instruction = instruction[: quoted.start()] + "…" + instruction[quoted.end() :]
    return Parts(instruction, supplied)


def _detach_last_line(prompt: str) -> str:
    """A paste followed by an ask on its very next line ("```" then "switch these to template literals"):
    give the ask a paragraph of its own, as if the user had left a blank line."""
    head, sep, last = prompt.rpartition("\n")
    # right after a closing fence a longer line is still the ask: the paste has visibly ended
    limit = 200 if head.rstrip().endswith(("```", "~~~")) else 80
    if not sep or len(last) > limit or not head.strip() or head.endswith("\n"):
        return prompt
    if shape(last, data_only=True).data or _LABELLED.match(last) or not _asks(last):
        return prompt
    first_line = head.split("\n", 1)[0]
    if first_line.rstrip().endswith(":") or _is_instruction(first_line):
        return prompt
    return head + "\n\n" + last


def _instruction_last(first: str, last: str) -> bool:
    """Is the short last paragraph the instruction, placed after the pasted content?"""
    if len(last) > 250 or last.count("\n") > 1:
        return False
    # a paragraph wholly in quotes is the text to work on: the review comment, the customer's message
    stripped = last.strip()
    if len(stripped) > 2 and stripped[0] in _OPEN_QUOTES and stripped[-1] in _CLOSE_QUOTES:
        return False
    # "Summarize this:" introduces what follows; "Here are the raw notes:" does not ask anything
    if first.rstrip().endswith((":", "?", "：", "？")) and _is_instruction(first):
        return False
    if shape(last, data_only=True).data or _LABELLED.match(last) or not _asks(last):
        return False
    # "TKT-5521: ...", "Subject: ...": a labelled first paragraph is content
    if len(first) > 300 or shape(first, data_only=True).data or _LABELLED.match(first) or not _is_instruction(first):
        return True
    # "make this comment less harsh" above a quoted "did you even test this?": the verb marks the instruction
    if _has_verb(first) and not _has_verb(last):
        return False
    return last.lstrip().startswith("^") or bool(_scan(last)[1]["backref"])


@lru_cache(maxsize=256)
def _scan(text: str) -> tuple[list[str], Counter[str]]:
    """The words and cues of a paragraph (shared: do not change them); splitting asks about the same
    paragraphs several times."""
    text = cues.window(text)
    words = cues.tokens(text)
    return words, cues.scan(words, text)


def _asks(short: str) -> bool:
    """Does a short paragraph placed after a paste ask for something?"""
    if _is_instruction(short):
        return True
    # "commit msg pls, short" names what it wants without a verb; "what file/line" asks without a "?"
    words, found = _scan(short)
    return bool(found["restate_object"] or found["short_output"] or (words and words[0] in _ASKING))


def _has_verb(text: str) -> bool:
    found = _scan(text)[1]
    return bool(found["reshape_verb"] or found["create_verb"] or found["diagnose"])


def _is_instruction(text: str) -> bool:
    words, found = _scan(text)
    text = cues.window(text)
    return bool(
        found["reshape_verb"]
        or found["create_verb"]
        or found["howto"]
        or (words and (words[0] in _IMPERATIVE or " ".join(words[:2]) in _IMPERATIVE))
        or text.rstrip().endswith(("?", "？"))
        # "why is this slow? takes 40s on 12M rows": a question that opens the paragraph
        or (words and words[0] in _ASKING and ("?" in text or "？" in text))
    )


def _extractive(words: list[str], found: Counter[str], has_content: bool) -> bool:
    """A question whose answer the supplied content states: "which file does this error come from"."""
    if not has_content or found["create_verb"] or found["diagnose"] or found["judgment"]:
        return False
    if found["extractive"]:
        return True
    if found["howto_ask"]:  # "what's the big-O here and how do I make it faster"
        return False
    # "^ who is blocked and on what", "did the backup finish?": a lookup question opening the ask
    opening = words[1:3] if words[:1] == ["^"] else words[:2]
    if opening and not found["depth"] and (opening[0] in _OPENING_LOOKUP or opening == ["how", "many"]):
        return True
    if len(words) > 3 and words[0] in ("in", "from") and words[1] in ("this", "these", "the", "our", "my", "your"):
        return True
    return any(
        word in _WH_LOOKUP and any(w in ("this", "these", "above", "here") for w in words[i + 1 : i + 9])
        for i, word in enumerate(words[:40])
    )


def estimate_tokens(text: str) -> int:
    """About four UTF-8 bytes per token: right for English and code, fair for CJK (3 bytes a char)."""
    return (len(text.encode("utf-8", "surrogatepass")) + 3) // 4


#: how much of the instruction the word terms come from (its start says what is asked)
TERM_CHARS = 400
_TERM = re.compile(r"[\w']+")


#: a word this long also counts as "~" + its first STEM_CHARS letters, a crude stem: "summarize",
#: "summarise" and "summarizing" then share the weight of "~summa", whichever spelling a user types
STEM_CHARS = 5


def terms(instruction: str) -> frozenset[str]:
    """The instruction's lower-case words, adjacent word pairs and word stems, from its first TERM_CHARS characters.

    The hand-written features cover phrasings someone thought of; the fitted weights of these terms
    catch the everyday words of asks that no cue names ("tighten", "blurb", "eli5 pls").
    """
    words = _TERM.findall(instruction[:TERM_CHARS].lower())
    stems = (f"~{w[:STEM_CHARS]}" for w in words if len(w) >= STEM_CHARS)
    return frozenset((*words, *(f"{a} {b}" for a, b in pairwise(words)), *stems))


def analyse(
    prompt: str, content: str = "", *, context_tokens: int | None = None
) -> tuple[dict[str, float], frozenset[str]]:
    """The hand-written features and the instruction's terms, from one split of the prompt."""
    parts = split(prompt, content)
    return _features(parts, prompt, content, context_tokens), terms(parts.instruction)


def features(prompt: str, content: str = "", *, context_tokens: int | None = None) -> dict[str, float]:
    """The explainable features of a prompt, each roughly in 0..1 (see ``router.json`` for meanings)."""
    return _features(split(prompt, content), prompt, content, context_tokens)


def _features(parts: Parts, prompt: str, content: str, context_tokens: int | None) -> dict[str, float]:
    # `--format=%s` in an instruction is an identifier, not the verb "format"
    spanless = _SHORT_QUOTE.sub("`…`", _CODE_SPAN.sub("`…`", parts.instruction))
    if " / " in spanless or "|" in spanless:
        spanless = _LABEL_LIST.sub("…", spanless)
    ins = cues.window(spanless)
    sup = parts.supplied
    low = ins.lower()
    # split() has often scanned this very paragraph already; copy the cues, the adjustments below change them
    words, scanned = _scan(spanless)
    found = Counter(scanned)
    found["reshape_verb"] += bool(
        _MAKE_GAP.search(low)
        or _CHANGE_GAP.search(low)
        or _WHAT_DOES.search(low)
        or _PULL_OUT.search(low)
        or _PUT.search(low)
        or _INTO_FORM.search(low)
        or ("version" in low and _VERSION_OF.search(low))
        or ("back" in low and _PASTE_BACK.search(low))
        or ("same" in low and _SAME_IN.search(low))
    )
    found["reshape_verb"] += bool(not found["judgment"] and _WHAT_DOES_CMD.search(low))
    found["preserve"] += bool(_LEAVE_ALONE.search(low))
    if _ARTEFACT_FOR.search(low.lstrip()):
        found["reshape_verb"] = 0
        found["create_verb"] += 1
        found["new_object"] += 1
    # "fix", "fix pls", "fix it": a bare request to repair what was pasted
    # ("not asking for a fix", "a fix" is a noun)
    found["diagnose"] += bool(
        words
        and ((words[-1] == "fix" and words[-2:-1] != ["a"]) or (words[-2:-1] == ["fix"] and words[-1] in _FIX_TAIL))
    )
    if found["diagnose"] or found["create_verb"]:  # the common case has neither: skip the scans
        no_fix = _NO_FIX.findall(low)
        not_asked = len(no_fix) + len(_SAY_WHY.findall(low)) + len(_WHICH_ITEMS.findall(low))
        found["diagnose"] -= min(found["diagnose"], not_asked)
        # "I don't need a fix" holds the create cue "need a"; "what did we decide?" asks for a decision already made
        decided = sum("need" in m for m in no_fix) + len(_DECIDED.findall(low)) + len(_NOUN_USE.findall(low))
        decided += len(_DENIED.findall(low))
        found["create_verb"] -= min(found["create_verb"], decided)
    if found["reshape_verb"] and "format" in low:  # the pattern has no literal start: run it only where it can match
        found["reshape_verb"] -= min(found["reshape_verb"], len(_FORMAT_NOUN.findall(low)))
    found["reshape_verb"] += "sort:" in low
    # "json schema -> typescript interface pls": a short arrow ask converts one form into another
    found["reshape_verb"] += bool(("->" in low or "→" in low) and len(words) <= 10)
    found["create_verb"] -= min(found["create_verb"], found["design_doc"])
    found["judgment"] += bool(_WHICH_SHOULD.search(low))
    found["depth"] += bool(_BIG_O.search(low))
    found["extractive"] += bool(":" in low and _FROM_THIS.match(low.lstrip()))
    sup_chars = len(sup.strip())
    has_content = sup_chars >= 20
    # explaining given content with no why, judgment or depth asked is restating it in plain words
    if found["explain"] and has_content and not (found["diagnose"] or found["judgment"] or found["depth"]):
        found["reshape_verb"] += 1
    found["restate_object"] += bool(has_content and not found["create_verb"] and _MESSAGE_TO.match(low.lstrip()))
    reshape_verb = 1.0 if found["reshape_verb"] else 0.0
    create_verb = 1.0 if found["create_verb"] else 0.0
    restate = 1.0 if found["restate_object"] else 0.0
    new_object = 1.0 if found["new_object"] else 0.0
    ins_chars = len(parts.instruction.strip())
    form = shape(sup[:_SCAN]) if has_content else Shape()
    code_lines = form.code_lines / _ENOUGH
    tokens = estimate_tokens(prompt) + (estimate_tokens(content) if content else 0)
    window = context_tokens or weights().context_tokens
    return {
        "reshape_verb": reshape_verb,
        "create_verb": create_verb,
        "restate_object": restate,
        "new_object": new_object,
        "write_restate": create_verb * restate * (1.0 - reshape_verb) * (1.0 - new_object),
        "diagnose": 1.0 if found["diagnose"] else 0.0,
        "judgment": 1.0 if found["judgment"] else 0.0,
        "howto": 1.0 if found["howto"] else 0.0,
        "depth_terms": min(3, found["depth"]) / 3.0,
        "constraints": min(4, found["constraint"]) / 4.0,
        "question": 1.0 if "?" in ins or "？" in ins else 0.0,
        "extractive_question": 1.0 if _extractive(words, found, has_content) else 0.0,
        "short_output": 1.0 if found["short_output"] else 0.0,
        "long_output": 1.0 if found["long_output"] else 0.0,
        "refers_to_content": 1.0 if found["deictic"] or ins.lstrip().startswith("^") else 0.0,
        "no_content_open": 0.0 if has_content or reshape_verb else 1.0,
        "content_share": sup_chars / (sup_chars + ins_chars) if sup_chars + ins_chars else 0.0,
        "content_size": min(1.0, math.log1p(sup_chars) / math.log1p(4000)),
        "instruction_words": min(1.0, len(parts.instruction.split()) / 40.0),
        "code": max(code_lines, 2 / 3) if form.fence else code_lines,
        "diff": 1.0 if form.diff else 0.0,
        "trace": 1.0 if form.trace else 0.0,
        "log_lines": form.log_lines / _ENOUGH,
        "code_reshape": code_lines * reshape_verb,
        # fencing an edit in says it is mechanical, unless the ask is a diagnosis or deep work anyway
        "preserve": 1.0 if found["preserve"] and not (found["diagnose"] or found["depth"]) else 0.0,
        "over_context": min(3.0, max(0.0, 4.0 * (tokens / window - 0.75))),
    }


# --- the model ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    bias: float
    weights: dict[str, float]
    descriptions: dict[str, str]
    #: what each instruction term adds to the log-odds of create when present
    words: dict[str, float] = field(default_factory=dict)
    #: P(create) at or above this goes to the frontier model, unless config overrides it
    threshold: float = 0.5
    #: the local model's context window the ``over_context`` feature compares against
    context_tokens: int = 8192


@cache
def weights() -> Weights:
    data = json.loads(resources.files("slmr.data").joinpath("router.json").read_text(encoding="utf-8"))
    return Weights(
        bias=data["bias"],
        weights=data["weights"],
        descriptions=data["descriptions"],
        words=data.get("words", {}),
        threshold=data.get("threshold", 0.5),
        context_tokens=data.get("context_tokens", 8192),
    )


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs 3x, and explain() builds ~20 of them
class Contribution:
    name: str
    value: float
    weight: float
    description: str

    @property
    def logit(self) -> float:
        return self.value * self.weight


@dataclass(frozen=True)
class Decision:
    route: str
    #: probability of the chosen route (0.5..1)
    confidence: float
    #: probability that the prompt is create work
    p_create: float
    reasons: list[str] = field(default_factory=list)
    #: the threshold the route was decided with
    threshold: float = 0.5

    def as_dict(self) -> dict[str, object]:
        return {
            "route": self.route,
            "confidence": round(self.confidence, 4),
            "p_create": round(self.p_create, 4),
            "reasons": self.reasons,
        }

    def unsure(self, margin: float) -> bool:
        """In the band around the threshold where the configured unsure policy decides."""
        return margin > 0 and abs(self.p_create - self.threshold) < margin


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


#: a word weighing less than this is not listed on its own in explanations
WORD_SHOWN = 0.1


def _scored(
    prompt: str, content: str, context_tokens: int | None
) -> tuple[Weights, dict[str, float], list[tuple[float, float, str]]]:
    """The weights, the features, and ``(-|logit|, logit, key)`` for every non-zero feature, every word
    weighing WORD_SHOWN or more ("word:<term>") and the other words' sum ("words"), strongest first.

    Plain tuples sorted in C: ``decide`` needs descriptions for three of them at most, so building
    a Contribution for each (about 20 a prompt) is left to ``explain``.
    """
    w = weights()
    feats, found = analyse(prompt, content, context_tokens=context_tokens)
    get = w.weights.get
    items = [(-abs(logit), logit, name) for name, value in feats.items() if value and (logit := value * get(name, 0.0))]
    # words that barely move the odds are summed into one line: the sum stays exact, the table readable
    rest = 0.0
    by_word: dict[str, float] = {}
    for term in w.words.keys() & found:  # a C-level intersection: most terms have no weight
        # a stem whose whole word has a weight too ("~facts" beside "facts"): one line for both
        word = term[1:] if term[0] == "~" and term[1:] in found and term[1:] in w.words else term
        by_word[word] = by_word.get(word, 0.0) + w.words[term]
    for term, weight in by_word.items():
        if abs(weight) >= WORD_SHOWN:
            items.append((-abs(weight), weight, "word:" + term))
        else:
            rest += weight
    if rest:
        items.append((-abs(rest), rest, "words"))
    items.sort()
    return w, feats, items


def _describe(key: str, w: Weights) -> str:
    if key.startswith("word:~"):
        return f'the instruction has a word starting "{key[6:]}"'
    if key.startswith("word:"):
        return f'the instruction says "{key[5:]}"'
    if key == "words":
        return "the instruction's other words, together"
    return w.descriptions.get(key, key)


def explain(prompt: str, content: str = "", *, context_tokens: int | None = None) -> tuple[float, list[Contribution]]:
    """The bias and every non-zero feature's and term's contribution to the log-odds of create, largest first."""
    w, feats, items = _scored(prompt, content, context_tokens)
    return w.bias, [
        Contribution(key, feats[key], w.weights[key], _describe(key, w))
        if key in feats
        else Contribution(key, 1.0, logit, _describe(key, w))
        for _, logit, key in items
    ]


def decide(
    prompt: str, content: str = "", *, threshold: float | None = None, context_tokens: int | None = None
) -> Decision:
    """Route a prompt; ``threshold`` None means the fitted default from ``router.json``."""
    w, _, items = _scored(prompt, content, context_tokens)
    threshold = w.threshold if threshold is None else threshold
    p_create = _sigmoid(w.bias + sum(logit for _, logit, _ in items))
    route = CREATE if p_create >= threshold else RESHAPE
    confidence = p_create if route == CREATE else 1.0 - p_create
    # the reasons that pushed towards the chosen route, strongest first
    toward = [key for _, logit, key in items if (logit > 0) == (route == CREATE)][:3]
    reasons = [_describe(key, w) for key in toward]
    return Decision(route=route, confidence=confidence, p_create=p_create, reasons=reasons, threshold=threshold)
