"""The ledger: every call slmr makes, in SQLite. All SQL lives here.

WAL mode and a busy timeout let several slmr processes (a pipe, the git hook, a report) write at
once. The schema moves forward through named migrations, each applied in one transaction together
with the row that records it, so a ledger is never half-upgraded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
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
    #: prompt-cache tokens, counted apart from input_tokens (see slmr.backends.base.Usage)
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None


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


#: the quarter-hour (UTC) a call falls in. Every time zone in use is a whole number of quarter hours
#: from UTC, so a local midnight is always a bucket boundary and rollups answer local periods exactly.
_BUCKET = "substr({t}.ts_utc, 1, 14) || printf('%02d', (CAST(substr({t}.ts_utc, 15, 2) AS INTEGER) / 15) * 15)"

#: a row's contribution to the rollup: (column, expression over the new row ``n``)
_ROLLUP_SUMS: tuple[tuple[str, str], ...] = (
    ("calls", "1"),
    ("input_tokens", "coalesce(n.input_tokens, 0)"),
    ("output_tokens", "coalesce(n.output_tokens, 0)"),
    ("cache_read_tokens", "coalesce(n.cache_read_tokens, 0)"),
    ("cache_write_tokens", "coalesce(n.cache_write_tokens, 0)"),
    ("estimated_calls", "n.tokens_estimated != 0"),
    ("error_calls", "n.status != 'ok'"),
    ("cost_usd", "coalesce(n.cost_usd, 0.0)"),
    # a call with tokens but no price: counted, never added as $0
    ("unpriced_calls", "n.cost_usd IS NULL AND (n.input_tokens IS NOT NULL OR n.output_tokens IS NOT NULL)"),
    # savings compare only calls whose actual and baseline costs are both known
    (
        "cmp_cost_usd",
        "CASE WHEN n.cost_usd IS NOT NULL AND n.baseline_cost_usd IS NOT NULL THEN n.cost_usd ELSE 0.0 END",
    ),
    (
        "cmp_baseline_usd",
        "CASE WHEN n.cost_usd IS NOT NULL AND n.baseline_cost_usd IS NOT NULL THEN n.baseline_cost_usd ELSE 0.0 END",
    ),
    (
        "unbaselined_calls",
        "n.baseline_cost_usd IS NULL AND (n.input_tokens IS NOT NULL OR n.output_tokens IS NOT NULL)",
    ),
    ("escalated_calls", "0"),
    ("latency_n", "n.latency_ms IS NOT NULL"),
)
ROLLUP_KEYS = ("bucket", "backend", "model", "task", "route", "project", "baseline_model")


def _rollup_key_values(t: str) -> str:
    return ", ".join(
        (
            _BUCKET.format(t=t),
            f"{t}.backend",
            f"{t}.model",
            f"{t}.task",
            f"{t}.route",
            f"coalesce({t}.project, '')",
            f"coalesce({t}.baseline_model, '')",
        )
    )


def _m002_cache_tokens_and_rollup(db: sqlite3.Connection) -> None:
    """Prompt-cache token columns, and a rollup that keeps `slmr spend` fast on millions of calls.

    The rollup holds sums per quarter hour and per (backend, model, task, route, project, baseline
    model); triggers keep it in step with every insert, whoever makes it, so it cannot drift.
    """
    db.execute("ALTER TABLE calls ADD COLUMN cache_read_tokens INTEGER")
    db.execute("ALTER TABLE calls ADD COLUMN cache_write_tokens INTEGER")
    db.execute("CREATE INDEX calls_parent ON calls(parent_id) WHERE parent_id IS NOT NULL")
    # percentiles walk this index in latency order instead of sorting the table
    db.execute("CREATE INDEX calls_latency ON calls(backend, latency_ms, ts_utc) WHERE latency_ms IS NOT NULL")
    sums = ",\n".join(
        f"{name} {'REAL NOT NULL DEFAULT 0.0' if name.endswith('usd') else 'INTEGER NOT NULL DEFAULT 0'}"
        for name, _ in _ROLLUP_SUMS
    )
    db.execute(
        f"""
        CREATE TABLE rollup (
            bucket TEXT NOT NULL,
            backend TEXT NOT NULL,
            model TEXT NOT NULL,
            task TEXT NOT NULL,
            route TEXT NOT NULL,
            project TEXT NOT NULL,
            baseline_model TEXT NOT NULL,
            {sums},
            PRIMARY KEY ({", ".join(ROLLUP_KEYS)})
        ) WITHOUT ROWID
        """
    )
    columns = ", ".join((*ROLLUP_KEYS, *(name for name, _ in _ROLLUP_SUMS)))
    db.execute(
        f"""
        INSERT INTO rollup ({columns})
        SELECT {_rollup_key_values("n")}, {", ".join(f"sum({expr})" for _, expr in _ROLLUP_SUMS)}
        FROM calls AS n GROUP BY {", ".join(str(i + 1) for i in range(len(ROLLUP_KEYS)))}
        """
    )
    updates = ", ".join(f"{name} = {name} + excluded.{name}" for name, _ in _ROLLUP_SUMS)
    values = re.sub(r"\bn\.", "NEW.", ", ".join(expr for _, expr in _ROLLUP_SUMS))
    db.execute(
        f"""
        CREATE TRIGGER calls_rollup AFTER INSERT ON calls BEGIN
            INSERT INTO rollup ({columns})
            VALUES ({_rollup_key_values("NEW")}, {values})
            ON CONFLICT ({", ".join(ROLLUP_KEYS)}) DO UPDATE SET {updates};
        END
        """
    )
    db.execute(
        f"""
        CREATE TRIGGER calls_escalated AFTER INSERT ON calls
        WHEN NEW.parent_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM calls AS c WHERE c.parent_id = NEW.parent_id AND c.id != NEW.id)
        BEGIN
            {_escalate_sql("NEW.parent_id")};
        END
        """
    )
    # the escalations a v1 ledger already holds get the same treatment, once per parent
    parents = db.execute("SELECT DISTINCT parent_id FROM calls WHERE parent_id IS NOT NULL").fetchall()
    for (parent_id,) in parents:
        db.execute(_escalate_sql("?"), (parent_id, parent_id))


def _escalate_sql(parent: str) -> str:
    """An escalated call (local tried, then frontier) counts both costs and saves nothing: the first
    child of a parent takes the parent's baseline out of the comparison and keeps its cost in."""
    return f"""
        UPDATE rollup SET
            escalated_calls = escalated_calls + 1,
            cmp_baseline_usd = cmp_baseline_usd - (
                SELECT CASE WHEN p.cost_usd IS NOT NULL AND p.baseline_cost_usd IS NOT NULL
                       THEN p.baseline_cost_usd ELSE 0.0 END
                FROM calls AS p WHERE p.id = {parent})
        WHERE ({", ".join(ROLLUP_KEYS)}) = (SELECT {_rollup_key_values("p")} FROM calls AS p WHERE p.id = {parent})
    """


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("0001_calls", _m001_calls),
    ("0002_cache_tokens_rollup", _m002_cache_tokens_and_rollup),
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

    # --- report queries: plain rows of sums; the arithmetic is slmr.reports' -------------------

    def rollup(self, since_utc: str | None, until_utc: str | None, by: str) -> list[sqlite3.Row]:
        """Sums per (``by`` key, backend) over the period; ``by`` is a rollup key column."""
        if by not in ROLLUP_KEYS:
            raise ValueError(f"cannot group by {by!r}")
        where, params = _bucket_period(since_utc, until_utc)
        sums = ", ".join(f"sum({name}) AS {name}" for name, _ in _ROLLUP_SUMS)
        sql = f"SELECT {by} AS key, backend, {sums} FROM rollup {where} GROUP BY {by}, backend ORDER BY {by}, backend"
        return self.db.execute(sql, params).fetchall()

    def unpriced(self, since_utc: str | None, until_utc: str | None) -> list[sqlite3.Row]:
        """Models whose calls carry tokens but no cost (``kind`` "model") or no baseline cost ("baseline")."""
        where, params = _bucket_period(since_utc, until_utc)
        sql = f"""
            SELECT 'model' AS kind, model AS name, sum(unpriced_calls) AS calls FROM rollup {where}
            GROUP BY model HAVING sum(unpriced_calls) > 0
            UNION ALL
            SELECT 'baseline', baseline_model, sum(unbaselined_calls) FROM rollup {where}
            GROUP BY baseline_model HAVING sum(unbaselined_calls) > 0
            ORDER BY 1, 3 DESC, 2
        """
        return self.db.execute(sql, params * 2).fetchall()

    def latency_quantiles(
        self, backend: str, count: int, quantiles: Sequence[float], since_utc: str | None, until_utc: str | None
    ) -> list[float | None]:
        """Nearest-rank quantiles of ``latency_ms`` for one backend over ``count`` timed calls.

        Walks the (backend, latency) index from whichever end is nearer, so the median and the 95th
        percentile of a million calls cost a partial index scan, not a sort.
        """
        clauses, params = ["backend = ?", "latency_ms IS NOT NULL"], [backend]
        if since_utc:
            clauses.append("ts_utc >= ?")
            params.append(since_utc)
        if until_utc:
            clauses.append("ts_utc < ?")
            params.append(until_utc)
        where = " AND ".join(clauses)
        out: list[float | None] = []
        for q in quantiles:
            if count <= 0:
                out.append(None)
                continue
            rank = min(count, max(1, math.ceil(q * count)))  # 1-based, ascending
            ascending = rank - 1 <= count - rank
            offset = rank - 1 if ascending else count - rank
            row = self.db.execute(
                f"SELECT latency_ms FROM calls INDEXED BY calls_latency WHERE {where} "
                f"ORDER BY latency_ms {'ASC' if ascending else 'DESC'} LIMIT 1 OFFSET ?",
                (*params, offset),
            ).fetchone()
            out.append(None if row is None else float(row[0]))
        return out

    def spent(self, since_utc: str | None, until_utc: str | None = None) -> float:
        """Known spend over a period, in USD (for budgets)."""
        where, params = _bucket_period(since_utc, until_utc)
        row = self.db.execute(f"SELECT coalesce(sum(cost_usd), 0.0) FROM rollup {where}", params).fetchone()
        return float(row[0])

    def log(
        self,
        limit: int = 20,
        *,
        model: str | None = None,
        task: str | None = None,
        status: str | None = None,
    ) -> list[sqlite3.Row]:
        """The newest calls first; ``model`` matches a name or its prefix (``claude`` finds every Claude)."""
        clauses: list[str] = []
        params: list[Any] = []
        if model:
            clauses.append("(model = ? OR model LIKE ? ESCAPE '\\')")
            params += [model, _like_prefix(model)]
        if task:
            clauses.append("task = ?")
            params.append(task)
        if status:
            clauses.append("status = ?")
            params.append(status)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self.db.execute(f"SELECT * FROM calls {where} ORDER BY id DESC LIMIT ?", (*params, limit)).fetchall()

    # --- the fallback file ------------------------------------------------------------------------

    def merge_fallback(self, fallback: Path) -> int:
        """Insert the calls a broken ledger sent to ``fallback``; returns how many.

        The file is renamed first, so two processes never merge the same lines twice; the rows go in
        one transaction, so a crash leaves them in the renamed file rather than half in the ledger.
        """
        if not fallback.exists():
            return 0
        claimed = fallback.with_name(f"{fallback.name}.merging-{os.getpid()}")
        try:
            os.replace(fallback, claimed)
        except FileNotFoundError:
            return 0  # another process claimed it
        records = []
        bad = []
        for line in claimed.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                records.append(CallRecord(**json.loads(line)))
            except (ValueError, TypeError):
                bad.append(line)  # a torn line from a crash: kept, never silently dropped
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for record in records:
                self.record(record)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            _append_lines(fallback, claimed.read_text(encoding="utf-8").splitlines())
            claimed.unlink(missing_ok=True)
            raise
        if bad:
            _append_lines(fallback.with_name(fallback.name + ".rejected"), bad)
        claimed.unlink(missing_ok=True)
        return len(records)


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _bucket_of(ts_utc: str) -> str:
    """The rollup bucket of a stored UTC time (the Python twin of ``_BUCKET``)."""
    return f"{ts_utc[:14]}{int(ts_utc[14:16]) // 15 * 15:02d}"


