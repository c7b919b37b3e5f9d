"""Secrets in each real format, generated at test time.

Nothing realistic-looking is committed: every sample is built from a prefix and random characters
when a test runs, so neither this repository's own scan nor a host's push protection sees a key.
"""

from __future__ import annotations

import base64
import json
import random
import string

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits


#: one fixed seed: a test that passes once passes every time (unseeded draws once made a 13-character
#: password that repeated too many letters to look random, about one run in a thousand)
SEED = 20261123


class _Draw:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)

    def chars(self, n: int, alphabet: str = ALNUM) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def jwt(self) -> str:
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = {"sub": self.chars(10), "iat": self.rng.randint(10**9, 2 * 10**9)}
        return f"{header}.{_b64url(json.dumps(payload).encode())}.{_b64url(self.rng.randbytes(32))}"

    def private_key(self) -> str:
        body = base64.b64encode(self.rng.randbytes(600)).decode()
        lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
        label = self.rng.choice(["RSA ", "EC ", "OPENSSH ", ""])
        dashes = "-" * 5
        return f"{dashes}BEGIN {label}PRIVATE KEY{dashes}\n{lines}\n{dashes}END {label}PRIVATE KEY{dashes}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def samples() -> dict[str, tuple[str, str]]:
    """kind → (a line of text containing the secret, the secret itself)."""
    out: dict[str, tuple[str, str]] = {}
    draw = _Draw()
    _r = draw.chars

    def add(kind: str, secret: str, line: str = "token {} here") -> None:
        out[kind] = (line.format(secret), secret)

    add("anthropic-api-key", "sk-ant-api03-" + _r(93, ALNUM + "-_") + "AA")
    add("openai-api-key", "sk-proj-" + _r(156, ALNUM + "-_"))
    add("openai-api-key/legacy", "sk-" + _r(20) + "T3BlbkFJ" + _r(20))
    add("aws-access-key", "AKIA" + _r(16, UPPER_DIGITS))
    add("aws-secret-key", _r(40, ALNUM + "/+"), "aws_secret_access_key = {}")
    add("github-token", "ghp_" + _r(36))
    add("github-token/fine-grained", "github_pat_" + _r(22) + "_" + _r(59))
    add("gitlab-token", "glpat-" + _r(20))
    add("slack-token", f"xoxb-{_r(11, string.digits)}-{_r(13, string.digits)}-{_r(24)}")
    add("slack-webhook", f"https://hooks.slack.com/services/T{_r(8, UPPER_DIGITS)}/B{_r(8, UPPER_DIGITS)}/{_r(24)}")
    add("google-api-key", "AIza" + _r(35, ALNUM + "-_"))
    add("stripe-key", "sk_" + "live_" + _r(24))
    add("stripe-webhook-secret", "whsec_" + _r(32))
    add("huggingface-token", "hf_" + _r(34))
    add("npm-token", "npm_" + _r(36))
    add("sendgrid-key", "SG." + _r(22, ALNUM + "-_") + "." + _r(43, ALNUM + "-_"))
    add("jwt", draw.jwt(), "Authorization: Bearer {}")
    add("private-key", draw.private_key(), "{}")
    add("url-credentials", _r(16), "DATABASE_URL=postgres://app:{}@db.internal:5432/app")
    add("high-entropy-value", _r(32), "SESSION_SIGNING_SECRET={}")
    add("high-entropy-value/password", _r(12) + "!", 'db_password: "{}"')
    return out
