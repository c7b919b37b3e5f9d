"""Finding secrets in text before it leaves the machine, and replacing them with placeholders.

Pure functions over strings: no I/O, no imports beyond the standard library, so the guard costs
nothing at start-up and can run on every cloud call. A finding carries its kind and position,
never the secret itself, so it can be reported safely.

Why our own patterns rather than detect-secrets (evaluated, 1.5.0): it has no detector for
Anthropic keys, current OpenAI project keys (``sk-proj-…``) or Google API keys; ``scan_line``
reports values but not offsets (redaction needs offsets); it imports requests and PyYAML
(~0.2-0.4 s); and its last release is from 2024. The formats below follow each provider's
documented or published token shapes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

PLACEHOLDER = "[REDACTED:{kind}]"


@dataclass(frozen=True)
class Finding:
    kind: str
    #: 1-based line of the secret's first character
    line: int
    start: int
    end: int


@dataclass(frozen=True)
class _Pattern:
    kind: str
    regex: re.Pattern[str]
    prefix: tuple[str, ...]
    #: the regex group that holds the secret (0: the whole match)
    group: int = 0
    bounded: bool = True


def _p(kind: str, pattern: str, *, prefix: tuple[str, ...], group: int = 0, bounded: bool = True) -> _Pattern:
    return _Pattern(kind, re.compile(pattern), prefix, group, bounded)


# Each pattern starts with a literal where it can: Python's ``re`` then searches for the literal
# first, which keeps a 50 MB input to a fraction of a second. ``prefix`` is a quick pre-check:
# when none of its strings is in the text, the pattern is skipped; ``bounded`` asks that the
# match not be glued to other token characters (we would report part of a longer identifier).
PATTERNS: tuple[_Pattern, ...] = (
    _p(
        "private-key",
        r"-----BEGIN[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----"
        r"[ \t]*\r?\n[\s\S]*?(?:-----END[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----|\Z)",
        prefix=("PRIVATE KEY",),
    ),
    _p("anthropic-api-key", r"sk-ant-[A-Za-z0-9_-]{32,}", prefix=("sk-ant-",)),
    _p("openai-api-key", r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}", prefix=("sk-",)),
    _p("openai-api-key", r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}", prefix=("T3BlbkFJ",)),
    _p("openai-api-key", r"sk-[A-Za-z0-9]{40,}", prefix=("sk-",)),
    _p(
        "aws-access-key",
        r"(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}",
        prefix=("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
    ),
    _p(
        "aws-secret-key",
        r"(?i)aws_?(?:secret_?(?:access_?)?key|sk)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        group=1,
        bounded=False,
        prefix=("aws", "AWS", "Aws"),
    ),
    _p("github-token", r"gh[pousr]_[A-Za-z0-9]{36,255}", prefix=("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    _p("github-token", r"github_pat_[A-Za-z0-9_]{50,255}", prefix=("github_pat_",)),
    _p("gitlab-token", r"glpat-[A-Za-z0-9_-]{20,}", prefix=("glpat-",)),
    _p("slack-token", r"xox[abposr]-[A-Za-z0-9-]{10,}", prefix=("xox",)),
    _p(
        "slack-webhook",
        r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}",
        prefix=("hooks.slack.com",),
    ),
    _p("google-api-key", r"AIza[0-9A-Za-z_-]{35}", prefix=("AIza",)),
    _p("stripe-key", r"(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{20,}", prefix=("k_live_", "k_test_")),
    _p("stripe-webhook-secret", r"whsec_[0-9A-Za-z]{24,}", prefix=("whsec_",)),
    _p("huggingface-token", r"hf_[A-Za-z0-9]{34,}", prefix=("hf_",)),
    _p("npm-token", r"npm_[A-Za-z0-9]{36}", prefix=("npm_",)),
    _p("pypi-token", r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", prefix=("pypi-AgEIcHlwaS5vcmc",)),
    _p("sendgrid-key", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", prefix=("SG.",)),
    _p("jwt", r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}", prefix=("eyJ",)),
    # scheme://user:password@host: only the password is the secret
    _p(
        "url-credentials",
        r"://[^\s/:@\"'<>]{1,200}:([^\s/@\"'<>]{1,200})@[A-Za-z0-9.\[-]",
        group=1,
        bounded=False,
        prefix=("://",),
    ),
)

# KEY=VALUE lines: dotenv, shell, INI, TOML, YAML ("key: value") and JSON ("key": "value",).
# Matched one candidate line at a time (``match`` with pos/endpos), never across the whole text.
_ASSIGNMENT = re.compile(
    r"[ \t]*(?:export[ \t]+)?[\"']?(?P<name>[A-Za-z_][A-Za-z0-9_.-]{0,80})[\"']?[ \t]*(?P<op>=|:)[ \t]*"
    r"(?P<q>[\"']?)(?P<value>[A-Za-z0-9+/=_\-.~!@#$%^&*?|]{8,4096})(?P=q)[ \t]*(?:[#,;].*)?$"
)
#: words that make a line worth a look (a quick pre-check; the name itself must match _SECRET_NAME)
_SECRET_WORDS = ("secret", "passw", "pwd", "token", "key", "auth", "credential", "signing", "salt", "dsn")
_SECRET_NAME = re.compile(
    r"(?i)(secret|passw|pwd|token|api_?key|apikey|access_?key|private_?key|auth|credential|signing|salt|dsn)"
)
#: a value long enough to be judged on randomness alone, whatever its name
_LONG_VALUE = re.compile(r"[=:][ \t]*[\"']?[A-Za-z0-9+/=_\-.~!@#$%^&*?|]{20}")
_PLACEHOLDER_WORDS = re.compile(
    r"(?i)(example|placeholder|changeme|change_me|your[_-]|dummy|fake|sample|redacted|not[_-]?a[_-]?real|xxxx|\*\*\*|\.\.\.)"
)
_REFERENCE = re.compile(r"^(?:\$|%|\{|<|&|@)|\$\{|\w\(")
# names, not secrets: plain words, snake_case, dotted or CONSTANT names, CamelCase, e-mail addresses
_IDENTIFIER = re.compile(
    r"^(?:[A-Z]?[a-z_.-]+|[a-z0-9]+(?:[_.-][a-z0-9]+)+|_?[A-Z0-9]+(?:_[A-Z0-9]+)+|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|/[\w/.-]+"
    r"|(?:[A-Z][a-z]{2,}|[A-Z0-9])+|[a-z]+(?:[A-Z][a-z]{2,})+|[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,})$"
)
#: "auth_latency: -0.041624", "auth": 0.31: a decimal fraction is a measurement, not a credential
_DECIMAL = re.compile(r"[+-]?\d+\.\d+(?:[eE][+-]?\d+)?")
_PLACEHOLDER_PASSWORDS = frozenset(
    {"password", "passwd", "pass", "pw", "secret", "pwd", "token", "changeme", "x", "xxx"}
)
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def shannon_entropy(value: str) -> float:
    """Bits per character: random base64 is near 6, English words near 3, a hex digest at most 4."""
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _char_classes(value: str) -> int:
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
        )
    )


def _looks_random(value: str, secret_name: bool) -> bool:
    """A value worth hiding: random enough for its length, not a placeholder, not a reference."""
    n = len(value)
    # cheap tests first: a .env of thousands of lines must not cost seconds
    if n < (8 if secret_name else 20) or (not secret_name and _char_classes(value) < 3):
        return False
    if (
        _PLACEHOLDER_WORDS.search(value)
        or _REFERENCE.search(value)
        or _IDENTIFIER.match(value)
        or _DECIMAL.fullmatch(value)
    ):
        return False
    entropy = shannon_entropy(value)
    if secret_name:
        # next to a name that says "secret", a password need not be long or very random; one that mixes
        # three kinds of character is a password even when some repeat ("c70G77TD77rn!", "WqWpqBqObqfj!")
        mixed = _char_classes(value) + any(not c.isalnum() for c in value) >= 3
        return entropy >= min(3.0, (0.7 if mixed else 0.8) * math.log2(n))
    # any other name: only values that are clearly random tokens (a git SHA is not: hex tops out at 4 bits)
    return entropy >= 0.85 * math.log2(min(n, 64))


def _candidate_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of the lines that could hold a secret assignment.

    Found with ``str.find`` on the lowered text and one cheap regex: a case-insensitive regex
    alternation costs about 100 ns per character in Python's ``re``, too slow for a 50 MB paste.
    """
    hits: list[int] = []
    lowered = text.lower()
    for word in _SECRET_WORDS:
        pos = lowered.find(word)
        while pos >= 0:
            hits.append(pos)
            pos = lowered.find(word, pos + 1)
    hits.extend(m.start() for m in _LONG_VALUE.finditer(text))
    lines: dict[int, int] = {}
    for pos in hits:
        start = text.rfind("\n", 0, pos) + 1
        if start not in lines:
            end = text.find("\n", pos)
            lines[start] = len(text) if end < 0 else end
    return sorted(lines.items())


