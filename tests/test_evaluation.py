"""The eval math on small hand-checked cases, and the held-out split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slmr import evaluation

C, R = "create", "reshape"


def test_accuracy_precision_recall_and_miss_rate():
    p = [0.9, 0.8, 0.2, 0.6, 0.1, 0.3]
    labels = [C, C, C, R, R, R]
    report = evaluation.evaluate(p, labels, threshold=0.5)
    # routed: C C R C R R  → right: 1 1 0 0 1 1
    assert report.accuracy == pytest.approx(4 / 6)
    assert report.confusion == {R: {R: 2, C: 1}, C: {R: 1, C: 2}}
    assert report.miss_rate == pytest.approx(1 / 3)
    assert report.overspend_rate == pytest.approx(1 / 3)
    assert report.labels[C].precision == pytest.approx(2 / 3) and report.labels[C].recall == pytest.approx(2 / 3)
    assert report.labels[R].count == 3
    assert report.local_share == pytest.approx(3 / 6)


def test_threshold_for_max_miss_is_the_highest_that_keeps_misses_under_the_target():
    p = [0.1, 0.3, 0.5, 0.7, 0.9, 0.05, 0.2]  # five creates, then two reshapes
    labels = [C] * 5 + [R] * 2
    none = evaluation.threshold_for_max_miss(p, labels, 0.0)
    assert none.threshold == 0.1 and none.miss_rate == 0.0
    one = evaluation.threshold_for_max_miss(p, labels, 0.2)  # one of five creates may be missed
    assert one.threshold == 0.3 and one.miss_rate == pytest.approx(0.2)
    assert one.local_share == pytest.approx(3 / 7)
    assert evaluation.threshold_for_max_miss(p, labels, 1.0).threshold == 1.0


def test_reliability_buckets_use_the_confidence_of_the_chosen_route():
    p = [0.95, 0.92, 0.05, 0.45]
    labels = [C, R, R, C]
    buckets = {b.low: b for b in evaluation.reliability(p, labels, threshold=0.5)}
    top = buckets[0.9]
    assert top.count == 3 and top.accuracy == pytest.approx(2 / 3)
    assert top.mean_confidence == pytest.approx((0.95 + 0.92 + 0.95) / 3)
    assert buckets[0.5].count == 1 and buckets[0.5].accuracy == 0.0  # 0.45 → reshape with confidence 0.55
    assert top.honest is None  # fewer than 30 prompts: not judged


def test_a_low_threshold_gives_confidences_below_one_half():
    [bucket] = [b for b in evaluation.reliability([0.3], [R], threshold=0.25) if b.count]
    assert bucket.low == 0.3 and bucket.accuracy == 0.0


def test_a_bucket_with_enough_prompts_is_judged_honest_or_not():
    p, labels = [0.95] * 40, [C] * 38 + [R] * 2
    [bucket] = [b for b in evaluation.reliability(p, labels, 0.5) if b.count]
    assert bucket.honest is True
    [bucket] = [b for b in evaluation.reliability([0.95] * 40, [C] * 30 + [R] * 10, 0.5) if b.count]
    assert bucket.honest is False


def test_unknown_labels_are_refused():
    with pytest.raises(ValueError):
        evaluation.evaluate([0.5], ["maybe"], 0.5)


def test_as_dict_is_json_ready_and_rounded():
    data = evaluation.evaluate([0.123456, 0.9], [R, C], 0.5, max_miss=0.05).as_dict()
    json.dumps(data)
    assert data["for_max_miss"]["max_miss"] == 0.05
    assert data["log_loss"] == round(data["log_loss"], 4)


def test_the_held_out_split_is_deterministic_and_about_a_quarter():
    path = Path(__file__).parent / "data" / "router_labelled.jsonl"
    prompts = [json.loads(line)["prompt"] for line in path.read_text(encoding="utf-8").splitlines()]
    held = [p for p in prompts if evaluation.held_out(p)]
    assert 0.2 < len(held) / len(prompts) < 0.3
    assert held == [p for p in prompts if evaluation.held_out(p)]
    assert evaluation.held_out("a fixed prompt") == evaluation.held_out("a fixed prompt")