def _bucket_period(since_utc: str | None, until_utc: str | None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if since_utc:
        clauses.append("bucket >= ?")
        params.append(_bucket_of(since_utc))
    if until_utc:
        clauses.append("bucket < ?")
        params.append(_bucket_of(until_utc))
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _period(since_utc: str | None, until_utc: str | None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if since_utc:
        clauses.append("ts_utc >= ?")
        params.append(since_utc)
    if until_utc:
        clauses.append("ts_utc < ?")
        params.append(until_utc)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


# --- recording that never stops the user's work ------------------------------------------------


def fallback_path(ledger: Path) -> Path:
    return ledger.with_name(ledger.name + ".fallback.jsonl")


def _append_lines(path: Path, lines: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # owner-only like the ledger; O_APPEND keeps concurrent writers' lines whole
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write("".join(line + "\n" for line in lines))


@dataclass
class Saved:
    """What became of one call: its ledger id, or where it went instead and why."""

    call_id: int | None = None
    merged: int = 0
    fallback: Path | None = None
    problem: str | None = None


def record_safely(path: Path, call: CallRecord) -> Saved:
    """Record a call; if the ledger is corrupt or unreadable, append it to the fallback file.

    A healthy ledger first takes back what earlier runs left in the fallback file.
    """
    fallback = fallback_path(path)
    try:
        with Ledger(path) as ledger:
            merged = ledger.merge_fallback(fallback)
            return Saved(call_id=ledger.record(call), merged=merged)
    except (sqlite3.Error, OSError) as exc:
        problem = str(exc) or type(exc).__name__
    try:
        _append_lines(fallback, [json.dumps(asdict(call), separators=(",", ":"))])
    except OSError as exc:
        return Saved(problem=f"{problem}; the fallback file {fallback} failed too: {exc.strerror or exc}")
    return Saved(fallback=fallback, problem=problem)


@contextlib.contextmanager
def open_ledger(path: Path) -> Iterator[Ledger]:
    ledger = Ledger(path)
    try:
        yield ledger
    finally:
        ledger.close()
