"""The secret scanner: every format found, never a false alarm on our own source and docs."""

from __future__ import annotations

import random
import re
import string
from pathlib import Path

import pytest

from slmr import secrets
from tests.secret_samples import samples

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("kind", sorted(samples()))
def test_each_generated_format_is_found_and_redacted(kind: str) -> None:
    line, secret = samples()[kind]
    text = f"first line\n{line}\nlast line\n"
    findings = secrets.scan(text)
    assert [f.kind for f in findings] == [kind.split("/")[0]]
    assert findings[0].line == 2
    redacted = secrets.redact(text, findings)
    assert secret not in redacted
    assert f"[REDACTED:{kind.split('/')[0]}]" in redacted
    assert redacted.startswith("first line\n") and redacted.endswith("\nlast line\n")


def test_url_credentials_redact_only_the_password() -> None:
    line, _ = samples()["url-credentials"]
    assert secrets.redact(line) == "DATABASE_URL=postgres://app:[REDACTED:url-credentials]@db.internal:5432/app"


@pytest.mark.parametrize("value", ["c70G77TD77rn!", "WqWpqBqObqfj!", "kLL0RW0KLmRL!"])
def test_a_password_that_repeats_characters_is_still_a_password(value: str) -> None:
    # three kinds of character (lower, upper, digit or symbol) next to a secret's name: below the
    # plain entropy bar because letters repeat, and a password all the same
    line = 'db_password: "' + value + '"'
    assert [f.kind for f in secrets.scan(line)] == ["high-entropy-value"]


def test_twelve_random_characters_and_a_symbol_are_always_caught() -> None:
    rng = random.Random(7)
    missed = []
    for _ in range(5000):
        value = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(12)) + "!"
        if not secrets.scan('db_password: "' + value + '"'):
            missed.append(value)
    assert missed == []


@pytest.mark.parametrize(
    "text",
    [
        "commit 3f2a9c0d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f",
        "api_key = settings.local.api_key",
        "token: Optional[int] = None",
        'password = os.environ["DB_PASSWORD"]',
        "DB_PASSWORD=${DB_PASSWORD}",
        "API_KEY=your-api-key-here",
        "postgres://user:password@localhost/db",
        "https://user:${PASSWORD}@example.com/",
        "export OPENAI_API_KEY=sk-...",
        "ANTHROPIC_API_KEY=sk-ant-test-not-a-real-key",
        "see https://example.com/path?q=1 and http://127.0.0.1:8080/v1",
        "the task-sk-rollout went out in release 2.3",
        # a decimal measurement next to a secret-sounding name: weights, latencies, ratios
        '    "auth": -0.041624,',
        "auth_p99_seconds: 0.0412817",
        "token_ratio = 1.2540193e-05",
    ],
)
def test_ordinary_text_is_not_a_secret(text: str) -> None:
    assert secrets.scan(text) == []


def _own_files() -> list[Path]:
    files = [p for p in (ROOT / "slmr").rglob("*") if p.is_file() and p.suffix in {".py", ".toml", ".json", ".md"}]
    files += [p for p in (ROOT / "tests").rglob("*.py") if p.name != "secret_samples.py"]
    files += [p for p in [ROOT / "README.md", ROOT / "pyproject.toml"] if p.exists()]
    files += list((ROOT / "docs").rglob("*.md")) if (ROOT / "docs").exists() else []
    return files


def test_no_findings_in_this_repositorys_source_and_docs() -> None:
    files = _own_files()
    assert len(files) > 20
    hits = [
        f"{p.relative_to(ROOT)}:{f.line}: {f.kind}" for p in files for f in secrets.scan(p.read_text(encoding="utf-8"))
    ]
    assert hits == []


def test_findings_never_hold_the_secret() -> None:
    line, secret = samples()["github-token"]
    finding = secrets.scan(line)[0]
    assert secret not in repr(finding)


def test_scrub_removes_known_values_and_lookalikes() -> None:
    _, aws = samples()["aws-access-key"]
    message = f"server said: bad key plainvalue123 and {aws}"
    out = secrets.scrub(message, ["plainvalue123"])
    assert "plainvalue123" not in out and aws not in out
    assert re.search(r"\[REDACTED\].*\[REDACTED:aws-access-key\]", out)
