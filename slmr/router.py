"""The router: is a prompt *reshape* (the answer is mostly in the prompt) or *create* work?

Pure: no I/O at decision time. A logistic score over a few explainable features; the weights
are data (``slmr/data/router.json``) so they can be refitted from the labelled set.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

RESHAPE = "reshape"
CREATE = "create"


@dataclass(frozen=True)
class Decision:
    route: str
    #: probability of the chosen route (0.5..1)
    confidence: float
    #: probability that the prompt is create work
    p_create: float
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "route": self.route,
            "confidence": round(self.confidence, 4),
            "p_create": round(self.p_create, 4),
            "reasons": self.reasons,
        }


_RESHAPE_VERBS = re.compile(
    r"\b(rewrite|rephrase|reword|proofread|fix (?:the )?(?:grammar|typos?|spelling)|summari[sz]e|tl;?dr|"
    r"extract|list the|translate|convert|reformat|format|shorten|condense|simplify|clean ?up|polish|"
    r"make (?:it|this) (?:more|less)|turn (?:this|these|it) into|classify|categori[sz]e)\b",
    re.IGNORECASE,
)
_CREATE_VERBS = re.compile(
    r"\b(write|create|design|implement|build|generate|brainstorm|propose|invent|plan|architect|"
    r"explain why|prove|derive|solve|optimi[sz]e|compare|what is the best|how (?:do|should|would|can) i)\b",
    re.IGNORECASE,
)
_REASONING = re.compile(
    r"\b(step by step|trade-?offs?|architecture|schema|algorithm|complexity|prove|proof|scal(?:e|ing)|"
    r"concurren\w+|distributed|migration plan|refactor)\b",
    re.IGNORECASE,
)
_FENCE = re.compile(r"```|^diff --git|^@@ ", re.MULTILINE)


@dataclass(frozen=True)
class Weights:
    bias: float
    weights: dict[str, float]
    descriptions: dict[str, str]


@cache
def weights() -> Weights:
    data = json.loads(resources.files("slmr.data").joinpath("router.json").read_text(encoding="utf-8"))
    return Weights(bias=data["bias"], weights=data["weights"], descriptions=data["descriptions"])


def features(prompt: str, content: str = "") -> dict[str, float]:
    """Explainable features of the instruction and the supplied content."""
    text = prompt + ("\n" + content if content else "")
    instruction = prompt if content else prompt[:400]
    supplied = len(content) if content else max(0, len(prompt) - 400)
    return {
        "reshape_verb": 1.0 if _RESHAPE_VERBS.search(instruction) else 0.0,
        "create_verb": 1.0 if _CREATE_VERBS.search(instruction) else 0.0,
        "reasoning_terms": min(3.0, float(len(_REASONING.findall(instruction)))),
        "supplied_content": min(1.0, supplied / 2000.0),
        "code_or_diff": 1.0 if _FENCE.search(text) else 0.0,
        "question": 1.0 if instruction.rstrip().endswith("?") else 0.0,
        "long_input": min(1.0, math.log10(1 + len(text) / 4 / 8000)),
    }


def decide(prompt: str, content: str = "", *, threshold: float = 0.5) -> Decision:
    w = weights()
    feats = features(prompt, content)
    contributions = {name: w.weights.get(name, 0.0) * value for name, value in feats.items()}
    z = w.bias + sum(contributions.values())
    p_create = 1.0 / (1.0 + math.exp(-z))
    route = CREATE if p_create >= threshold else RESHAPE
    confidence = p_create if route == CREATE else 1.0 - p_create
    top = sorted((c for c in contributions.items() if c[1] != 0.0), key=lambda kv: -abs(kv[1]))[:3]
    reasons = [f"{w.descriptions.get(name, name)} ({'+' if c > 0 else '-'}create)" for name, c in top]
    return Decision(route=route, confidence=confidence, p_create=p_create, reasons=reasons)
