"""The intake database: one SQLite file holding sealed reports, keyed token hashes and day counters.

What a seized copy holds is listed table by table in ``docs/security/intake.md`` (a test diffs that list
against :data:`SCHEMA`). No column holds an address, a header, a clock time finer than a day, a clear token
or anything readable of a report. Ids are 128 random bits, never sequential (``WITHOUT ROWID`` tables, so
SQLite keeps no rowid order either).

Deletion leaves no residue: ``secure_delete=ON`` overwrites freed cells and pages with zeros, the rollback
journal (``journal_mode=DELETE``; no WAL, whose frames would outlive a checkpoint) is removed after each
commit and holds only these same columns, and ``temp_store=MEMORY`` keeps sorts and temporary tables off
the disk. After a pull is acknowledged the rows are deleted and the file is ``VACUUM`` ed.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA: dict[str, tuple[str, ...]] = {
    "sealed_report": ("report_id", "received_day", "sealed"),
    "reporter_token": ("token_hash", "counter_day", "reports_that_day"),
}
"""Every table and column of the intake database (the docs and a test hold the same list)."""

_DDL = (
    "CREATE TABLE IF NOT EXISTS sealed_report ("
    " report_id TEXT PRIMARY KEY, received_day TEXT NOT NULL, sealed BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS reporter_token ("
    " token_hash BLOB PRIMARY KEY, counter_day TEXT NOT NULL, reports_that_day INTEGER NOT NULL) WITHOUT ROWID",
)


@dataclass(frozen=True, slots=True)
class SealedRow:
    """One sealed report as stored: random id, day bucket (YYYY-MM-DD, UTC), ciphertext."""

    report_id: str
    received_day: str
    sealed: bytes


def new_report_id() -> str:
    """128 random bits as 32 hex digits."""
    return secrets.token_hex(16)


class IntakeDatabase:
    """The intake's SQLite file. One connection, guarded by a lock (the server is one process)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._con = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        for pragma in ("secure_delete=ON", "journal_mode=DELETE", "temp_store=MEMORY", "synchronous=FULL"):
            self._con.execute(f"PRAGMA {pragma}")
        for statement in _DDL:
            self._con.execute(statement)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._con.execute("BEGIN IMMEDIATE")
            try:
                yield self._con
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    def add_token(self, token_hash: bytes, day: str) -> None:
        with self._transaction() as con:
            con.execute("INSERT OR IGNORE INTO reporter_token VALUES (?, ?, 0)", [token_hash, day])

    def has_token(self, token_hash: bytes) -> bool:
        with self._lock:
            row = self._con.execute("SELECT 1 FROM reporter_token WHERE token_hash = ?", [token_hash]).fetchone()
        return row is not None

    def count_report(self, token_hash: bytes, day: str, per_day: int) -> bool | None:
        """Count one report for the token on ``day``: None for an unknown token, False when over the day's
        limit (nothing counted), True when counted. The counter is the only per-token state kept."""
        with self._transaction() as con:
            row = con.execute(
                "SELECT counter_day, reports_that_day FROM reporter_token WHERE token_hash = ?", [token_hash]
            ).fetchone()
            if row is None:
                return None
            used = row[1] if row[0] == day else 0
            if used >= per_day:
                return False
            con.execute(
                "UPDATE reporter_token SET counter_day = ?, reports_that_day = ? WHERE token_hash = ?",
                [day, used + 1, token_hash],
            )
            return True

    def store(self, row: SealedRow) -> None:
        with self._transaction() as con:
            con.execute("INSERT INTO sealed_report VALUES (?, ?, ?)", [row.report_id, row.received_day, row.sealed])

    def batch(self, limit: int) -> list[SealedRow]:
        """Up to ``limit`` sealed rows, in id order (random, so no arrival order is revealed)."""
        with self._lock:
            rows = self._con.execute(
                "SELECT report_id, received_day, sealed FROM sealed_report ORDER BY report_id LIMIT ?", [limit]
            ).fetchall()
        return [SealedRow(r[0], r[1], bytes(r[2])) for r in rows]

    def delete(self, report_ids: Sequence[str]) -> int:
        """Delete acknowledged rows, then VACUUM so no freed page keeps them. Returns rows deleted."""
        with self._transaction() as con:
            deleted = 0
            for report_id in report_ids:
                deleted += con.execute("DELETE FROM sealed_report WHERE report_id = ?", [report_id]).rowcount
        with self._lock:
            self._con.execute("VACUUM")
        return deleted

    def pending(self) -> int:
        with self._lock:
            count: int = self._con.execute("SELECT count(*) FROM sealed_report").fetchone()[0]
        return count

    def columns(self) -> dict[str, tuple[str, ...]]:
        """The real schema, table → columns (for the documentation test)."""
        with self._lock:
            tables = [r[0] for r in self._con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {t: tuple(r[1] for r in self._con.execute(f"PRAGMA table_info({t})")) for t in sorted(tables)}


__all__ = ["SCHEMA", "IntakeDatabase", "SealedRow", "new_report_id"]
