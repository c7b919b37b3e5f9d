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
from datetime import UTC, date, datetime, timedelta
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
    #: prompt-cache tokens, counted apart from input_tokens (see slmr.backends.base.Usage)
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    #: the text sent and received; filled only when ledger.store_text is on (off by default)
    prompt_text: str | None = None
    response_text: str | None = None


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
#: Two rollups, kept by triggers on every insert so they cannot drift from ``calls``:
#: - ``rollup_time``: per quarter hour and backend, for totals and for grouping by local day/week/month;
#: - ``rollup_keys``: per UTC day and (backend, model, task, route, project, baseline model), for grouping by
#:   those keys; a period that starts or ends inside a UTC day adds that part from ``calls`` directly.
ROLLUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "rollup_time": (("bucket", _BUCKET), ("backend", "{t}.backend")),
    "rollup_keys": (
        ("day", "substr({t}.ts_utc, 1, 10)"),
        ("backend", "{t}.backend"),
        ("model", "{t}.model"),
        ("task", "{t}.task"),
        ("route", "{t}.route"),
        ("project", "coalesce({t}.project, '')"),
        ("baseline_model", "coalesce({t}.baseline_model, '')"),
    ),
}
#: periods with at most this many timed calls sort their latencies in Python (see latency_quantiles)
LATENCY_FETCH_MAX = 200_000
#: what ``Ledger.rollup`` can group by
GROUP_KEYS = ("backend", "model", "task", "route", "project", "baseline_model")


def _keys(table: str, t: str) -> list[tuple[str, str]]:
    return [(name, expr.format(t=t)) for name, expr in ROLLUPS[table]]


def _m003_cache_tokens_and_rollups(db: sqlite3.Connection) -> None:
    """Prompt-cache token columns, and the rollups that keep `slmr spend` fast on millions of calls."""
    db.execute("ALTER TABLE calls ADD COLUMN cache_read_tokens INTEGER")
    db.execute("ALTER TABLE calls ADD COLUMN cache_write_tokens INTEGER")
    # (0002_cascade already indexed parent_id)
    # the time index also covers backend and latency, so a short period's latencies are read from it alone
    db.execute("DROP INDEX calls_ts")
    db.execute("CREATE INDEX calls_ts ON calls(ts_utc, backend, latency_ms)")
    # percentiles walk this index in latency order instead of sorting the table
    db.execute("CREATE INDEX calls_latency ON calls(backend, latency_ms, ts_utc) WHERE latency_ms IS NOT NULL")
    sums = [name for name, _ in _ROLLUP_SUMS]
    upserts = []
    for table in ROLLUPS:
        keys = [name for name, _ in _keys(table, "n")]
        columns = ",\n".join(
            [f"{k} TEXT NOT NULL" for k in keys]
            + [
                f"{n} {'REAL NOT NULL DEFAULT 0.0' if n.endswith('usd') else 'INTEGER NOT NULL DEFAULT 0'}"
                for n in sums
            ]
        )
        db.execute(f"CREATE TABLE {table} ({columns}, PRIMARY KEY ({', '.join(keys)})) WITHOUT ROWID")
        db.execute(
            f"""
            INSERT INTO {table} ({", ".join(keys + sums)})
            SELECT {", ".join(e for _, e in _keys(table, "n"))}, {", ".join(f"sum({e})" for _, e in _ROLLUP_SUMS)}
            FROM calls AS n GROUP BY {", ".join(str(i + 1) for i in range(len(keys)))}
            """
        )
        values = re.sub(r"\bn\.", "NEW.", ", ".join(e for _, e in _ROLLUP_SUMS))
        upserts.append(
            f"INSERT INTO {table} ({', '.join(keys + sums)}) "
            f"VALUES ({', '.join(e for _, e in _keys(table, 'NEW'))}, {values}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(f'{n} = {n} + excluded.{n}' for n in sums)};"
        )
    db.execute(f"CREATE TRIGGER calls_rollup AFTER INSERT ON calls BEGIN {' '.join(upserts)} END")
    # Calls are linked by parent_id in the order a piece of work made them. Only a follow-up (a retry,
    # an escalation, a fallback) replaces its parent: then the parent's baseline leaves the comparison,
    # so one piece of work saves at most once. Chunks of a long input (map, reduce, section) are
    # separate work and keep theirs. Rows from before attempts were recorded (attempt NULL) count as
    # follow-ups, as they did in the v1 schema.
    for name, kinds, count in (
        ("calls_superseded", FOLLOW_UP_KINDS, False),
        ("calls_escalated", ESCALATION_KINDS, True),
    ):
        body = " ".join(_escalate_sql(t, "NEW.parent_id", count=count, uncount=not count) + ";" for t in ROLLUPS)
        db.execute(
            f"""
            CREATE TRIGGER {name} AFTER INSERT ON calls
            WHEN NEW.parent_id IS NOT NULL AND {_attempt_in("NEW", kinds)}
                AND NOT EXISTS (SELECT 1 FROM calls AS c WHERE c.parent_id = NEW.parent_id AND c.id != NEW.id)
            BEGIN {body} END
            """
        )
    # the follow-ups a v1 ledger already holds get the same treatment, once per parent
    for kinds, count in ((FOLLOW_UP_KINDS, False), (ESCALATION_KINDS, True)):
        parents = db.execute(
            f"SELECT DISTINCT parent_id FROM calls AS c WHERE parent_id IS NOT NULL AND {_attempt_in('c', kinds)}"
        ).fetchall()
        for (parent_id,) in parents:
            for table in ROLLUPS:
                bindings = (parent_id,) if count else (parent_id, parent_id)
                db.execute(_escalate_sql(table, "?", count=count, uncount=not count), bindings)


