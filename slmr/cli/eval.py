"""slmr eval: how well the router does on a labelled file of prompts."""

from __future__ import annotations

import json as jsonlib
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from slmr import evaluation, jsonlines, router
from slmr.cli import common
from slmr.console import Console
from slmr.errors import InputError


class Split(StrEnum):
    all = "all"
    train = "train"
    held_out = "held-out"


LabelledFile = Annotated[
    Path,
    typer.Argument(
        help='JSON lines: {"prompt": ..., "label": "reshape"|"create"}, optional "content". "-" reads stdin.',
        show_default=False,
    ),
]
MaxMiss = Annotated[
    float,
    typer.Option(
        "--max-miss", min=0.0, max=1.0, help="Find the threshold that keeps the create→reshape miss rate under this."
    ),
]
Threshold = Annotated[
    float | None,
    typer.Option(
        "--threshold",
        min=0.0,
        max=1.0,
        help="Decide with this threshold (default: router.threshold).",
        show_default=False,
    ),
]
SplitOption = Annotated[
    Split,
    typer.Option("--split", help="Only the fit's training part or its held-out part (by prompt hash)."),
]


def eval_command(
    file: LabelledFile,
    max_miss: MaxMiss = 0.05,
    threshold: Threshold = None,
    split: SplitOption = Split.all,
    json: common.Json = False,
) -> None:
    """Measure the router on labelled prompts: accuracy, precision/recall, miss rate, reliability.

    The create→reshape miss rate is the share of create prompts the router would send to the local model;
    --max-miss finds the highest threshold that keeps it under the target.

    Bad lines (not a JSON object with a string "prompt" and a reshape/create "label") are reported on stderr
    with their line number and skipped; the figures cover the rest, and the exit code is then 2.

    Examples:

        slmr eval tests/data/router_labelled.jsonl

        slmr eval --split held-out --json tests/data/router_labelled.jsonl | jq .accuracy
    """
    settings = common.settings()
    console = common.console()
    lines = _open(file)
    p_creates: list[float] = []
    labels: list[str] = []
    bad = total = 0
    for line in jsonlines.read(lines, required=("prompt", "label")):
        total += 1
        value = line.value
        error = line.error
        if value is not None and value["label"] not in evaluation.LABELS:
            error = f"label must be reshape or create, not {value['label']!r}"
        if error is not None or value is None:
            bad += 1
            console.error(f"{file}: line {line.number}: {error}; skipped")
            continue
        if split is not Split.all and evaluation.held_out(value["prompt"]) != (split is Split.held_out):
            continue
        content = value.get("content")
        decision = router.decide(
            value["prompt"],
            content if isinstance(content, str) else "",
            threshold=threshold if threshold is not None else settings.router.threshold,
            context_tokens=settings.router.context_tokens,
        )
        p_creates.append(decision.p_create)
        labels.append(value["label"])
        used_threshold = decision.threshold
    if not labels:
        raise InputError(f"no labelled prompts in {file}", 'each line: {"prompt": "...", "label": "reshape"}')
    report = evaluation.evaluate(p_creates, labels, used_threshold, max_miss)
    if json:
        console.write(jsonlib.dumps(report.as_dict()) + "\n")
    else:
        _render(report, console)
    if bad:
        raise InputError(f"{bad} of {total} lines were skipped (reported above)", "the figures cover the others")


def _open(file: Path) -> list[bytes]:
    if str(file) == "-":
        return sys.stdin.buffer.readlines() if hasattr(sys.stdin, "buffer") else sys.stdin.readlines()
    try:
        return file.read_bytes().splitlines()
    except FileNotFoundError:
        raise InputError(f"no such file: {file}") from None
    except IsADirectoryError:
        raise InputError(f"{file} is a directory", "name a .jsonl file") from None
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from None


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _render(report: evaluation.Report, console: Console) -> None:
    from rich.table import Table

    def table(*columns: str) -> Table:
        t = Table(show_edge=False, pad_edge=False)
        for i, column in enumerate(columns):
            t.add_column(column, justify="left" if i == 0 else "right")
        return t

    summary = table("figure", "value")
    summary.add_row("prompts", str(report.count))
    summary.add_row("threshold", f"{report.threshold:.3f}")
    summary.add_row("accuracy", _pct(report.accuracy))
    summary.add_row("create→reshape miss rate", _pct(report.miss_rate))
    summary.add_row("reshape→create overspend rate", _pct(report.overspend_rate))
    summary.add_row("share routed to the local model", _pct(report.local_share))
    per_label = table("label", "prompts", "precision", "recall")
    for label, stats in report.labels.items():
        per_label.add_row(label, str(stats.count), _pct(stats.precision), _pct(stats.recall))
    reliability = table("confidence", "prompts", "mean confidence", "accuracy", "honest")
    for bucket in report.reliability:
        if bucket.count:
            honest = {None: f"(<{evaluation.RELIABILITY_MIN_COUNT})", True: "yes", False: "NO"}[bucket.honest]
            reliability.add_row(
                f"{bucket.low:.1f}–{bucket.high:.1f}",
                str(bucket.count),
                _pct(bucket.mean_confidence),
                _pct(bucket.accuracy),
                honest,
            )
    out = console.out
    for t in (summary, per_label, reliability):
        out.print(t, markup=False, highlight=False)
        out.print()
    choice = report.for_max_miss
    if choice is not None:
        out.print(
            f"threshold for a miss rate ≤ {choice.max_miss:g}: {choice.threshold:.3f} "
            f"(miss rate {choice.miss_rate:.3f}, accuracy {choice.accuracy:.3f}, local share {choice.local_share:.3f})",
            markup=False,
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)


__all__ = ["register"]
