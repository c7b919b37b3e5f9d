"""The ledger: every call slmr makes, in SQLite. All SQL lives here.

WAL mode and a busy timeout let several slmr processes (a pipe, the git hook, a report) write at
once. The schema moves forward through named migrations, each applied in one transaction together
with the row that records it, so a ledger is never half-upgraded.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_MS = 10_000


@dataclass
class CallRecord:
    """One row of ``calls``. Money is None when a price is unknown: never a silent 0."""

    command: str
    task: str
    route: str  # "reshape" | "create"
    decided_by: str  # "router" | "flag" | "task" | "judge" | "policy"
    backend: str
    model: str
    status: str  # "ok" | "error" | "interrupted"
    ts_utc: str = field(default_factory=lambda: utc_now())
    confidence: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    tokens_estimated: bool = False
    cost_usd: float | None = None
    baseline_model: str | None = None
    baseline_cost_usd: float | None = None
    latency_ms: float | None = None
    ttft_ms: float | None = None
    error_kind: str | None = None
    parent_id: int | None = None
    prompt_sha256: str | None = None
    project: str | None = None
    #: False once a later attempt (a retry, an escalation) superseded this one, or for a chunk's part call
    final: bool = True
    #: why this call was made: first, retry, escalation, fallback, redo, map, reduce, section
    attempt: str | None = None
    #: the names of the output checks this call's answer failed, comma-separated
    checks: str | None = None


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def prompt_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# --- migrations: append only, never edit one that has shipped ----------------------------------


def _m001_calls(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            ts_utc TEXT NOT NULL,
            command TEXT NOT NULL,
            task TEXT NOT NULL,
            route TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            confidence REAL,
            backend TEXT NOT NULL,
            model TEXT NOT NULL,
            input_tokens INTEGER,
            output_tokens INTEGER,
            tokens_estimated INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL,
            baseline_model TEXT,
            baseline_cost_usd REAL,
            latency_ms REAL,
            ttft_ms REAL,
            status TEXT NOT NULL,
            error_kind TEXT,
            parent_id INTEGER REFERENCES calls(id),
            prompt_sha256 TEXT,
            project TEXT
        )
        """
    )
    db.execute("CREATE INDEX calls_ts ON calls(ts_utc)")


def _m002_cascade(db: sqlite3.Connection) -> None:
    # rows written before this migration were single attempts, hence final
    db.execute("ALTER TABLE calls ADD COLUMN final INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE calls ADD COLUMN attempt TEXT")
    db.execute("ALTER TABLE calls ADD COLUMN checks TEXT")
    db.execute("CREATE INDEX calls_parent ON calls(parent_id)")
    # a routing correction: the user re-ran call_id on the other route (slmr redo); label is that route.
    # instruction/content hold text only when ledger.store_text is on
    db.execute(
        """
        CREATE TABLE corrections (
            id INTEGER PRIMARY KEY,
            ts_utc TEXT NOT NULL,
            call_id INTEGER REFERENCES calls(id),
            redo_id INTEGER REFERENCES calls(id),
            task TEXT NOT NULL,
            decided_by TEXT,
            from_route TEXT NOT NULL,
            label TEXT NOT NULL,
            prompt_sha256 TEXT,
            instruction TEXT,
            content TEXT
        )
        """
    )


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("0001_calls", _m001_calls),
    ("0002_cascade", _m002_cascade),
]

SCHEMA_VERSION = len(MIGRATIONS)


def _connect(path: Path) -> sqlite3.Connection:
    new = not path.exists()
    if new:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # create the file owner-only before SQLite opens it
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations this ledger lacks; returns their names."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            # another process may have applied it while we waited for the lock
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone():
                db.execute("COMMIT")
                continue
            step(db)
            db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, utc_now()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


class Ledger:
    """A connection to the ledger file, migrated on open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = _connect(path)
        migrate(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        return self.db.execute("SELECT count(*) FROM _migrations").fetchone()[0]

    def record(self, call: CallRecord) -> int:
        row = asdict(call)
        row["tokens_estimated"] = int(bool(row["tokens_estimated"]))
        row["final"] = int(bool(row["final"]))
        columns = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        cur = self.db.execute(f"INSERT INTO calls ({columns}) VALUES ({marks})", row)
        return int(cur.lastrowid or 0)

    def calls(
        self,
        since_utc: str | None = None,
        until_utc: str | None = None,
        columns: Sequence[str] | None = None,
    ) -> list[sqlite3.Row]:
        """Rows in a half-open UTC interval [since, until), oldest first."""
        cols = ", ".join(columns) if columns else "*"
        where, params = _period(since_utc, until_utc)
        return self.db.execute(f"SELECT {cols} FROM calls {where} ORDER BY ts_utc, id", params).fetchall()

    def recent(self, limit: int = 20) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM calls ORDER BY id DESC LIMIT ?", (limit,)).fetchall()

    def get(self, call_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM calls WHERE id = ?", (call_id,)).fetchone()

    def supersede(self, call_id: int) -> None:
        """Mark a call as not final: a retry or an escalation followed it."""
        self.db.execute("UPDATE calls SET final = 0 WHERE id = ?", (call_id,))

    def chain(self, call_id: int) -> list[sqlite3.Row]:
        """A call and its ancestors through parent_id, oldest first (the attempts behind an answer)."""
        rows = self.db.execute(
            """
            WITH RECURSIVE up(id, depth) AS (
                SELECT id, 0 FROM calls WHERE id = ?
                UNION ALL
                SELECT calls.parent_id, up.depth + 1 FROM calls JOIN up ON calls.id = up.id
                WHERE calls.parent_id IS NOT NULL AND up.depth < 10000
            )
            SELECT calls.* FROM up JOIN calls ON calls.id = up.id ORDER BY up.depth DESC
            """,
            (call_id,),
        ).fetchall()
        return rows

    def add_correction(
        self,
        *,
        call_id: int | None,
        redo_id: int | None,
        task: str,
        decided_by: str | None,
        from_route: str,
        label: str,
        prompt_sha256: str | None,
        instruction: str | None = None,
        content: str | None = None,
    ) -> int:
        cur = self.db.execute(
            "INSERT INTO corrections (ts_utc, call_id, redo_id, task, decided_by, from_route, label, "
            "prompt_sha256, instruction, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (utc_now(), call_id, redo_id, task, decided_by, from_route, label, prompt_sha256, instruction, content),
        )
        return int(cur.lastrowid or 0)

    def corrections(self, since_utc: str | None = None, until_utc: str | None = None) -> list[sqlite3.Row]:
        """Routing corrections recorded by ``slmr redo``, oldest first: labelled data for the router.

        Each row: id, ts_utc, call_id, redo_id, task, decided_by (who chose the first route: router,
        task or flag), from_route, label ("reshape" | "create": the route the user re-ran it on),
        prompt_sha256, and instruction / content (NULL unless ledger.store_text was on).
        """
        where, params = _period(since_utc, until_utc)
        return self.db.execute(f"SELECT * FROM corrections {where} ORDER BY ts_utc, id", params).fetchall()


def _period(since_utc: str | None, until_utc: str | None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if since_utc:
        clauses.append("ts_utc >= ?")
        params.append(since_utc)
    if until_utc:
        clauses.append("ts_utc < ?")
        params.append(until_utc)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


@contextlib.contextmanager
def open_ledger(path: Path) -> Iterator[Ledger]:
    ledger = Ledger(path)
    try:
        yield ledger
    finally:
        ledger.close()