def _assignments(text: str) -> Iterable[tuple[int, int]]:
    if "=" not in text and ":" not in text:
        return
    for start, end in _candidate_lines(text):
        m = _ASSIGNMENT.match(text, start, end)
        if m is None:
            continue
        value = m.group("value")
        if _looks_random(value, bool(_SECRET_NAME.search(m.group("name")))):
            yield m.start("value"), m.end("value")


def _url_password_is_placeholder(value: str) -> bool:
    return value.lower() in _PLACEHOLDER_PASSWORDS or bool(_PLACEHOLDER_WORDS.search(value) or _REFERENCE.search(value))


def _glued(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1] in _TOKEN_CHARS) or (end < len(text) and text[end] in _TOKEN_CHARS)


def scan(text: str) -> list[Finding]:
    """All secrets in ``text``, in order, without overlaps (the first, longest match wins)."""
    spans: list[tuple[int, int, str]] = []
    for pattern in PATTERNS:
        if not any(p in text for p in pattern.prefix):
            continue
        for m in pattern.regex.finditer(text):
            start, end = m.span(pattern.group)
            if pattern.bounded and _glued(text, start, end):
                continue
            if pattern.kind == "url-credentials" and _url_password_is_placeholder(m.group(1)):
                continue
            spans.append((start, end, pattern.kind))
    for start, end in _assignments(text):
        spans.append((start, end, "high-entropy-value"))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    findings: list[Finding] = []
    last_end = -1
    line, counted = 1, 0  # line numbers counted incrementally: findings are in order
    for start, end, kind in spans:
        if start < last_end:
            continue
        line += text.count("\n", counted, start)
        counted = start
        findings.append(Finding(kind, line, start, end))
        last_end = end
    return findings


def redact(text: str, findings: list[Finding] | None = None) -> str:
    """``text`` with each finding replaced by ``[REDACTED:kind]``."""
    findings = scan(text) if findings is None else findings
    out, pos = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        out.append(text[pos : f.start])
        out.append(PLACEHOLDER.format(kind=f.kind))
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def scrub(message: str, known: Iterable[str | None] = ()) -> str:
    """A message safe to print: known key values and anything that looks like a secret replaced."""
    for value in known:
        if value and len(value) >= 8:
            message = message.replace(value, "[REDACTED]")
    return redact(message)
