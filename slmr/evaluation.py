"""How good is the router on a labelled set: the math behind ``slmr eval`` and ``scripts/fit_router.py``.

Pure: takes labels and P(create) values, returns figures. The create→reshape miss rate is the
share of create prompts the router would send to the local model — the expensive error in
quality terms — so the report also finds the threshold that keeps it under a target.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise

from slmr.router import CREATE, RESHAPE

LABELS = (RESHAPE, CREATE)
#: reliability buckets over the confidence of the chosen route; below 0.5 when the threshold is
#: below 0.5 (a prompt that is probably reshape still goes to create when a miss is too costly)
BUCKETS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
#: a bucket with at least this many prompts is held to |confidence - accuracy| <= RELIABILITY_TOLERANCE
RELIABILITY_MIN_COUNT = 30
RELIABILITY_TOLERANCE = 0.1
HELD_OUT_PERCENT = 25


def held_out(prompt: str, percent: int = HELD_OUT_PERCENT) -> bool:
    """The deterministic held-out split: a prompt's SHA-256 decides, so adding prompts never moves others."""
    digest = hashlib.sha256(prompt.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


@dataclass
class LabelStats:
    precision: float | None
    recall: float | None
    count: int


@dataclass
class Bucket:
    low: float
    high: float
    count: int
    mean_confidence: float | None
    accuracy: float | None

    @property
    def gap(self) -> float | None:
        if self.mean_confidence is None or self.accuracy is None:
            return None
        return abs(self.mean_confidence - self.accuracy)

    @property
    def honest(self) -> bool | None:
        """None when the bucket is too small to judge."""
        if self.count < RELIABILITY_MIN_COUNT or self.gap is None:
            return None
        return self.gap <= RELIABILITY_TOLERANCE


@dataclass
class ThresholdChoice:
    max_miss: float
    #: the highest threshold whose miss rate stays within max_miss
    threshold: float
    miss_rate: float
    accuracy: float
    #: share of all prompts that would go to the local model at this threshold
    local_share: float


@dataclass
class Report:
    count: int
    threshold: float
    accuracy: float
    labels: dict[str, LabelStats]
    #: create prompts routed to reshape / create prompts
    miss_rate: float | None
    #: reshape prompts routed to create / reshape prompts (money, not quality)
    overspend_rate: float | None
    confusion: dict[str, dict[str, int]]
    reliability: list[Bucket]
    for_max_miss: ThresholdChoice | None
    local_share: float
    log_loss: float
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        for bucket, raw in zip(self.reliability, data["reliability"], strict=True):
            raw["honest"] = bucket.honest
        return _rounded(data)


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def route_for(p_create: float, threshold: float) -> str:
    return CREATE if p_create >= threshold else RESHAPE


def reliability(p_creates: Sequence[float], labels: Sequence[str], threshold: float) -> list[Bucket]:
    """Confidence of the chosen route against how often that route was right, per bucket."""
    rows: list[list[tuple[float, bool]]] = [[] for _ in BUCKETS[:-1]]
    for p, label in zip(p_creates, labels, strict=True):
        route = route_for(p, threshold)
        confidence = p if route == CREATE else 1.0 - p
        index = min(len(rows) - 1, max(0, int(confidence * 10)))
        rows[index].append((confidence, route == label))
    buckets = []
    for (low, high), items in zip(pairwise(BUCKETS), rows, strict=True):
        n = len(items)
        buckets.append(
            Bucket(
                low=low,
                high=high,
                count=n,
                mean_confidence=sum(c for c, _ in items) / n if n else None,
                accuracy=sum(1 for _, ok in items if ok) / n if n else None,
            )
        )
    return buckets


def threshold_for_max_miss(p_creates: Sequence[float], labels: Sequence[str], max_miss: float) -> ThresholdChoice:
    """The highest threshold that keeps the create→reshape miss rate at or under ``max_miss``.

    The highest such threshold sends the most prompts to the local model for that miss rate.
    """
    creates = sorted(p for p, label in zip(p_creates, labels, strict=True) if label == CREATE)
    allowed = math.floor(max_miss * len(creates) + 1e-9)
    # exactly `allowed` create prompts fall below creates[allowed] (ties fall on the create side)
    threshold = creates[allowed] if allowed < len(creates) else 1.0
    return ThresholdChoice(
        max_miss=max_miss,
        threshold=threshold,
        miss_rate=_ratio(sum(1 for p in creates if p < threshold), len(creates)) or 0.0,
        accuracy=_accuracy(p_creates, labels, threshold),
        local_share=sum(1 for p in p_creates if p < threshold) / len(p_creates) if p_creates else 0.0,
    )


def _accuracy(p_creates: Sequence[float], labels: Sequence[str], threshold: float) -> float:
    right = sum(1 for p, label in zip(p_creates, labels, strict=True) if route_for(p, threshold) == label)
    return right / len(labels) if labels else 0.0


def log_loss(p_creates: Sequence[float], labels: Sequence[str]) -> float:
    eps = 1e-12
    total = 0.0
    for p, label in zip(p_creates, labels, strict=True):
        q = min(1 - eps, max(eps, p))
        total -= math.log(q) if label == CREATE else math.log(1 - q)
    return total / len(labels) if labels else 0.0


def evaluate(
    p_creates: Sequence[float], labels: Sequence[str], threshold: float, max_miss: float | None = None
) -> Report:
    """Every figure ``slmr eval`` prints, from P(create) and the true labels."""
    unknown = set(labels) - set(LABELS)
    if unknown:
        raise ValueError(f"labels must be reshape or create, not {sorted(unknown)}")
    confusion = {truth: {pred: 0 for pred in LABELS} for truth in LABELS}
    for p, label in zip(p_creates, labels, strict=True):
        confusion[label][route_for(p, threshold)] += 1
    stats = {}
    for label in LABELS:
        predicted = sum(confusion[truth][label] for truth in LABELS)
        actual = sum(confusion[label].values())
        stats[label] = LabelStats(
            precision=_ratio(confusion[label][label], predicted),
            recall=_ratio(confusion[label][label], actual),
            count=actual,
        )
    n = len(labels)
    return Report(
        count=n,
        threshold=threshold,
        accuracy=_accuracy(p_creates, labels, threshold),
        labels=stats,
        miss_rate=_ratio(confusion[CREATE][RESHAPE], stats[CREATE].count),
        overspend_rate=_ratio(confusion[RESHAPE][CREATE], stats[RESHAPE].count),
        confusion=confusion,
        reliability=reliability(p_creates, labels, threshold),
        for_max_miss=threshold_for_max_miss(p_creates, labels, max_miss)
        if max_miss is not None and stats[CREATE].count
        else None,
        local_share=sum(confusion[t][RESHAPE] for t in LABELS) / n if n else 0.0,
        log_loss=log_loss(p_creates, labels),
    )
