"""slmr route (--json, --explain, --batch) and slmr eval, in-process and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "router_labelled.jsonl"


# --- route ---------------------------------------------------------------------------------------


def test_route_json_has_the_decision_and_the_unsure_flag(cli):
    result = cli("route", "--json", "design a schema for a multi-tenant audit log")
    assert result.exit_code == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["route"] == "create"
    assert set(decision) >= {"route", "confidence", "p_create", "reasons", "unsure"}
    assert decision["unsure"] is False
    assert result.stderr == ""


def test_route_json_names_the_policy_in_the_unsure_band(cli, monkeypatch):
    monkeypatch.setenv("SLMR_ROUTER_UNSURE_MARGIN", "1.0")  # everything is unsure
    decision = json.loads(cli("route", "--json", "summarize this", input="notes\n").stdout)
    assert decision["unsure"] is True and decision["unsure_policy"] == "cloud"


def test_route_explain_prints_a_table_of_contributions(cli):
    result = cli("route", "--explain", "design a schema for a multi-tenant audit log")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for word in ("feature", "weight", "create_verb", "(bias)", "P(create) ="):
        assert word in out
    assert out.rstrip().splitlines()[-1].startswith("P(create) = ")
    assert "→ create" in out


def test_route_batch_passes_other_keys_through_and_skips_empty_lines(cli):
    lines = [
        {"id": 1, "prompt": "fix typos: teh quick brwon fox", "user": "ana"},
        {"id": 2, "prompt": "write a commit message for this", "content": "diff --git a/x b/x\n-a = 1\n+a = 2\n"},
        {"id": 3, "prompt": "design a distributed rate limiter and explain the trade-offs"},
    ]
    data = "\n".join(json.dumps(x) for x in lines[:2]) + "\n\n   \n" + json.dumps(lines[2]) + "\n"
    result = cli("route", "--batch", input=data)
    assert result.exit_code == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, 2, 3]
    assert [o["route"] for o in out] == ["reshape", "reshape", "create"]
    assert out[0]["user"] == "ana"
    assert all("prompt" not in o and "content" not in o for o in out)
    assert result.stderr == ""


def test_route_batch_reports_a_bad_line_with_its_number_and_routes_the_rest(cli):
    data = (
        '{"prompt": "summarize these notes", "id": "a"}\n'
        "{not json\n"
        "\n"
        '["a list"]\n'
        '{"id": "no prompt"}\n'
        '{"prompt": "design a schema for invoices", "id": "b"}\n'
    )
    result = cli("route", "--batch", input=data)
    assert result.exit_code == 2
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a", "b"]
    err = result.stderr
    assert "line 2: invalid JSON" in err
    assert "line 4: expected a JSON object" in err
    assert "line 5: no string 'prompt' key" in err
    assert "3 of 5 lines could not be routed" in err
    assert "Traceback" not in err


def test_route_batch_reports_bad_utf8_and_continues(cli):
    data = b'{"prompt": "tl;dr pls"}\n{"prompt": "\xff\xfe"}\n{"prompt": "what is a monad"}\n'
    result = cli("route", "--batch", input=data)
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 2
    assert "line 2: not valid UTF-8" in result.stderr


def test_route_batch_refuses_a_prompt_argument(cli):
    result = cli("route", "--batch", "summarize", input="")
    assert result.exit_code == 2
    assert "--batch reads every prompt from stdin" in result.stderr


def test_route_batch_needs_piped_input(cli):
    result = cli("route", "--batch")
    assert result.exit_code == 2
    assert "pipe them in" in result.stderr


# --- eval ----------------------------------------------------------------------------------------


def _write(tmp_path: Path, rows: list[object], extra: str = "") -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n" + extra, encoding="utf-8")
    return path


ROWS = [
    {"prompt": "fix typos: recieve the pakage tomorow", "label": "reshape"},
    {"prompt": "summarize these notes", "label": "reshape", "content": "Ana fixes login. Raj updates docs."},
    {"prompt": "design a schema for a multi-tenant audit log", "label": "create"},
    {"prompt": "why does my binary search loop forever?", "label": "create"},
]


def test_eval_json_has_every_figure(cli, tmp_path):
    result = cli("eval", "--json", str(_write(tmp_path, ROWS)))
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["count"] == 4
    assert report["accuracy"] == 1.0 and report["miss_rate"] == 0.0
    assert set(report["labels"]) == {"reshape", "create"}
    assert {"precision", "recall", "count"} <= set(report["labels"]["create"])
    assert report["for_max_miss"]["max_miss"] == 0.05
    assert sum(b["count"] for b in report["reliability"]) == 4


def test_eval_prints_tables_for_people(cli, tmp_path):
    result = cli("eval", "--max-miss", "0.1", str(_write(tmp_path, ROWS)))
    assert result.exit_code == 0, result.stderr
    for words in ("accuracy", "create→reshape miss rate", "precision", "recall", "mean confidence"):
        assert words in result.stdout
    assert "threshold for a miss rate ≤ 0.1:" in result.stdout


def test_eval_reports_bad_lines_with_numbers_and_measures_the_rest(cli, tmp_path):
    path = _write(tmp_path, ROWS[:2], extra='oops\n\n{"prompt": "x", "label": "maybe"}\n' + json.dumps(ROWS[2]) + "\n")
    result = cli("eval", "--json", str(path))
    assert result.exit_code == 2
    assert json.loads(result.stdout)["count"] == 3
    assert "line 3: invalid JSON" in result.stderr
    assert "line 5: label must be reshape or create" in result.stderr
    assert "2 of 5 lines were skipped" in result.stderr


def test_eval_threshold_option_changes_the_decisions(cli, tmp_path):
    path = _write(tmp_path, ROWS)
    everything_create = json.loads(cli("eval", "--json", "--threshold", "0", str(path)).stdout)
    assert everything_create["threshold"] == 0 and everything_create["local_share"] == 0.0


def test_eval_a_split_of_the_labelled_set(cli):
    held = json.loads(cli("eval", "--json", "--split", "held-out", str(DATA)).stdout)
    train = json.loads(cli("eval", "--json", "--split", "train", str(DATA)).stdout)
    total = sum(1 for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip())
    assert held["count"] + train["count"] == total
    model = json.loads((Path(__file__).parents[1] / "slmr" / "data" / "router.json").read_text(encoding="utf-8"))
    assert held["accuracy"] == model["fit"]["held_out_figures"]["accuracy"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "missing.jsonl"], "no such file"),
        (["eval", "."], "is a directory"),
    ],
)
def test_eval_bad_files(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2 and message in result.stderr


def test_eval_of_a_file_without_labelled_prompts(cli, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n", encoding="utf-8")
    result = cli("eval", str(path))
    assert result.exit_code == 2 and "no labelled prompts" in result.stderr


# --- as a real process ---------------------------------------------------------------------------


def _run(args: list[str], env: dict[str, str], stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "slmr", *args], input=stdin, capture_output=True, env=env, timeout=120)


def test_batch_as_a_process(slmr_env):
    data = b'{"prompt": "tl;dr pls", "n": 1}\nnot json\n{"prompt": "what is a monad", "n": 2}\n'
    done = _run(["route", "--batch"], slmr_env, data)
    assert done.returncode == 2
    assert [json.loads(x)["n"] for x in done.stdout.decode().splitlines()] == [1, 2]
    assert b"line 2: invalid JSON" in done.stderr


def test_eval_as_a_process(slmr_env, tmp_path):
    done = _run(["eval", "--json", str(_write(tmp_path, ROWS))], slmr_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["count"] == 4


@pytest.mark.parametrize("args", [["route", "--batch"], ["route", "--explain", "design x"], ["eval", "-"]])
def test_router_commands_do_not_import_the_sdks(slmr_env, args):
    probe = (
        "import io, sys, runpy\n"
        'sys.stdin = io.TextIOWrapper(io.BytesIO(b\'{"prompt": "summarize", "label": "reshape"}\\n\'))\n'
        f"sys.argv = ['slmr', *{args!r}]\n"
        "try:\n"
        "    runpy.run_module('slmr', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = [m for m in ('anthropic', 'openai', 'ollama') if m in sys.modules]\n"
        "sys.stderr.write('LOADED=' + ','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, env=slmr_env, timeout=60)
    assert done.stderr.decode().strip().endswith("LOADED="), done.stderr.decode()