#: attempts that replace their parent (see slmr.pipeline.FOLLOW_UPS), and those that are escalations
FOLLOW_UP_KINDS = ("retry", "escalation", "fallback")
ESCALATION_KINDS = ("escalation", "fallback")


def _attempt_in(table: str, kinds: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{k}'" for k in kinds)
    return f"({table}.attempt IS NULL OR {table}.attempt IN ({listed}))"


def _escalate_sql(table: str, parent: str, *, count: bool, uncount: bool) -> str:
    """An escalated call (local tried, then frontier) counts both costs and saves nothing: a follow-up
    takes its parent's baseline out of the comparison (``uncount``) and keeps its cost in; an
    escalation is also counted (``count``)."""
    keys = _keys(table, "p")
    sets = []
    if count:
        sets.append("escalated_calls = escalated_calls + 1")
    if uncount:
        sets.append(
            f"""cmp_baseline_usd = cmp_baseline_usd - (
                SELECT CASE WHEN p.cost_usd IS NOT NULL AND p.baseline_cost_usd IS NOT NULL
                       THEN p.baseline_cost_usd ELSE 0.0 END
                FROM calls AS p WHERE p.id = {parent})"""
        )
    return f"""
        UPDATE {table} SET {", ".join(sets)}
        WHERE ({", ".join(k for k, _ in keys)}) =
            (SELECT {", ".join(e for _, e in keys)} FROM calls AS p WHERE p.id = {parent})
    """


#: the same sums straight from ``calls`` (for the part of a period inside a UTC day), escalations included
def _raw_sums() -> str:
    def parent_of(kinds: tuple[str, ...]) -> str:
        follow_up = _attempt_in("c", kinds)
        return f"(n.id IN (SELECT c.parent_id FROM calls AS c WHERE c.parent_id IS NOT NULL AND {follow_up}))"

    escalated, superseded = parent_of(ESCALATION_KINDS), parent_of(FOLLOW_UP_KINDS)
    parts = []
    for name, expr in _ROLLUP_SUMS:
        if name == "escalated_calls":
            expr = escalated
        elif name == "cmp_baseline_usd":
            expr = f"CASE WHEN {superseded} THEN 0.0 ELSE {expr} END"
        parts.append(f"sum({expr}) AS {name}")
    return ", ".join(parts)


def _m_stored_text(db: sqlite3.Connection) -> None:
    # opt-in (ledger.store_text); NULL otherwise, and `purge_text` sets it back to NULL
    db.execute("ALTER TABLE calls ADD COLUMN prompt_text TEXT")
    db.execute("ALTER TABLE calls ADD COLUMN response_text TEXT")


MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = [
    ("0001_calls", _m001_calls),
    ("0002_cascade", _m002_cascade),
    ("0003_cache_tokens_rollups", _m003_cache_tokens_and_rollups),
    ("0004_stored_text", _m_stored_text),
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
    # The last connection to close would checkpoint the WAL into the database with two fsyncs (about
    # 15 ms on a plain disk), on every single call. Committed rows are as durable in the WAL; SQLite's
    # automatic checkpoint (every 1000 pages) moves them on. Python 3.12+ can switch it off.
    if hasattr(db, "setconfig") and hasattr(sqlite3, "SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE"):
        db.setconfig(sqlite3.SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, True)
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

    def purge_text(self) -> int:
        """Forget every stored prompt, response and correction text, keep the figures; returns the rows cleared.

        secure_delete overwrites the freed bytes, the checkpoint empties the WAL and VACUUM
        rewrites the file, so the text is gone from disk, not just unlinked from the table.
        """
        self.db.execute("PRAGMA secure_delete = ON")
        cleared = self.db.execute(
            "UPDATE calls SET prompt_text = NULL, response_text = NULL "
            "WHERE prompt_text IS NOT NULL OR response_text IS NOT NULL"
        ).rowcount
        cleared += self.db.execute(
            "UPDATE corrections SET instruction = NULL, content = NULL "
            "WHERE instruction IS NOT NULL OR content IS NOT NULL"
        ).rowcount
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.execute("VACUUM")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return cleared

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

    # --- report queries: plain rows of sums; the arithmetic is slmr.reports' -------------------

    def rollup(self, since_utc: str | None, until_utc: str | None, by: str) -> list[sqlite3.Row]:
        """Sums per (``by`` value, backend) over the half-open UTC period ``[since, until)``.

        Whole UTC days come from ``rollup_keys``; the part of the period inside a day at either end
        is summed from ``calls`` with the same expressions, so the answer is exact.
        """
        if by not in GROUP_KEYS:
            raise ValueError(f"cannot group by {by!r}")
        sums = ", ".join(f"sum({name}) AS {name}" for name, _ in _ROLLUP_SUMS)
        lo_day, hi_day, edges = _split_days(since_utc, until_utc)
        day_clauses, params = [], []
        if lo_day:
            day_clauses.append("day >= ?")
            params.append(lo_day)
        if hi_day:
            day_clauses.append("day < ?")
            params.append(hi_day)
        where = ("WHERE " + " AND ".join(day_clauses)) if day_clauses else ""
        parts = [f"SELECT {by} AS key, backend, {sums} FROM rollup_keys {where} GROUP BY 1, 2"]
        raw_key = dict(_keys("rollup_keys", "n"))[by]
        for lo, hi in edges:
            parts.append(
                f"SELECT {raw_key} AS key, n.backend AS backend, {_raw_sums()} FROM calls AS n "
                "WHERE n.ts_utc >= ? AND n.ts_utc < ? GROUP BY 1, 2"
            )
            params += [lo, hi]
        return self.db.execute(" UNION ALL ".join(parts), params).fetchall()

    def rollup_ranges(self, ranges: Sequence[tuple[str, str, str]]) -> list[sqlite3.Row]:
        """Sums per (key, backend) for each (key, first bucket, end bucket): the caller passes local
        days, weeks or months already turned into UTC quarter hours, DST included."""
        sums = ", ".join(f"sum({name}) AS {name}" for name, _ in _ROLLUP_SUMS)
        sql = f"SELECT ? AS key, backend, {sums} FROM rollup_time WHERE bucket >= ? AND bucket < ? GROUP BY backend"
        rows: list[sqlite3.Row] = []
        for key, lo, hi in ranges:  # one small range scan each: no sort over the whole period
            rows += self.db.execute(sql, (key, lo, hi)).fetchall()
        return rows

    def span(self) -> tuple[str, str] | None:
        """The first and last buckets that hold calls (for periods with an open end)."""
        row = self.db.execute("SELECT min(bucket), max(bucket) FROM rollup_time").fetchone()
        return None if row[0] is None else (row[0], row[1])

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
        ranks = [min(count, max(1, math.ceil(q * count))) for q in quantiles]  # 1-based, ascending
        if count <= 0:
            return [None for _ in quantiles]
        if since_utc and count <= LATENCY_FETCH_MAX:
            # a short period: read its latencies through the time index and sort them here, rather
            # than walking the whole backend's latency index past calls outside the period
            # plain tuples: building a sqlite3.Row for each of ~50,000 values costs three times the sort
            cursor = self.db.cursor()
            cursor.row_factory = None
            query = f"SELECT latency_ms FROM calls INDEXED BY calls_ts WHERE {where}"
            values = sorted(value for (value,) in cursor.execute(query, params))
            return [float(values[rank - 1]) if rank <= len(values) else None for rank in ranks]
        out: list[float | None] = []
        for rank in ranks:
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
        row = self.db.execute(f"SELECT coalesce(sum(cost_usd), 0.0) FROM rollup_time {where}", params).fetchone()
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
        one transaction, so a crash leaves them in the renamed file, which a later run takes over
        once the process that renamed it is gone.
        """
        claimed = fallback.with_name(f"{fallback.name}.merging-{os.getpid()}")
        sources = [fallback] if fallback.exists() else []
        sources += [p for p in fallback.parent.glob(f"{fallback.name}.merging-*") if _orphaned(p)]
        lines: list[str] = []
        for source in sources:
            try:
                os.replace(source, claimed)
            except FileNotFoundError:
                continue  # another process claimed it first
            lines += claimed.read_text(encoding="utf-8").splitlines()
            claimed.unlink()
        if not lines:
            return 0
        records, bad = [], []
        for line in lines:
            if not line.strip():
                continue
            try:
                records.append(CallRecord(**json.loads(line)))
            except (ValueError, TypeError):
                bad.append(line)  # a torn line from a crash: kept aside, never silently dropped
        _append_lines(claimed, lines)  # held under our name until the rows are committed
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for record in records:
                self.record(record)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            _append_lines(fallback, lines)
            claimed.unlink(missing_ok=True)
            raise
        claimed.unlink(missing_ok=True)
        if bad:
            _append_lines(fallback.with_name(fallback.name + ".rejected"), bad)
        return len(records)


def _orphaned(claimed: Path) -> bool:
    """A ``.merging-PID`` file whose process has gone (it crashed between claiming and committing)."""
    pid = claimed.name.rsplit("-", 1)[-1]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


MIDNIGHT = "T00:00:00.000000Z"


def _split_days(since_utc: str | None, until_utc: str | None) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """Cut ``[since, until)`` into whole UTC days ``[lo_day, hi_day)`` and the partial ranges at its ends."""
    lo_day = hi_day = None
    edges: list[tuple[str, str]] = []
    if since_utc:
        lo_day = since_utc[:10]
        if since_utc[10:] != MIDNIGHT:
            lo_day = (date.fromisoformat(lo_day) + timedelta(days=1)).isoformat()
            edges.append((since_utc, lo_day + MIDNIGHT))
    if until_utc:
        hi_day = until_utc[:10]
        if until_utc[10:] != MIDNIGHT:
            edges.append((hi_day + MIDNIGHT, until_utc))
    if lo_day and hi_day and lo_day > hi_day:  # both ends inside one UTC day
        return lo_day, hi_day, [(since_utc, until_utc)]  # type: ignore[list-item]
    return lo_day, hi_day, edges


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


def purge_text(path: Path) -> int:
    """``slmr log --purge-text``: remove stored prompt/response text from the ledger at ``path``."""
    if not path.exists():
        return 0
    with Ledger(path) as ledger:
        return ledger.purge_text()


@contextlib.contextmanager
def open_ledger(path: Path) -> Iterator[Ledger]:
    ledger = Ledger(path)
    try:
        yield ledger
    finally:
        ledger.close()
