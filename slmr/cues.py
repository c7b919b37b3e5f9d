"""The router's vocabulary: words and phrases that signal a kind of ask, matched in one pass.

A big alternation regex over the instruction costs milliseconds in Python's ``re``; looking up
each word (and its short prefixes, for stems like ``migrat*``) in a dict costs microseconds. So
the cues are data here, compiled once into ``first word → phrases`` and ``stem → category``
tables, and ``scan`` counts every category in a single pass over the words. Scripts written
without spaces (Japanese, Chinese, Korean) are matched as substrings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import product

#: the longest instruction prefix (and suffix) scanned: instructions are short; a long first
#: paragraph is mostly content, and its cues would be noise
MAX_SCAN = 400


def _words(text: str) -> list[str]:
    return text.split()


def _combos(*parts: str) -> list[str]:
    """'make|turn', 'this|it' → ['make this', 'make it', 'turn this', 'turn it']."""
    return [" ".join(words).strip() for words in product(*(p.split("|") for p in parts))]


_ARTICLE = "|the |my |any |all "
CUES: dict[str, list[str]] = {
    "reshape_verb": [
        *_words(
            "rewrite re-write rephrase reword paraphrase proofread summar* recap condense shorten shorter trim "
            "simplify cleanup clean-up polish tighten grammar typo typos spelling extract translate convert reformat "
            "format formatting rename dedupe de-duplicate group tally reorganize reorganise restructure collapse "
            "bullet bullets bulletize politer friendlier kinder softer warmer redact wrap highlight classify "
            "categori* tldr jsdoc javadoc docblock docblocks f-string f-strings fstring fstrings comprehension "
            "comprehensions readonly pep8 pep-8 prettier gofmt rustfmt isort lint linting indent indentation "
            "annotate grammer spellcheck spell-check"
        ),
        *_combos("in|into", "english|spanish|french|german|italian|portuguese|dutch|polish|japanese|chinese|korean"),
        "tl dr",
        "sum up",
        "clean up",
        "tidy up",
        "pull out",
        "bullet points",
        "bullet point",
        "magic numbers",
        "named constants",
        "type annotations",
        "doc comments",
        "imperative mood",
        "title case",
        "snake case",
        "snake_case",
        "camelcase",
        "camel case",
        "walk me through",
        "break down",
        "according to",
        "based on this",
        "based on the",
        "based on what",
        "based only on",
        "label each",
        "tag each",
        "mark each",
        "list them",
        "correct the grammar",
        "correct the spelling",
        *_combos("fix", _ARTICLE, "grammar|typo|typos|spelling|punctuation|formatting|indentation|markdown|english"),
        *_combos("cut", "this|it|down"),
        *_combos("list", "the|all|every|only|just"),
        *_combos("which", "lines|requests|pods|tables|ones"),
        "which of these",
        *_combos("turn|put|port", "this|these|that|it|them|my"),
        *_combos("show", "this|these|them|it|only"),
        *_combos("make", "this|it|these|that", "sound|more|less|shorter|longer|clearer|friendlier|into|consistent"),
        *_combos("make", "this|it|these|that", "readable|imperative|polite|formal|professional|scannable"),
        *_combos("make", "this|it", "a", "table|list|proper"),
        *_combos("sort", "these|this|them|the|alphabetically|by"),
        *_combos("merge", "these|the"),
        *_combos("count", "each|these|requests|occurrences"),
        *_combos("count the", "lines|requests|votes|comments"),
        "count how many",
        *_combos("replace", "the|these|all|every|var|this"),
        *_combos("flatten", "this|the"),
        *_combos("to", "json|yaml|csv|markdown|html"),
        "to a table",
        *_combos("more", "formal|polite|concise|professional|friendly|casual"),
        *_combos("less", "formal|harsh|stiff|robotic|jargon"),
        *_combos("add", "type hints|docstrings|docstring|comments|comment|a docstring|alt text"),
        *_combos("explain", "in plain|each|what this|what these|what the"),
        *_combos("explain this", "diff|command|query|code|function|pipeline|regex"),
        *_combos("from", "this|these|the", "notes|thread|email|doc|log"),
        # fr de es pt it nl pl ru tr sv cs el
        *_words(
            "résume resume résumé réécris reecris récris reformule corrige traduis réponds reponds zusammen fasse "
            "übersetze ubersetze korrigiere formuliere umschreiben resuma resumir reescribe reescriba reescreva "
            "reescrever traduza traduzir traduce convierte corrija liste riassumi traduci riscrivi vertaal "
            "przetłumacz przetlumacz перепиши сократи переведи özetle rätta přepiš συνόψισε résumer resumer "
            "résumez tradúceme traducir traduire übersetzen hernoem hernoemen classifica classifique clasifica "
            "formale formeller"
        ),
        "ajoute des commentaires",
        "maak dit",
        *_combos("was macht", "dieser|diese|das|der"),
        *_combos("qué hace|que hace|que fait|cosa fa|o que", "este|esta|essa|esse|ce|cette|questo|questa|isso"),
    ],
    "create_verb": [
        *_words(
            "write create design implement build generate brainstorm propose invent plan architect draft prove derive "
            "solve optimi* improve refactor migrate setup outline estimate recommend suggest compare evaluate critique "
            "review decide choose pick"
        ),
        "speed up",
        "speed this",
        "set up",
        "come up with",
        *_combos("need", "a|an|some"),
        "idea for",
        "ideas for",
        *_combos("make", "me|us|", "a|an"),
        *_combos("give me", "a|an|some|#"),
        *_words(
            "écris ecris conçois concevoir explique schreibe entwirf erkläre erklare escribe diseña disena explica "
            "escreva projete scrivi progetta napisz напиши спроектируй объясни поясни yaz buatkan اشرح"
        ),
        "maak een",
        "thiết kế",
        "viết",
    ],
    "restate_object": [
        *_words(
            "summary title headline tweet sms out-of-office announcement reply timeline table bullets bullet checklist "
            "task-list json yaml csv markdown html gherkin mermaid docstring docstrings comment comments trailers "
            "agenda faq annotation changelog"
        ),
        "commit message",
        "commit msg",
        "msg",
        "commit-message",
        "descripción",
        "commit subject",
        "subject line",
        "merge commit",
        "pr description",
        "changelog entry",
        "release notes",
        "release note",
        "release announcement",
        "slack message",
        "alt text",
        "status update",
        "thank-you note",
        "bullet list",
        "user story",
        "user stories",
        "given/when/then",
        "given when then",
        "faq entry",
        "calendar invite",
        "one line",
        "one sentence",
        "one paragraph",
        *_combos("#", "bullets|sentences|lines|words"),
    ],
    "new_object": [
        *_words(
            "function class script program module library cli bot service endpoint api sdk query queries schema "
            "architecture system design algorithm plan roadmap strategy policy proposal spec adr rfc test tests "
            "regex dockerfile makefile hook workflow pipeline migration tutorial guide readme contributing talk okr "
            "okrs implementation one-liner decorator parser cache queue scheduler ideas name names solution tasks "
            "subtasks recurrence proof skeleton"
        ),
        "data model",
        "data structure",
        "test suite",
        "test plan",
        "regular expression",
        "github action",
        "blog post",
        "style guide",
        "job description",
        "interview questions",
        "threat model",
        "acceptance criteria",
        "state machine",
        "rate limiter",
    ],
    "diagnose": [
        *_words(
            "why whats what's debug* bug bugs broken fail fails failing crash* hang hangs leak* deadlock* panic* "
            "slow stall stalls caus* pourquoi warum porqué porque perché perche почему dlaczego neden varför proč"
        ),
        "what is wrong",
        "i did wrong",
        "we did wrong",
        "what did i do wrong",
        "root cause",
        "not working",
        "doesn't work",
        "doesnt work",
        "what could",
        "how bad",
        "por qué",
        "por que",
        *_combos("fix", "this|it"),
        *_combos("fix the", "bug|error|test|issue"),
        *_combos("is", "this|it", "safe|correct|right"),
        "is this an attack",
    ],
    "judgment": [
        *_words(
            "better best recommend* vs versus compare comparison risk risks ambiguous gaps tradeoff tradeoffs "
            "trade-off trade-offs mejor meilleur besser melhor nên"
        ),
        "should i",
        "should we",
        "shall we",
        "who's right",
        "whos right",
        "which is",
        "which one",
        "which option",
        "pros and cons",
        "trade off",
        "trade offs",
        "worth it",
        "good idea",
        "what are we missing",
        "when will",
        *_combos("is", "it|this", "a good idea|worth|over-engineered|overengineered|feasible|possible"),
        *_combos("what would you", "do|change|recommend|pick|use"),
    ],
    "howto": [
        *_combos("how", "do|can|should|would|could", "i|we|you"),
        "how to",
        "how does",
        "how is",
        "what's the way",
        "what's the best way",
        "what is the best way",
        "what is",
        "what are",
        "what's a",
        "what's an",
        "what's the",
        "difference between",
        "explain",
        *_words("comment wie cómo como come"),
    ],
    "depth": [
        *_words(
            "trade-off* tradeoff* scal* concurren* thread-safe race distributed consisten* idempoten* architect* "
            "schema* migrat* zero-downtime performance optimi* complexity algorithm* prove proof secur* multi-tenan* "
            "replicat* failover deadlock latency throughput capacity at-least-once exactly-once isolation partition* "
            "shard* backpressure consensus transaction* np-hard probabilit* invariant* stream* testable memory ram "
            "retry retries backoff lock* dependenc* iterative* recursi*"
        ),
        "zero downtime",
        "edge case",
        "edge cases",
        "cache invalidation",
        "step by step",
        "safe to",
        "without making",
        "without blocking",
    ],
    "constraint": [
        *_words(
            "must without keep only include including handle handles support cover while ensure never always don't dont"
        ),
        "at most",
        "at least",
        "no more than",
        "under #",
        "max #",
        "maximum #",
        "do not",
        "with proper",
        "with a",
        "with an",
        "so that",
        "in under",
        *_combos("per", "user|tenant|request"),
        "per api key",
    ],
    "short_output": [
        *_words("short brief tldr title subject"),
        "tl dr",
        "one line",
        "one-line",
        "one sentence",
        "one paragraph",
        "just the",
        "just give",
        "only the",
        "nothing else",
        *_combos("in", "one|two|three|#", "sentence|sentences|line|lines|bullet|bullets|word|words"),
        *_combos("#", "words|bullets|sentences|lines"),
        *_combos("under #", "chars|characters|words"),
        "max # chars",
    ],
    "long_output": [
        *_words(
            "detailed comprehensive complete full in-depth thorough step-by-step guide tutorial essay document "
            "milestones concrete concretely cover covering"
        ),
        "in depth",
        "step by step",
        "with example",
        "with examples",
        "explain the",
        "explain your",
        "explain why",
        "and explain",
        "with reasoning",
        "show your math",
        "show your work",
        "blog post",
    ],
    "design_doc": ["design doc", "design docs"],
    "deictic": [*_words("this these that above below here given attached my it"), "the following"],
    "backref": _words("above that this these those it das ça esto isso questo"),
    "wh": [*_words("what which who when where"), "how many", "how long"],
    "extractive": [
        "according to",
        "based on",
        "based only on",
        "did they",
        "who is responsible",
        "who is in charge",
        "when is",
        "which of these",
        "which one",
        "which ones",
        *_combos("what did", "we|they|he|she"),
    ],
    "imperative": [
        *_words("give make put turn write list show tell find pull sort add use now please pls"),
        "can you",
        "could you",
    ],
}

#: cues in scripts written without spaces between words
SUBSTRING_CUES: dict[str, tuple[str, ...]] = {
    "reshape_verb": (
        "要約",
        "翻訳",
        "英語に",
        "書き直",
        "校正",
        "总结",
        "翻译",
        "润色",
        "改写",
        "정리",
        "뽑아",
        "요약",
        "번역",
        "अनुवाद",
        "注释",
        "コメントを",
        "바꿔",
        "줄여",
    ),
    "create_verb": ("設計", "実装", "教えて", "写一个", "设计", "实现", "解释", "설명", "작성"),
    "diagnose": ("なぜ", "为什么", "為什麼", "왜", "バグ", "为何"),
}

#: hyphens join a word ("trade-off", "thread-safe"); a slash separates two ("indentation/formatting")
_TOKEN = re.compile(r"[\w']+(?:-[\w']+)*|#|\^")


def tokens(text: str) -> list[str]:
    """Lower-case words; numbers become '#' so "in 3 bullets" matches "in # bullets"."""
    return ["#" if t.isdigit() else t for t in _TOKEN.findall(text.lower())]


def _compile(
    cues: dict[str, list[str]],
) -> tuple[dict[str, list[tuple[tuple[str, ...], str]]], dict[str, list[str]]]:
    phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    stems: dict[str, list[str]] = {}
    for category, entries in cues.items():
        for entry in entries:
            if entry.endswith("*"):
                stems.setdefault(entry[:-1], []).append(category)
                continue
            words = tuple(tokens(entry))
            phrases.setdefault(words[0], []).append((words, category))
    for entries in phrases.values():
        entries.sort(key=lambda item: -len(item[0]))
    return phrases, stems


_PHRASES, _STEM_CATEGORIES = _compile(CUES)
_STEM_LENGTHS = sorted({len(s) for s in _STEM_CATEGORIES})


def scan(words: list[str], text: str = "") -> Counter[str]:
    """How many cues of each category the words contain (one per category per position)."""
    found: Counter[str] = Counter()
    n = len(words)
    for i, word in enumerate(words):
        entries = _PHRASES.get(word)
        if entries:
            seen: set[str] = set()
            for phrase, category in entries:
                if category not in seen and tuple(words[i : i + len(phrase)]) == phrase:
                    found[category] += 1
                    seen.add(category)
        for k in _STEM_LENGTHS:
            if k > len(word):
                break
            cats = _STEM_CATEGORIES.get(word[:k])
            if cats:
                for category in cats:
                    found[category] += 1
    if text and n:
        for category, subs in SUBSTRING_CUES.items():
            if any(s in text for s in subs):
                found[category] += 1
    return found


def window(text: str) -> str:
    """The part of an instruction worth scanning: all of it when short, else its start and end."""
    if len(text) <= MAX_SCAN:
        return text
    return text[: MAX_SCAN // 2] + "\n" + text[-MAX_SCAN // 2 :]


def any_of(words: Iterable[str], vocabulary: set[str]) -> bool:
    return any(w in vocabulary for w in words)
