"""The ledger survives: old files upgrade in place, many writers lose nothing, a broken file never
stops the user's work, and the file is private."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from slmr import reports
from slmr.ledger import MIGRATIONS, CallRecord, Ledger, fallback_path, record_safely
from tests.records import local_rewrite

V1 = Path(__file__).parent / "data" / "ledger_v1.db"
ALL = reports.period("all")


def _raw(path: Path, sql: str) -> list[tuple]:
    db = sqlite3.connect(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def test_a_v1_ledger_upgrades_in_place_without_losing_rows(tmp_path: Path):
    path = tmp_path / "ledger.db"
    shutil.copy(V1, path)
    before = _raw(path, "SELECT * FROM calls ORDER BY id")
    assert _raw(path, "SELECT name FROM _migrations") == [("0001_calls",)]

    with Ledger(path) as ledger:
        assert ledger.schema_version() == len(MIGRATIONS)
        report = reports.build(ledger, ALL)
        new_id = ledger.record(
            CallRecord(
                command="ask",
                task="ask",
                route="reshape",
                decided_by="router",
                backend="ollama",
                model="llama3.2:3b",
                status="ok",
                input_tokens=5,
                output_tokens=5,
                cache_read_tokens=0,
            )
        )

    after = _raw(path, "SELECT * FROM calls ORDER BY id")
    assert [row[: len(before[0])] for row in after[:-1]] == before  # every old row, every old column, unchanged
    assert new_id == 7
    # the rollup built from the old rows agrees with the rows: 6 calls, $0.044 known, one unpriced model,
    # the escalated local attempt (id 5) keeps its cost and gives up its baseline
    t = report.totals
    assert (t.calls, t.local_calls, t.unpriced_calls, t.escalated_calls, t.estimated_calls) == (6, 3, 1, 1, 1)
    assert t.cost_usd == pytest.approx(0.044)
    assert t.baseline_cost_usd == pytest.approx(0.0175 + 0.035 + 0.0025 + 0.009)
    assert report.unpriced_models == {"claude-unknown-9": 1}
    names = [r[0] for r in _raw(path, "SELECT name FROM _migrations ORDER BY name")]
    assert names == [name for name, _ in MIGRATIONS]


def test_opening_twice_applies_nothing_twice(tmp_path: Path):
    path = tmp_path / "ledger.db"
    shutil.copy(V1, path)
    Ledger(path).close()
    with Ledger(path) as ledger:
        assert ledger.schema_version() == len(MIGRATIONS)
        assert reports.build(ledger, ALL).totals.calls == 6


def test_a_failing_migration_leaves_the_ledger_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from slmr import ledger as ledger_module

    path = tmp_path / "ledger.db"
    shutil.copy(V1, path)

    def broken(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE calls ADD COLUMN half_done INTEGER")
        raise sqlite3.OperationalError("disk on fire")

    monkeypatch.setattr(ledger_module, "MIGRATIONS", [*MIGRATIONS, ("0099_broken", broken)])
    with pytest.raises(sqlite3.OperationalError):
        Ledger(path)
    columns = [r[1] for r in _raw(path, "PRAGMA table_info(calls)")]
    assert "half_done" not in columns and "cache_read_tokens" in columns  # 0002 committed, 0099 rolled back
    assert len(_raw(path, "SELECT * FROM calls")) == 6


def test_ledger_file_is_owner_only(tmp_path: Path):
    home = tmp_path / "fresh" / "slmr"
    path = home / "ledger.db"
    with Ledger(path) as ledger:
        ledger.record(
            CallRecord(
                command="c", task="t", route="reshape", decided_by="task", backend="ollama", model="m", status="ok"
            )
        )
    assert oct(home.stat().st_mode & 0o777) == "0o700"
    for name in os.listdir(home):  # ledger.db, and its -wal/-shm files
        assert oct((home / name).stat().st_mode & 0o077) == "0o0", name


# --- many writers ----------------------------------------------------------------------------------

WRITERS, RECORDS = 16, 500


def _writer(path: str, worker: int, errors) -> None:
    try:
        for i in range(RECORDS):
            saved = record_safely(
                Path(path),
                local_rewrite(input_tokens=worker, output_tokens=i, baseline_cost_usd=0.001, latency_ms=float(i)),
            )
            if saved.problem:
                errors.put(f"{worker}/{i}: {saved.problem}")
    except BaseException as exc:  # any exception is a failure of the test, reported by the parent
        errors.put(f"{worker}: {type(exc).__name__}: {exc}")


def test_sixteen_processes_recording_at_once_lose_nothing(tmp_path: Path):
    path = tmp_path / "ledger.db"
    Ledger(path).close()  # created and migrated, as the first slmr run would
    context = multiprocessing.get_context("spawn")
    errors = context.Queue()
    workers = [context.Process(target=_writer, args=(str(path), w, errors)) for w in range(WRITERS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=240)
    problems = []
    while not errors.empty():
        problems.append(errors.get())
    assert problems == []
    assert [w.exitcode for w in workers] == [0] * WRITERS
    assert not fallback_path(path).exists()
    assert _raw(path, "SELECT count(*), count(DISTINCT input_tokens || '/' || output_tokens) FROM calls") == [
        (WRITERS * RECORDS, WRITERS * RECORDS)
    ]
    with Ledger(path) as ledger:
        totals = reports.build(ledger, ALL).totals
    assert totals.calls == WRITERS * RECORDS
    assert totals.baseline_cost_usd == pytest.approx(WRITERS * RECORDS * 0.001)


# --- a broken ledger -------------------------------------------------------------------------------


def test_corrupt_ledger_answer_still_produced_then_merged_back(cli, fake_ollama, isolated_home, ledger_rows):
    isolated_home.mkdir(parents=True, exist_ok=True)
    ledger = isolated_home / "ledger.db"
    ledger.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    fake_ollama.reply("Clean text.")

    result = cli("rewrite", input="clean this\n")
    assert result.exit_code == 0
    assert result.stdout == "Clean text.\n"
    [warning] = result.stderr.splitlines()  # one line, saying what is wrong and where the call went
    assert warning.startswith("slmr: warning: ledger ") and "ledger.db.fallback.jsonl" in warning
    fallback = fallback_path(ledger)
    assert oct(fallback.stat().st_mode & 0o777) == "0o600"
    [line] = fallback.read_text().splitlines()
    assert json.loads(line)["backend"] == "ollama"

    ledger.unlink()  # the user moves the broken file away; the next run is healthy
    fake_ollama.reply("Second.")
    result = cli("rewrite", input="again\n")
    assert (result.exit_code, result.stderr) == (0, "")
    rows = ledger_rows()
    assert [r["status"] for r in rows] == ["ok", "ok"] and len({r["ts_utc"] for r in rows}) == 2
    assert not fallback.exists()


def test_unopenable_ledger_path_falls_back_too(tmp_path: Path):
    path = tmp_path / "ledger.db"
    path.mkdir()  # a directory where the file should be: SQLite cannot open it (even as root)
    call = CallRecord(
        command="c", task="t", route="reshape", decided_by="task", backend="ollama", model="m", status="ok"
    )
    saved = record_safely(path, call)
    assert saved.call_id is None and saved.fallback == fallback_path(path) and saved.problem
    path.rmdir()
    saved = record_safely(path, call)
    assert saved.merged == 1 and saved.call_id == 2


def test_a_torn_fallback_line_is_kept_aside_not_lost(tmp_path: Path):
    path = tmp_path / "ledger.db"
    fallback = fallback_path(path)
    fallback.write_text('{"command": "c", "task"\n')
    call = CallRecord(
        command="c", task="t", route="reshape", decided_by="task", backend="ollama", model="m", status="ok"
    )
    assert record_safely(path, call).merged == 0
    assert fallback.with_name(fallback.name + ".rejected").read_text() == '{"command": "c", "task"\n'
    assert not fallback.exists()


def test_lines_left_by_a_crashed_merge_are_taken_over(tmp_path: Path):
    path = tmp_path / "ledger.db"
    fallback = fallback_path(path)
    call = CallRecord(
        command="c", task="t", route="reshape", decided_by="task", backend="ollama", model="m", status="ok"
    )
    line = json.dumps(dataclasses.asdict(call))
    dead = multiprocessing.get_context("spawn").Process(target=int)
    dead.start()
    dead.join()
    fallback.with_name(f"{fallback.name}.merging-{dead.pid}").write_text(line + "\n")
    fallback.with_name(f"{fallback.name}.merging-{os.getppid()}").write_text(line + "\n")  # alive: left alone
    saved = record_safely(path, call)
    assert (saved.merged, saved.call_id) == (1, 2)
    assert sorted(p.name for p in tmp_path.iterdir() if "merging" in p.name) == [
        f"{fallback.name}.merging-{os.getppid()}"
    ]


@pytest.mark.parametrize("command", [["spend"], ["log"]])
def test_reports_on_a_corrupt_ledger_fail_in_one_line(cli, isolated_home, command):
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "ledger.db").write_bytes(b"garbage" * 1000)
    result = cli(*command)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("slmr: error: cannot read the ledger ") and "move it aside" in line
