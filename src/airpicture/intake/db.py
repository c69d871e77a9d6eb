"""The intake database: one SQLite file holding sealed reports, keyed token hashes and day counters.

What a seized copy holds is listed table by table in ``docs/security/intake.md`` (a test diffs that list
against :data:`SCHEMA`). No column holds an address, a header, a clock time finer than a day, a clear token
or anything readable of a report. Ids are 128 random bits, never sequential (``WITHOUT ROWID`` tables, so
SQLite keeps no rowid order either).

Deletion leaves no residue: ``secure_delete=ON`` overwrites freed cells and pages with zeros, the rollback
journal (``journal_mode=DELETE``; no WAL, whose frames would outlive a checkpoint) is removed after each
commit and holds only these same columns, and ``temp_store=MEMORY`` keeps sorts and temporary tables off
the disk. After a pull is acknowledged the rows are deleted and the file is ``VACUUM`` ed.

Writes are group-committed (:meth:`IntakeDatabase._run`): reports arriving while one commit waits for the
disk go into the next transaction together, each under its own savepoint, so the fsync cost is shared and
throughput does not collapse to one report per fsync.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

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


@dataclass(slots=True, eq=False)
class _Job:
    op: Callable[[sqlite3.Connection], Any]
    result: Any = None
    error: Exception | None = None
    done: bool = False


def new_report_id() -> str:
    """128 random bits as 32 hex digits."""
    return secrets.token_hex(16)


class IntakeDatabase:
    """The intake's SQLite file. One connection, guarded by a lock (the server is one process)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._cond = threading.Condition()
        self._queue: list[_Job] = []
        self._writing = False
        self._con = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        for pragma in ("secure_delete=ON", "journal_mode=DELETE", "temp_store=MEMORY", "synchronous=FULL"):
            self._con.execute(f"PRAGMA {pragma}")
        for statement in _DDL:
            self._con.execute(statement)
        self._read = threading.Lock()
        self._reader = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        for pragma in ("secure_delete=ON", "temp_store=MEMORY"):
            self._reader.execute(f"PRAGMA {pragma}")
        self._known = {bytes(r[0]) for r in self._reader.execute("SELECT token_hash FROM reporter_token")}

    def close(self) -> None:
        with self._cond, self._read:
            self._reader.close()
            self._con.close()

    def _run(self, op: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``op`` inside a write transaction, group-committed: requests arriving while a commit is on the
        disk are committed together in the next one (one fsync for many reports, each still atomic)."""
        job = _Job(op)
        with self._cond:
            self._queue.append(job)
            while not job.done:
                if self._writing:
                    self._cond.wait()
                    continue
                self._writing = True
                batch, self._queue = self._queue, []
                self._cond.release()
                try:
                    self._commit(batch)
                finally:
                    self._cond.acquire()
                    self._writing = False
                    self._cond.notify_all()
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[no-any-return]

    def _commit(self, batch: list[_Job]) -> None:
        con = self._con
        try:
            con.execute("BEGIN IMMEDIATE")
            for job in batch:
                con.execute("SAVEPOINT job")
                try:
                    job.result = job.op(con)
                    con.execute("RELEASE job")
                except Exception as exc:  # this job fails alone
                    con.execute("ROLLBACK TO job")
                    con.execute("RELEASE job")
                    job.error = exc
            con.execute("COMMIT")
        except BaseException as exc:
            if con.in_transaction:
                con.execute("ROLLBACK")
            for job in batch:
                job.error = job.error or (exc if isinstance(exc, Exception) else RuntimeError("interrupted"))
            if not isinstance(exc, Exception):
                raise
        finally:
            for job in batch:
                job.done = True

    def add_token(self, token_hash: bytes, day: str) -> None:
        self._run(lambda con: con.execute("INSERT OR IGNORE INTO reporter_token VALUES (?, ?, 0)", [token_hash, day]))
        self._known.add(token_hash)

    def has_token(self, token_hash: bytes) -> bool:
        """Whether the codename was issued (from memory: the same hashes the table holds; no disk read can
        wait on a commit)."""
        return token_hash in self._known

    def count_and_store(self, token_hash: bytes, day: str, per_day: int, row: SealedRow | None) -> bool | None:
        """Count one report for the token on ``day`` and store ``row``, in one transaction: None for an
        unknown token, False when over the day's limit (nothing counted or stored), True when stored. The
        counter is the only per-token state kept."""

        def op(con: sqlite3.Connection) -> bool | None:
            found = con.execute(
                "SELECT counter_day, reports_that_day FROM reporter_token WHERE token_hash = ?", [token_hash]
            ).fetchone()
            if found is None:
                return None
            used = found[1] if found[0] == day else 0
            if used >= per_day:
                return False
            con.execute(
                "UPDATE reporter_token SET counter_day = ?, reports_that_day = ? WHERE token_hash = ?",
                [day, used + 1, token_hash],
            )
            if row is not None:
                con.execute("INSERT INTO sealed_report VALUES (?, ?, ?)", [row.report_id, row.received_day, row.sealed])
            return True

        return self._run(op)

    def store(self, row: SealedRow) -> None:
        self._run(
            lambda con: con.execute(
                "INSERT INTO sealed_report VALUES (?, ?, ?)", [row.report_id, row.received_day, row.sealed]
            )
        )

    def batch(self, limit: int) -> list[SealedRow]:
        """Up to ``limit`` sealed rows, in id order (random, so no arrival order is revealed)."""
        with self._read:
            rows = self._reader.execute(
                "SELECT report_id, received_day, sealed FROM sealed_report ORDER BY report_id LIMIT ?", [limit]
            ).fetchall()
        return [SealedRow(r[0], r[1], bytes(r[2])) for r in rows]

    def delete(self, report_ids: Sequence[str]) -> int:
        """Delete acknowledged rows, then VACUUM so no freed page keeps them. Returns rows deleted."""

        def op(con: sqlite3.Connection) -> int:
            return sum(con.execute("DELETE FROM sealed_report WHERE report_id = ?", [i]).rowcount for i in report_ids)

        deleted = self._run(op)
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._writing = True
        try:
            with self._read:
                self._con.execute("VACUUM")
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()
        return deleted

    def pending(self) -> int:
        with self._read:
            count: int = self._reader.execute("SELECT count(*) FROM sealed_report").fetchone()[0]
        return count

    def columns(self) -> dict[str, tuple[str, ...]]:
        """The real schema, table → columns (for the documentation test)."""
        with self._read:
            tables = [r[0] for r in self._reader.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {t: tuple(r[1] for r in self._reader.execute(f"PRAGMA table_info({t})")) for t in sorted(tables)}


__all__ = ["SCHEMA", "IntakeDatabase", "SealedRow", "new_report_id"]
