"""The ledger's cascade columns: an older ledger upgrades in place; corrections for the router."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from slmr import ledger as ledger_mod
from slmr.ledger import CallRecord, Ledger


def v1_ledger(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    ledger_mod._m001_calls(db)
    db.execute("INSERT INTO _migrations VALUES ('0001_calls', '2026-11-01T00:00:00Z')")
    db.execute(
        "INSERT INTO calls (ts_utc, command, task, route, decided_by, backend, model, status) "
        "VALUES ('2026-11-01T10:00:00.000000Z', 'rewrite', 'rewrite', 'reshape', 'task', 'ollama', 'm', 'ok')"
    )
    db.commit()
    db.close()


def test_a_v1_ledger_upgrades_in_place_and_old_rows_count_as_final(tmp_path: Path):
    path = tmp_path / "ledger.db"
    v1_ledger(path)
    with Ledger(path) as ledger:
        assert ledger.schema_version() == len(ledger_mod.MIGRATIONS)
        [old] = ledger.recent()
        assert (old["final"], old["attempt"], old["checks"]) == (1, None, None)
        new = ledger.record(
            CallRecord("rewrite", "rewrite", "reshape", "task", "ollama", "m", "error", attempt="first")
        )
        retry = ledger.record(
            CallRecord("rewrite", "rewrite", "reshape", "task", "ollama", "m", "ok", parent_id=new, attempt="retry")
        )
        ledger.supersede(new)
        assert [(r["id"], r["final"]) for r in ledger.chain(retry)] == [(new, 0), (retry, 1)]


def test_corrections_are_plain_rows_for_the_router(tmp_path: Path):
    with Ledger(tmp_path / "ledger.db") as ledger:
        ledger.add_correction(
            call_id=1,
            redo_id=2,
            task="ask",
            decided_by="router",
            from_route="reshape",
            label="create",
            prompt_sha256="ab" * 32,
            instruction="design a cache",
            content="",
        )
        [row] = ledger.corrections()
        assert (row["label"], row["from_route"], row["decided_by"], row["instruction"]) == (
            "create",
            "reshape",
            "router",
            "design a cache",
        )
        assert ledger.corrections(since_utc="2999-01-01T00:00:00Z") == []
