"""The labelled set is well formed and built from its sources; the fitted weights are reproducible."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "router_labelled.jsonl"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def records() -> list[dict[str, str]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]


def test_the_jsonl_is_what_the_sources_build():
    build = _script("build_labelled")
    assert DATA.read_text(encoding="utf-8") == build.render(build.build())


def test_the_set_is_large_varied_and_labelled(records):
    assert len(records) >= 600
    assert all(set(r) == {"prompt", "label", "reason", "kind"} for r in records)
    assert all(r["reason"].strip() and "\n" not in r["reason"] for r in records)
    labels = Counter(r["label"] for r in records)
    assert set(labels) == {"reshape", "create"} and min(labels.values()) > 0.4 * len(records)
    kinds = Counter(r["kind"] for r in records)
    for kind in ("commit", "docs", "review", "meeting", "ticket", "logs", "trace", "email", "design", "spec"):
        assert kinds[kind] >= 15, kind
    for kind in ("algorithm", "refactor", "sql", "shell", "short", "intl"):
        assert kinds[kind] >= 15, kind
    # every kind has both labels, so the kind alone never decides
    by_kind = Counter((r["kind"], r["label"]) for r in records)
    assert all(by_kind[(k, "reshape")] and by_kind[(k, "create")] for k in kinds)


def test_the_hard_cases_are_there(records):
    short = [r for r in records if len(r["prompt"]) < 40]
    assert sum(r["label"] == "reshape" for r in short) >= 15 and sum(r["label"] == "create" for r in short) >= 15
    # a big paste with a create ask ("given this spec, design the schema"), and with a reshape ask
    big = Counter(r["label"] for r in records if len(r["prompt"]) > 400)
    assert big["create"] >= 20 and big["reshape"] >= 20
    non_english = [r for r in records if r["kind"] == "intl"]
    assert len(non_english) >= 40 and {r["label"] for r in non_english} == {"reshape", "create"}


def test_no_unexplained_near_duplicates_or_contradictions(capsys):
    check = _script("check_labelled")
    sys.argv = ["check_labelled.py", str(DATA)]
    assert check.main() == 0, capsys.readouterr().out


def test_the_committed_router_json_is_what_the_fit_produces():
    fit = _script("fit_router")
    assert fit.OUT.read_text(encoding="utf-8") == fit.render(fit.fit(DATA))


def test_the_fit_metadata_records_the_held_out_figures():
    model = json.loads((ROOT / "slmr" / "data" / "router.json").read_text(encoding="utf-8"))
    figures = model["fit"]["held_out_figures"]
    assert model["fit"]["held_out"] + model["fit"]["train"] == model["fit"]["prompts"]
    assert 0 <= figures["accuracy"] <= 1 and 0 <= figures["miss_rate"] <= 1
